"""Rule `eta_no_surge`: the two-coordinate instance where the post's surge condition u^T H u > tr H
holds and yet there is no surge: none in the mean field, and the exact eta_star(B) rises above its
large-B plateau by far less than the pipeline's surge threshold.

Writes results/eta_no_surge.json (named values -> macros).
"""

import _common

import numpy as np

from adameps import optimal_lr as ol
from adameps import problems, surge

log = _common.setup(snakemake)
p = snakemake.params
problem = problems.two_coordinate_no_surge(p.no_surge["coupling"])
g, H, sigma = problem.arrays()
eps = p.no_surge["eps"]
B = np.logspace(p.no_surge["log10_B_min"], p.no_surge["log10_B_max"], p.no_surge["n_B"])
_, P, T = ol.mean_field_terms(g, H, sigma, eps)
exact = ol.eta_star(g, H, sigma, eps, B)
mf = ol.eta_star_mean_field(g, H, sigma, eps, B)
eta_inf = ol.eta_star_limit_large_B(g, H, eps)
peak = ol.surge_peak(g, H, sigma, eps)
log.info("P/T = %.6g, exact peak %s, mean-field peak %s", P / T, peak, ol.mean_field_peak(g, H, sigma, eps))

values = _common.Values(digits=3)
v = values.add
v("coupling", p.no_surge["coupling"], "off-diagonal entry c of H = [[1, c], [c, 1]]")
v("eps", eps, "eps of the two-coordinate instance", "sci", 1)
v("p_over_t", P / T, "u^T H u / tr H (the post's condition: > 1; the exact mean-field one: > 2)")
v("post_condition", int(P > T), "post's condition u^T H u > tr H holds (1 = true)", "int")
v("exact_condition", int(P > 2 * T), "exact mean-field condition u^T H u > 2 tr H holds (1 = true)", "int")
v("surge", int(peak is not None), "surge_peak finds an exact peak (1 = true)", "int")
v("mf_surge", int(ol.mean_field_peak(g, H, sigma, eps) is not None), "mean field has a peak (1 = true)", "int")
# No surge at the pipeline's threshold: how far the exact eta_star gets above its B -> inf limit on the
# grid (a smooth maximum far below surge_min_strength is still possible: see the paper).
rise = float(max(0.0, exact.max() / eta_inf - 1))
v("max_rise", rise, "max over the grid of eta_star/eta_inf - 1", "sci", 1)
v("b_max_rise", float(B[np.argmax(exact)]), "B of that maximum on the grid", "sci", 1)
v("surge_min_strength", p.surge_min_strength, "smallest relative rise counted as a surge", "sci", 1)
v("below_threshold", int(rise < p.surge_min_strength), "the rise is below surge_min_strength (1 = true)", "int")
v("mf_min_step", float(np.min(np.diff(mf) / mf[:-1])), "smallest relative increase of the mean field between grid B",
  "sci", 2)
v("n_b", len(B), "number of batch sizes of the grid", "int")
v("b_min", B[0], "smallest B of the grid", "sci", 1)
v("b_max", B[-1], "largest B of the grid", "sci", 1)
bn = ol.b_noise(g, H, sigma)
v("b_noise", bn, "B_noise of the two-coordinate instance", "sig", 3)
v("b_min_over_b_noise", B[0] / bn, "smallest B / B_noise of the grid", "sci", 1)
v("b_max_over_b_noise", B[-1] / bn, "largest B / B_noise of the grid", "sci", 1)

# ---------------------------------------------------------------- eps creates a surge (problems.eps_creates_surge)
cfg = p.eps_creates_surge
EPS_RANGE = (10.0 ** cfg["log10_eps_min"], 10.0 ** cfg["log10_eps_max"])
POINTS_PER_DECADE = p.window_points_per_decade
cs = problems.eps_creates_surge(k=cfg["k"], delta=cfg["delta"], noise_scale=cfg["noise_scale"])
gc, Hc, sc = cs.arrays()
Tc = float(np.trace(Hc))
v("cs_n", cs.n, "coordinates of the eps-creates-a-surge instance", "int")
v("cs_delta", float(gc[-1]), "its small gradient entry delta", "sci", 1)
v("cs_spike", float(np.linalg.eigvalsh(Hc)[-1] - 1.0), "its spike (largest eigenvalue minus the floor 1)", "sig", 3)
v("cs_sigma", float(sc[0]), "its noise scale sigma_i (all equal)", "sig", 3)
v("cs_b_noise", ol.b_noise(gc, Hc, sc), "its B_noise", "sig", 3)
v("cs_sign_aligned", int(surge.sign_aligned_nonnegative(gc, Hc)), "1 if D H D >= 0 (it is not: 0)", "int")
v("cs_p_over_t_small_eps", surge.post_P(gc, Hc, EPS_RANGE[0]) / Tc, "P/T at the smallest eps of the range")
v("cs_eps_min", EPS_RANGE[0], "smallest eps of the range searched", "sci", 1)
v("cs_eps_max", EPS_RANGE[1], "largest eps of the range searched", "sci", 1)
mfw = surge.mean_field_surge_windows(gc, Hc, *EPS_RANGE)
v("cs_mf_n_windows", len(mfw), "eps intervals with a mean-field surge (P > 2T)", "int")
if len(mfw) == 1:
    v("cs_mf_start", mfw[0][0], "root of P(eps) = 2T where the mean-field surge starts", "sci", 3)
    v("cs_mf_end", mfw[0][1], "root of P(eps) = 2T where it ends", "sci", 3)
sign_peak = ol.surge_peak(gc, Hc, sc, 0.0, kind="sign")
v("cs_sign_surge", int(sign_peak is not None), "SignSGD's exact optimum has a peak (1 = true)", "int")
w = surge.surge_windows(gc, Hc, sc, *EPS_RANGE, p.surge_min_strength, points_per_decade=POINTS_PER_DECADE)
v("cs_n_windows", len(w["windows"]), "eps intervals where the exact softsign surge exceeds surge_min_strength", "int")
if len(w["windows"]) == 1:
    start, end, at_lo, at_hi = w["windows"][0]
    v("cs_start", start, "root of surge strength = surge_min_strength where the exact surge starts", "sci", 3)
    v("cs_end", end, "root where it ends", "sci", 3)
    v("cs_window_interior", int(not at_lo and not at_hi), "1 if both ends are roots inside the range", "int")
v("cs_strongest", w["strength_max"], "strongest exact surge over eps (bounded Brent), relative rise")
if w["eps_max"] is not None:
    v("cs_strongest_eps", w["eps_max"], "its eps", "sci", 3)
    v("cs_strongest_b_peak", ol.surge_peak(gc, Hc, sc, w["eps_max"]), "batch size of that peak", "sci", 3)
    v("cs_strongest_p_over_t", surge.post_P(gc, Hc, w["eps_max"]) / Tc, "P/T at that eps")
v("cs_small_eps_strength", ol.surge_strength(gc, Hc, sc, EPS_RANGE[0]),
  "exact surge strength at the smallest eps of the range", "sci", 2)
log.info("eps creates a surge: mean-field windows %s, exact windows %s, strongest %.4g at eps %s",
         mfw, w["windows"], w["strength_max"], w["eps_max"])
_common.write_results(snakemake.output.json, namespace="eta_no_surge", snakemake=snakemake,
                      script=__file__, values=values)
