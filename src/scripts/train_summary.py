"""Rule `train_summary`: hold the one-step theory against the measured eta*(B, eps) of real training.

Per arm (problem x optimiser) and eps, for the exact one-step theory of the matching update map and
for the post's 2024 mean field: the prediction's constant offset in log eta, the shape error after
removing it (rms of the log ratio), Spearman's rank correlation over B, the surge peak of each curve
and the fraction of bracketed minima. Per step-budget arm (1, 10, 100 ... steps): the same against
the exact theory of Adam's own first step (kind "adam") and of softsign.
Writes results/train.json (named values -> macros) and results/train.npz (curves for the figures).
"""


import _common


import numpy as np

from adameps import theory_inputs as ti

log = _common.setup(snakemake)
P = snakemake.params
docs = [_common.read_json(path, keys=("problem", "eps", "rows", "params")) for path in snakemake.input.sweeps]
for d in docs:  # each sweep has one row per batch size of its arm's config
    if len(d["rows"]) != len(d["params"]["problem"]["B"]):
        raise _common.CorruptInput(d.path, f"has {len(d['rows'])} rows, its arm {len(d['params']['problem']['B'])} batch sizes")
values, arrays = _common.Values(digits=2), {}
v = values.add
THEORY_NAME = {"exact": "exact one-step theory", "mf": "2024 mean field", "adam": "exact theory of Adam's first step",
               "softsign": "exact softsign theory"}


def key(arm):
    return arm.replace("_", "")  # one key word per arm: nqmsoftsign, nqmsteps10


def load(arm):
    """Arrays of one arm: eps (nan without eps), B, measured eta, log se, ok flags, theory curves."""
    sweeps = sorted((d for d in docs if d["problem"] == arm), key=lambda d: d["eps"] or 0.0)
    B = np.array([r["B"] for r in sweeps[0]["rows"]])
    a = {"eps": np.array([np.nan if d["eps"] is None else d["eps"] for d in sweeps]), "B": B,
         "eta": np.array([[r["eta"] for r in d["rows"]] for d in sweeps]),
         "log_se": np.array([[np.nan if r["log_eta_se"] is None else r["log_eta_se"] for r in d["rows"]]
                             for d in sweeps]),
         "ok": np.array([[r["flag"] == "ok" for r in d["rows"]] for d in sweeps])}
    for t in ("exact", "mean_field", "adam"):
        if f"theory_{t}" in sweeps[0]["rows"][0]:
            a[f"theory_{t}"] = np.array([[r[f"theory_{t}"] for r in d["rows"]] for d in sweeps])
    return a, sweeps


def metrics(a, i, theory):
    se = np.nan_to_num(a["log_se"][i], nan=0.0)
    return ti.compare_curves(a["B"], a["eta"][i], a[f"theory_{theory}"][i], se)


def b_fmt(B):
    return "int" if float(B).is_integer() else "sig"


log_ratios = {"exact": [], "mf": []}
for arm in P.arms:
    a, sweeps = load(arm)
    arrays |= {f"{arm}_{k}": x for k, x in a.items()}
    K = key(arm)
    has_eps = bool(np.all(np.isfinite(a["eps"])))
    v(f"{K}_n_eps", len(a["eps"]) if has_eps else 0, f"{arm}: number of eps values", "int")
    v(f"{K}_n_b", len(a["B"]), f"{arm}: number of batch sizes", "int")
    v(f"{K}_b_min", a["B"][0], f"{arm}: smallest batch size", b_fmt(a["B"][0]))
    v(f"{K}_b_max", a["B"][-1], f"{arm}: largest batch size", b_fmt(a["B"][-1]))
    v(f"{K}_steps", int(sweeps[0]["steps"]), f"{arm}: training steps per run", "int")
    if "hidden" in sweeps[0]["params"]["problem"]:
        v(f"{K}_hidden", int(sweeps[0]["params"]["problem"]["hidden"]), f"{arm}: hidden units", "int")
    if "n" in sweeps[0]["params"]["problem"]:
        v(f"{K}_dim", int(sweeps[0]["params"]["problem"]["n"]), f"{arm}: NQM dimension", "int")
    v(f"{K}_bracketed_fraction", float(a["ok"].mean()),
      f"{arm}: fraction of (B, eps) whose minimum is bracketed and refined", "pct", 3)
    if has_eps:
        v(f"{K}_eps_min", a["eps"][0], f"{arm}: smallest eps", "sci", 1)
        v(f"{K}_eps_max", a["eps"][-1], f"{arm}: largest eps", "sci", 1)
    table = {}
    for i in range(len(a["eps"])):
        row = f"{K}_e{i}"
        if has_eps:
            v(f"{row}_eps", a["eps"][i], f"{arm}: eps of row {i}", "sci", 1)
        v(f"{row}_bracketed", float(a["ok"][i].mean()), f"{arm}, eps row {i}: fraction of B bracketed", "pct", 3)
        for t, curve in (("exact", "exact"), ("mf", "mean_field")):
            if f"theory_{curve}" not in a:
                continue
            c = metrics(a, i, curve)
            what = f"{arm}, eps row {i}, measured vs {THEORY_NAME[t]}"
            v(f"{row}_{t}_offset", c["offset"], f"{what}: mean log ratio meas/pred")
            v(f"{row}_{t}_rms", c["rms"], f"{what}: rms shape error of log eta after removing the offset")
            if np.isfinite(c["spearman"]):
                v(f"{row}_{t}_spearman", c["spearman"], f"{what}: Spearman rank correlation over B")
            Bp = c["surge_pred"]["B_peak"] or 0  # 0: no surge
            v(f"{row}_{t}_surge_pred", int(Bp) if b_fmt(Bp) == "int" else Bp,
              f"{what}: predicted surge peak B (0: none)", b_fmt(Bp))
            if t == "exact":
                Bp = c["surge_meas"]["B_peak"] or 0
                v(f"{row}_surge_meas", int(Bp) if b_fmt(Bp) == "int" else Bp,
                  f"{arm}, eps row {i}: measured surge peak B (0: none)", b_fmt(Bp))
                # The smallest and the largest eps under fixed names, whatever the grid's length.
                for end, at in (("lo", 0), ("hi", len(a["eps"]) - 1)):
                    if i == at:
                        for m in ("offset", "rms", "spearman"):
                            if np.isfinite(c[m]):
                                v(f"{K}_{end}_{m}", c[m], f"{what}: {m} ({'smallest' if end == 'lo' else 'largest'} eps)")
                        Bp = c["surge_pred"]["B_peak"] or 0
                        v(f"{K}_{end}_surge_pred", int(Bp) if b_fmt(Bp) == "int" else Bp,
                          f"{what}: predicted surge peak B (0: none)", b_fmt(Bp))
            table[(i, t)] = c
            log_ratios[t].append(np.log(a["eta"][i] / a[f"theory_{curve}"][i]))
            log.info("%s eps=%s %s: offset %+.2f, shape rms %.2f, spearman %+.2f, surge meas %s pred %s", arm,
                     a["eps"][i], t, c["offset"], c["rms"], c["spearman"], c["surge_meas"]["B_peak"],
                     c["surge_pred"]["B_peak"])
    for t in ("exact", "mf"):
        if (0, t) in table:
            n = len(a["eps"])
            if t == "exact":
                v(f"{K}_surges_measured", sum(table[(i, t)]["surge_meas"]["has_surge"] for i in range(n)),
                  f"{arm}: eps values whose measured eta*(B) surges", "int")
            v(f"{K}_{t}_surges_predicted", sum(table[(i, t)]["surge_pred"]["has_surge"] for i in range(n)),
              f"{arm}: eps values whose eta*(B) predicted by the {THEORY_NAME[t]} surges", "int")
            arrays[f"{arm}_{t}_offset"] = np.array([table[(i, t)]["offset"] for i in range(n)])
            arrays[f"{arm}_{t}_rms"] = np.array([table[(i, t)]["rms"] for i in range(n)])
            arrays[f"{arm}_{t}_spearman"] = np.array([table[(i, t)]["spearman"] for i in range(n)])
    info = sweeps[0]["inputs"]
    if info.get("n_negative") is not None:
        v(f"{K}_hessian_negative_fraction", info["n_negative"] / info["n_live"],
          f"{arm}: fraction of Hessian eigenvalues at init that are negative (floored)", "pct", 2)
        v(f"{K}_hessian_floored", info["floored"], f"{arm}: Hessian eigenvalues floored to make H SPD", "int")
        v(f"{K}_hessian_live", info["n_live"], f"{arm}: live parameters (the theory's dimension)", "int")
        v(f"{K}_hessian_min_eig", info["min_eig"], f"{arm}: smallest Hessian eigenvalue at init")
        v(f"{K}_hessian_max_eig", info["max_eig"], f"{arm}: largest Hessian eigenvalue at init")
        v(f"{K}_hessian_negative_mass", info["negative_mass"],
          f"{arm}: sum of |negative eigenvalues| over sum of |eigenvalues| of the Hessian at init", "pct", 2)

for t in ("exact", "mf"):
    r = np.abs(np.concatenate(log_ratios[t]))
    v(f"all_{t}_median_abs_log_ratio", float(np.median(r)),
      f"all arms and settings: median |log(measured/predicted)| for the {THEORY_NAME[t]}")
    v(f"all_{t}_within_factor_two", float(np.mean(r < np.log(2.0))),
      f"all arms and settings: fraction within a factor 2 of the {THEORY_NAME[t]}", "pct", 2)
    v(f"all_{t}_n_settings", int(r.size), f"number of (arm, B, eps) settings compared with the {THEORY_NAME[t]}", "int")

# Step budget: the same problem trained for 1, 10, 100 ... steps, at a small and a large eps.
# Keys by position: budget_s<j> is the j-th step count, budget_s<j>_e<i> its i-th eps.
bp = P.budget["problem"]
for j, s in enumerate(P.budget["steps"]):
    arm = f"{bp}_steps{s}"
    a, _ = load(arm)
    arrays |= {f"{arm}_{k}": x for k, x in a.items()}
    v(f"budget_s{j}_steps", s, f"step budget {j}: steps", "int")
    for i in range(len(a["eps"])):
        for t, curve in (("adam", "adam"), ("softsign", "exact")):
            c = metrics(a, i, curve)
            what = f"{arm}, eps row {i}, measured vs {THEORY_NAME[t]}"
            r = np.log(a["eta"][i] / a[f"theory_{curve}"][i])
            v(f"budget_s{j}_e{i}_{t}_offset", c["offset"], f"{what}: mean log ratio meas/pred")
            v(f"budget_s{j}_e{i}_{t}_rms", c["rms"], f"{what}: rms shape error of log eta")
            v(f"budget_s{j}_e{i}_{t}_max_abs", float(np.max(np.abs(r))), f"{what}: max |log ratio| over B")
            if np.isfinite(c["spearman"]):
                v(f"budget_s{j}_e{i}_{t}_spearman", c["spearman"], f"{what}: Spearman over B")
a0, _ = load(f"{bp}_steps{P.budget['steps'][0]}")
v("budget_eps_small", a0["eps"][0], "step budget: the small eps", "sci", 1)
v("budget_eps_large", a0["eps"][-1], "step budget: the large eps", "sci", 1)
arrays["budget_steps"] = np.array(P.budget["steps"])

v("seeds", docs[0]["params"]["seeds"], "seeds per (B, eps, lr)", "int")
_common.write_results(snakemake.output.json, namespace="train", snakemake=snakemake,
                      script=__file__, values=values)
_common.write_npz(snakemake.output.npz, **arrays)
