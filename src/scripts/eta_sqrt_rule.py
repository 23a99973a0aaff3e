"""Rule `eta_sqrt_rule`: does eta_star(B) follow the SDE square-root rule eta ∝ sqrt(B) when eps is
scaled as B^(-1/2) (Malladi et al. 2022), and how badly when eps is held fixed?

Per family, batch sizes are in units of McCandlish et al.'s B_noise. From a reference batch
B_ref with eps_ref = b * median(sigma) / sqrt(B_ref) (one curve per b of the config), the log
deviation D(B) = log(eta_star(B, eps(B)) / (sqrt(B/B_ref) eta_star(B_ref, eps_ref))) is computed
with eps(B) = eps_ref sqrt(B_ref/B) ("sqrt") and eps(B) = eps_ref ("fixed"); D = 0 is a perfect
collapse onto the square-root rule.

Writes results/eta_sqrt_rule.json (named values -> macros) and results/eta_sqrt_rule.npz (curves).
"""

import _common

import numpy as np

from adameps import optimal_lr as ol
from adameps import problems

log = _common.setup(snakemake)
p = snakemake.params
cfg = p.sqrt_rule
x = np.logspace(cfg["log10_B_ref"], cfg["log10_B_max"], cfg["n_B"])  # B / B_noise
b_ref = np.asarray(cfg["b"], float)
window = x <= 10.0 ** cfg["log10_B_window"]
tol = cfg["tolerance"]


def first_crossing(d):
    """Smallest B/B_noise where |D| reaches tol (log-linear interpolation on the grid), or None."""
    over = np.flatnonzero(np.abs(d) >= tol)
    if over.size == 0:
        return None
    i = int(over[0])
    if i == 0:
        return float(x[0])
    lo, hi = abs(d[i - 1]), abs(d[i])
    t = (tol - lo) / (hi - lo)
    return float(np.exp(np.log(x[i - 1]) + t * np.log(x[i] / x[i - 1])))


values = _common.Values(digits=2)
v = values.add
v("b_ref_over_b_noise", x[0], "reference batch size B_ref / B_noise", "sci", 1)
v("window_over_b_noise", 10.0 ** cfg["log10_B_window"], "upper end of the small-batch window, B / B_noise", "sci", 1)
v("b_max_over_b_noise", x[-1], "largest B / B_noise of the grid", "sci", 1)
v("tolerance", tol, "|D| counted as breaking the square-root rule")
v("probe_inner_over_b_noise", 10.0 ** (cfg["log10_B_window"] - 2), "B/B_noise of the inner probe", "sci", 1)
v("n_b_ref", len(b_ref), "number of reference b values (curves per family and rule)", "int")
v("b_min", b_ref.min(), "smallest reference b", "sig", 1)
v("b_max", b_ref.max(), "largest reference b", "sig", 1)
arrays = {"x": x, "b": b_ref}
slopes = {}  # -D / ((B - B_ref)/B_noise) of the square-root rule at each probe, over families and b
for family in p.families:
    g, H, sigma = getattr(problems, family)(**p.problems[family]).arrays()
    bn = ol.b_noise(g, H, sigma)
    B_ref = x[0] * bn
    v(f"{family}_b_ref", B_ref, f"{family}: the physical reference batch size B_ref", "sig", 3)
    eps_ref = b_ref * np.median(sigma) / np.sqrt(B_ref)
    for rule in ("sqrt", "fixed"):
        D = np.array([ol.sqrt_rule_log_deviation(g, H, sigma, e, B_ref, x * bn, rule=rule) for e in eps_ref])
        arrays[f"{family}_{rule}"] = D
        key = f"{family}_{rule}"
        name = "eps prop. to B^(-1/2)" if rule == "sqrt" else "fixed eps"
        v(f"{key}_max_dev_window", float(np.max(np.abs(D[:, window]))),
          f"{family}, {name}: max over b and B <= window of |D|, D = log deviation from eta prop. to sqrt(B)")
        v(f"{key}_factor_window", float(np.exp(np.max(np.abs(D[:, window])))),
          f"{family}, {name}: that deviation as a factor", digits=3)
        v(f"{key}_spread_window", float(np.max(np.ptp(D[:, window], axis=0))),
          f"{family}, {name}: max over B <= window of the spread (max - min over b) of D")
        # Informative in place of the window's maximum (which restates the tolerance): the deviation
        # itself at the window's end and a hundred times inside it, exactly (not on the grid), range over b.
        for tag, xp in (("end", 10.0 ** cfg["log10_B_window"]), ("inner", 10.0 ** (cfg["log10_B_window"] - 2))):
            d_probe = np.array([ol.sqrt_rule_log_deviation(g, H, sigma, e, B_ref, xp * bn, rule=rule)
                                for e in eps_ref]).ravel()
            v(f"{key}_dev_{tag}_min", float(d_probe.min()),
              f"{family}, {name}: min over b of D at B/B_noise = {xp:g}")
            v(f"{key}_dev_{tag}_max", float(d_probe.max()),
              f"{family}, {name}: max over b of D at B/B_noise = {xp:g}")
            v(f"{key}_dev_{tag}_abs_max", float(np.abs(d_probe).max()),
              f"{family}, {name}: max over b of |D| at B/B_noise = {xp:g}")
            if rule == "sqrt":
                slope = -d_probe / (xp - x[0])
                v(f"{key}_slope_{tag}", float(np.max(slope)),
                  f"{family}, {name}: max over b of -D / (B/B_noise - B_ref/B_noise) at B/B_noise = {xp:g}",
                  digits=3)
                slopes.setdefault(tag, []).extend(slope.tolist())
        crossings = [first_crossing(d) for d in D]
        broken = [c for c in crossings if c is not None]
        v(f"{key}_n_broken", len(broken), f"{family}, {name}: curves whose |D| reaches the tolerance", "int")
        if broken:
            v(f"{key}_break", min(broken), f"{family}, {name}: smallest B/B_noise where |D| reaches the tolerance",
              "sci", 2)
            v(f"{key}_break_over_ref", min(broken) / x[0], f"{family}, {name}: that B over B_ref", "sig", 2)
        log.info("%s %s: max |D| in window %.3g, crossings %s", family, rule, np.max(np.abs(D[:, window])),
                 crossings)

for tag, vals in slopes.items():
    v(f"sqrt_slope_{tag}_min", min(vals), f"min over families and b of the square-root rule's -D/(B/B_noise) ({tag})",
      digits=3)
    v(f"sqrt_slope_{tag}_max", max(vals), f"max over families and b of the square-root rule's -D/(B/B_noise) ({tag})",
      digits=3)
_common.write_results(snakemake.output.json, namespace="eta_sqrt_rule", snakemake=snakemake,
                      script=__file__, values=values)
_common.write_npz(snakemake.output.npz, **arrays)
