"""Rule `eta_no_surge`: the two-coordinate instance where the post's surge condition u^T H u > tr H
holds and yet there is no surge: none in the mean field, and the exact eta_star(B) rises above its
large-B plateau by far less than the pipeline's surge threshold.

Writes results/eta_no_surge.json (named values -> macros).
"""

import _common

import numpy as np

from adameps import optimal_lr as ol
from adameps import problems

log = _common.setup(snakemake)
p = snakemake.params
problem = problems.two_coordinate_no_surge(p.no_surge["coupling"])
g, H, sigma = problem.arrays()
eps = p.no_surge["eps"]
B = np.logspace(p.no_surge["log10_B_min"], p.no_surge["log10_B_max"], p.no_surge["n_B"])
u = g / np.sqrt(g * g + eps * eps)
P, T = float(u @ H @ u), float(np.trace(H))
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
_common.write_results(snakemake.output.json, namespace="eta_no_surge", snakemake=snakemake,
                      script=__file__, values=values)
