"""Rule `eta_nqm_draws`: does the diagonal noisy quadratic model surge?  Over draws of its initial point.

The NQM family's H and sigma are fixed; only theta0 (hence g = H theta0) is random.  Whether its
exact eta_star(B) has a surge depends on that draw, so the claim is made over the draws
``seed, seed + 1, ..., seed + draws - 1`` of the family (``problems.nqm``, whose int seed is the
trainer's ``nqm_theta0``): for each draw the strongest exact surge over the sweep's eps range
(``surge.surge_windows``, refined by bounded Brent, at the eta section's scan density), the share of
draws whose surge exceeds the threshold (with a Clopper-Pearson 95% interval), the distribution of
the strength, and u^T H u / tr H (below 1 on a diagonal H: no mean-field surge, the post's condition
fails).  Also the one draw the family used before the seeding was unified (``default_rng(seed)``).

Writes results/eta_nqm_draws.json (named values -> macros) and results/eta_nqm_draws.npz (per draw).
"""

import _common

import numpy as np
from scipy.stats import binomtest

from adameps import optimal_lr as ol
from adameps import problems, surge

log = _common.setup(snakemake)
p = snakemake.params
args = dict(p.problem)
seed0 = int(args.pop("seed", 0))
seeds = seed0 + np.arange(int(p.draws))
eps_lo, eps_hi = 10.0 ** p.eps["log10_min"], 10.0 ** p.eps["log10_max"]
thr = float(p.surge_min_strength)
ppd = int(p.window_points_per_decade)


def strongest(problem):
    """Strongest exact surge over the eps range, its eps, and max over the scan of u^T H u / tr H."""
    g, H, sigma = problem.arrays()
    w = surge.surge_windows(g, H, sigma, eps_lo, eps_hi, thr, points_per_decade=ppd)
    p_over_t = max(P / T for _, P, T in (ol.mean_field_terms(g, H, sigma, e) for e in w["eps_scan"]))
    return w["strength_max"], (np.nan if w["eps_max"] is None else w["eps_max"]), p_over_t


strength, eps_max, p_over_t = (np.array(x) for x in zip(*(strongest(problems.nqm(seed=int(s), **args))
                                                          for s in seeds)))
for s, st, e in zip(seeds, strength, eps_max):
    log.info("draw %d: strongest surge %.4g at eps = %.4g", s, st, e)
legacy = strongest(problems.nqm(seed=np.random.default_rng(seed0), **args))
log.info("legacy draw default_rng(%d): strongest surge %.4g at eps = %.4g", seed0, legacy[0], legacy[1])

values = _common.Values(digits=3)
v = values.add
n = len(seeds)
v("n_draws", n, "number of draws of the NQM initial point", "int")
v("seed_first", int(seeds[0]), "first seed of the draws (the family's own seed)", "int")
v("seed_last", int(seeds[-1]), "last seed of the draws", "int")
v("surge_min_strength", thr, "smallest relative rise above the plateau counted as a surge", "sci", 1)
v("eps_lo", eps_lo, "smallest eps of the search (the sweep's)", "sci", 1)
v("eps_hi", eps_hi, "largest eps of the search (the sweep's)", "sci", 1)
surging = strength > thr
k = int(surging.sum())
ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
v("n_surge", k, "draws whose strongest exact surge over eps exceeds surge_min_strength", "int")
v("share_surge", k / n, "share of draws with an exact surge above surge_min_strength", "sig", 2)
v("share_surge_lo", float(ci.low), "Clopper-Pearson 95% interval of that share, lower end", "sig", 2)
v("share_surge_hi", float(ci.high), "Clopper-Pearson 95% interval of that share, upper end", "sig", 2)
# Sensitivity to the threshold: the same draws counted at a tenth and ten times it.
for j, factor in enumerate((0.1, 1.0, 10.0)):
    v(f"thr{j}", factor * thr, f"threshold {j} (x{factor:g} surge_min_strength)", "sci", 1)
    v(f"n_surge_thr{j}", int(np.sum(strength > factor * thr)), f"draws whose strongest surge exceeds threshold {j}",
      "int")
v("strength_min", float(strength.min()), "weakest strongest-surge over the draws (0: eta_star monotone at every eps)",
  "sci", 2)
v("strength_median", float(np.median(strength)), "median over the draws of the strongest exact surge", "sci", 2)
v("strength_q1", float(np.quantile(strength, 0.25)), "lower quartile of the strongest surge over the draws", "sci", 2)
v("strength_q3", float(np.quantile(strength, 0.75)), "upper quartile of the strongest surge over the draws", "sci", 2)
v("strength_max", float(strength.max()), "largest strongest-surge over the draws", "sci", 2)
v("strength_max_seed", int(seeds[np.argmax(strength)]), "seed of that draw", "int")
v("strength_first", float(strength[0]), "strongest surge of the family's own draw (seed_first)", "sci", 2)
# A strongest surge at the search's smallest eps is an edge value: the supremum may lie below it.
at_min = np.isclose(eps_max, eps_lo)
v("n_at_min", int(np.sum(at_min)), "draws whose strongest surge lies at the smallest eps of the search (an edge "
  "value: a lower bound on the supremum)", "int")
v("n_surge_at_min", int(np.sum(at_min & surging)), "surging draws whose strongest surge lies at the smallest eps", "int")
if surging.any():
    v("eps_surge_min", float(np.nanmin(eps_max[surging])), "smallest eps of the strongest surge over surging draws",
      "sci", 2)
    v("eps_surge_max", float(np.nanmax(eps_max[surging])), "largest eps of the strongest surge over surging draws",
      "sci", 2)
v("max_p_over_t", float(p_over_t.max()), "max over draws and scanned eps of u^T H u / tr H (< 1: the post's "
  "condition fails, no mean-field surge)")
v("legacy_seed", seed0, "seed of the draw default_rng(seed) the family used before the seeding was unified", "int")
v("legacy_strength", float(legacy[0]), "strongest exact surge of that earlier draw", "sci", 2)
v("legacy_eps", float(legacy[1]), "eps of that surge", "sci", 2)
v("legacy_rank", int(np.sum(strength >= legacy[0])), "draws of the new scheme at least as strong as that earlier "
  "draw", "int")

_common.write_results(snakemake.output.json, namespace="eta_nqm_draws", snakemake=snakemake,
                      script=__file__, values=values)
_common.write_npz(snakemake.output.npz, seeds=seeds, strength=strength, eps_max=eps_max, p_over_t=p_over_t,
                  at_min=at_min)
