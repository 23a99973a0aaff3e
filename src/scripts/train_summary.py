"""Rule `train_summary`: hold the one-step theory against the measured eta*(B, eps) of real training.

Per (problem, eps): the prediction's constant offset in log eta, the shape error after removing it
(rms of the log ratio), Spearman's rank correlation over B, and whether each curve surges.
Writes results/train.json (named values -> macros) and results/train.npz (curves for the figure).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: E402

import json  # noqa: E402

import numpy as np  # noqa: E402

from adameps import theory_inputs as ti  # noqa: E402

log = _common.setup(snakemake)  # noqa: F821
docs = [json.loads(Path(path).read_text()) for path in snakemake.input]  # noqa: F821
values, arrays = _common.Values(digits=2), {}
v = values.add

for problem in snakemake.params.problems:  # noqa: F821
    sweeps = sorted((d for d in docs if d["problem"] == problem), key=lambda d: d["eps"])
    eps = np.array([d["eps"] for d in sweeps])
    B = np.array([r["B"] for r in sweeps[0]["rows"]])
    eta = np.array([[r["eta"] for r in d["rows"]] for d in sweeps])
    se = np.array([[np.nan if r["log_eta_se"] is None else r["log_eta_se"] for r in d["rows"]] for d in sweeps])
    ok = np.array([[r["flag"] == "ok" for r in d["rows"]] for d in sweeps])
    arrays |= {f"{problem}_eps": eps, f"{problem}_B": B, f"{problem}_eta": eta, f"{problem}_log_se": se,
               f"{problem}_ok": ok}
    for kind in ("softsign", "adam", "mean_field"):
        pred = np.array([[r[f"theory_{kind}"] for r in d["rows"]] for d in sweeps])
        arrays[f"{problem}_theory_{kind}"] = pred
    rms, offset, rho, surges_meas, surges_pred = [], [], [], 0, 0
    for i in range(len(eps)):
        c = ti.compare_curves(B, eta[i], arrays[f"{problem}_theory_softsign"][i], np.nan_to_num(se[i], nan=0.0))
        rms.append(c["rms"])
        offset.append(c["offset"])
        rho.append(c["spearman"])
        surges_meas += c["surge_meas"]["has_surge"]
        surges_pred += c["surge_pred"]["has_surge"]
        log.info("%s eps=%.0e: offset %+.2f, shape rms %.2f, spearman %+.2f, surge meas %s pred %s", problem,
                 eps[i], c["offset"], c["rms"], c["spearman"], c["surge_meas"]["B_peak"], c["surge_pred"]["B_peak"])
    arrays |= {f"{problem}_shape_rms": np.array(rms), f"{problem}_offset": np.array(offset),
               f"{problem}_spearman": np.array(rho)}
    what = f"{problem}: Adam, measured eta* vs one-step softsign theory"
    v(f"{problem}_n_eps", len(eps), f"{problem}: number of eps values", "int")
    v(f"{problem}_n_b", len(B), f"{problem}: number of batch sizes", "int")
    v(f"{problem}_bracketed_fraction", float(ok.mean()), f"{problem}: fraction of (B, eps) whose minimum is bracketed and refined", "pct", 3)
    v(f"{problem}_offset_small_eps", offset[0], f"{what}: mean log ratio (meas/pred) at the smallest eps")
    v(f"{problem}_offset_large_eps", offset[-1], f"{what}: mean log ratio (meas/pred) at the largest eps")
    v(f"{problem}_shape_rms_small_eps", rms[0], f"{what}: rms shape error (log) at the smallest eps")
    v(f"{problem}_shape_rms_large_eps", rms[-1], f"{what}: rms shape error (log) at the largest eps")
    v(f"{problem}_spearman_small_eps", rho[0], f"{what}: Spearman over B at the smallest eps")
    v(f"{problem}_spearman_large_eps", rho[-1], f"{what}: Spearman over B at the largest eps")
    v(f"{problem}_surges_measured", surges_meas, f"{problem}: eps values whose measured eta*(B) surges", "int")
    v(f"{problem}_surges_predicted", surges_pred, f"{problem}: eps values whose predicted eta*(B) surges", "int")
    v(f"{problem}_eps_min", eps[0], f"{problem}: smallest eps", "sci", 1)
    v(f"{problem}_eps_max", eps[-1], f"{problem}: largest eps", "sci", 1)

first = docs[0]["params"]
v("seeds", first["seeds"], "seeds per (B, eps, lr)", "int")
_common.write_results(snakemake.output.json, namespace="train", snakemake=snakemake,  # noqa: F821
                      script=__file__, values=values)
_common.write_npz(snakemake.output.npz, **arrays)  # noqa: F821
