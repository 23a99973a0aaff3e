"""Rule `eta_sweep`: exact and mean-field eta_star(B) over an eps x B grid for one problem family,
the exact surge peak per eps, and the eps -> inf / eps -> 0 limits.

Writes results/eta_<family>.json (named values -> macros) and results/eta_<family>.npz (curves).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: E402

import numpy as np  # noqa: E402

from adameps import optimal_lr as ol  # noqa: E402
from adameps import problems  # noqa: E402

log = _common.setup(snakemake)  # noqa: F821
family = snakemake.wildcards.family  # noqa: F821
p = snakemake.params  # noqa: F821
problem = getattr(problems, family)(**p.problem)
g, H, sigma = problem.g, problem.H, problem.sigma
eps = np.logspace(p.eps["log10_min"], p.eps["log10_max"], p.eps["n"])
B = np.logspace(p.B["log10_min"], p.B["log10_max"], p.B["n"])
log.info("%s: n=%d, %d eps x %d B", family, problem.n, len(eps), len(B))

exact = np.array([ol.eta_star(g, H, sigma, e, B) for e in eps])  # (n_eps, n_B)
mf = {v: np.array([ol.eta_star_mean_field(g, H, sigma, e, B, variant=v) for e in eps]) for v in ol.VARIANTS}
sign = ol.eta_star(g, H, sigma, 0.0, B, kind="sign")
sgd = ol.eta_star_sgd(g, H, sigma, B)
sgd_post = ol.eta_star_limit_large_eps_post(g, H, sigma, B)

peaks, mf_peaks, strength = [], [], []
for e in eps:
    peak = ol.surge_peak(g, H, sigma, e)
    mf_peak = ol.mean_field_peak(g, H, sigma, e)
    # How far the peak rises above the B -> inf plateau: tells a real surge from a ripple.
    strength.append(0.0 if peak is None else
                    float(ol.eta_star(g, H, sigma, e, peak) / ol.eta_star_limit_large_B(g, H, e) - 1))
    peaks.append(np.nan if peak is None else float(peak))
    mf_peaks.append(np.nan if mf_peak is None else float(mf_peak))
    log.info("eps=%.3g: exact peak %s, mean-field peak %s", e, peak, mf_peak)
peaks, mf_peaks, strength = np.array(peaks), np.array(mf_peaks), np.array(strength)

values = _common.Values(digits=3)
v = values.add
for variant, eta_mf in mf.items():
    err = np.abs(np.log(eta_mf / exact))  # (n_eps, n_B)
    i, j = np.unravel_index(np.argmax(err), err.shape)
    v(f"mf_{variant}_max_log_error", err[i, j], f"max over eps, B of |log(mean-field {variant} / exact eta_star)|")
    v(f"mf_{variant}_max_ratio", float(np.exp(err[i, j])), f"that error as a factor: mean field {variant} off by up to x")
    v(f"mf_{variant}_worst_eps", eps[i], f"eps of the worst mean-field {variant} error", "sci", 2)
    v(f"mf_{variant}_worst_b", B[j], f"B of the worst mean-field {variant} error", "sci", 2)
    v(f"mf_{variant}_median_log_error", float(np.median(err)), f"median over eps, B of |log(mean-field {variant}/exact)|")

# A peak that rises less than surge_min_strength above the plateau is reported but not counted:
# at the moments' precision such ripples (seen on the diagonal NQM) are not a surge anyone would see.
surging = np.isfinite(peaks) & (strength > p.surge_min_strength)
v("surge_min_strength", p.surge_min_strength, "smallest relative rise above the plateau counted as a surge", "sci", 1)
v("n_eps", len(eps), "number of eps values in the sweep", "int")
v("n_b", len(B), "number of batch sizes in the sweep", "int")
v("n_eps_surge", int(surging.sum()), "number of eps values at which exact eta_star(B) has an interior peak", "int")
v("max_surge_strength", float(strength.max()), "largest rise of the exact peak above the large-B plateau, relative")
if surging.any():
    v("b_peak_small_eps", peaks[np.argmax(surging)], "exact surge peak B at the smallest surging eps", "sci", 3)
    v("eps_surge_first", eps[surging][0], "smallest eps of the grid with an exact surge", "sci", 2)
if surging.any() and not surging.all():
    v("eps_surge_last", eps[surging][-1], "largest eps of the grid with an exact surge", "sci", 2)
# eps -> inf: eta_star/eps tends to SGD's optimum with the true noise (no pi/2 factor).
gap = np.max(np.abs(exact[-1] / eps[-1] / sgd - 1))
v("large_eps_gap_sgd", gap, "max over B of |eta_star/eps / eta_sgd - 1| at the largest eps", "sci", 2)
v("large_eps_gap_post", float(np.max(np.abs(sgd_post / sgd - 1))),
  "max over B of |post's eps->inf limit / exact limit - 1|")
v("large_eps", eps[-1], "largest eps of the sweep", "sci", 1)
v("small_eps_gap_sign", float(np.max(np.abs(exact[0] / sign - 1))),
  "max over B of |eta_star(smallest eps)/eta_star(sign) - 1|", "sci", 2)
v("small_eps", eps[0], "smallest eps of the sweep", "sci", 1)

_common.write_results(snakemake.output.json, namespace=f"eta_{family}", snakemake=snakemake,  # noqa: F821
                      script=__file__, values=values)
_common.write_npz(snakemake.output.npz, eps=eps, B=B, exact=exact, mf_2024=mf["2024"],  # noqa: F821
                  mf_2025=mf["2025"], sign=sign, sgd=sgd, sgd_post=sgd_post, peaks=peaks, mf_peaks=mf_peaks,
                  surge_strength=strength, surging=surging)
