"""Rule `eta_sweep`: exact and mean-field eta_star(B) over an eps x B grid for one problem family,
the exact surge peak per eps, and the eps -> inf / eps -> 0 limits; the error of the 2024 mean
field for each choice of kappa2 (table_eta_kappa2); the surge at the table's eps values
(table_eta_peaks) and the eps where it vanishes; SignSGD's peak against McCandlish's B_noise.

Writes results/eta_<family>.json (named values -> macros) and results/eta_<family>.npz (curves).
"""

import inspect

import _common

import numpy as np

from adameps import optimal_lr as ol
from adameps import problems, surge
from adameps.measure import grid_argmax

log = _common.setup(snakemake)
family = snakemake.wildcards.family
p = snakemake.params
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
# The instance, as the paper defines it: the builder's arguments.
v("n", problem.n, "number of coordinates N of the instance", "int")
# Every argument of the builder as used: the config's, and the builder's defaults for the rest.
builder_args = {k: prm.default for k, prm in inspect.signature(getattr(problems, family)).parameters.items()
                if prm.default is not inspect.Parameter.empty}
builder_args.update(p.problem)
for key, val in sorted(builder_args.items()):
    if key == "n" or val is None:
        continue
    if isinstance(val, int) and not isinstance(val, bool):
        v(f"problem_{key}", val, f"builder argument {key} of problems.{family}", "int")
    elif key == "noise_scale":
        v(f"problem_{key}", val, f"builder argument {key} of problems.{family}", "sci", 1)
    else:
        v(f"problem_{key}", val, f"builder argument {key} of problems.{family}", "sig", 3)
if family == "low_rank_dominated":
    v("spike", float(np.linalg.eigvalsh(H)[-1] - builder_args["floor"]), "the spike of H (its default n * floor)", "sig", 3)
v("b_min", B[0], "smallest batch size of the sweep", "sci", 1)
v("b_max", B[-1], "largest batch size of the sweep", "sci", 1)
v("eps_min", eps[0], "smallest eps of the sweep", "sci", 1)
v("eps_max", eps[-1], "largest eps of the sweep", "sci", 1)
for variant, eta_mf in mf.items():
    err = np.abs(np.log(eta_mf / exact))  # (n_eps, n_B)
    # eps axis: both ends are the sweep's choice; B axis: B = 1 is the smallest physical batch, a real boundary.
    (i, j), edge = grid_argmax(err, closed=(True, "upper"))
    values.add_grid_max(f"mf_{variant}_max_log_error", err[i, j], edge,
                        f"max over eps, B of |log(mean-field {variant} / exact eta_star)|")
    values.add_grid_max(f"mf_{variant}_max_ratio", float(np.exp(err[i, j])), edge,
                        f"that error as a factor: mean field {variant} off by up to x")
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
_, edge = grid_argmax(strength)
values.add_grid_max("max_surge_strength", float(strength.max()), edge,
                    "largest rise of the exact peak above the large-B plateau over the eps grid, relative")
# Sensitivity of the surge count to the threshold: the same grid counted at a tenth and ten times it.
for k, factor in enumerate((0.1, 1.0, 10.0)):
    thr = factor * p.surge_min_strength
    v(f"surge_thr{k}", thr, f"threshold {k} of the sensitivity check (x{factor:g} surge_min_strength)", "sci", 1)
    v(f"n_eps_surge_thr{k}", int(np.sum(np.isfinite(peaks) & (strength > thr))),
      f"grid eps with an exact peak rising more than threshold {k} above the plateau", "int")
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
# The post's limit departs from the exact one in two ways; each on its own (optimal_lr.eta_star_limit_large_eps_parts).
parts = ol.eta_star_limit_large_eps_parts(g, H, sigma, B)
v("large_eps_gap_pi_half", float(np.max(np.abs(parts["pi_half"] / parts["exact"] - 1))),
  "max over B of the error of the eps->inf limit from b^2/erf^2 -> b^2 + pi/2 alone (true noise sum sigma_i^2 H_ii)")
v("large_eps_gap_average", float(np.max(np.abs(parts["average"] / parts["exact"] - 1))),
  "max over B of the error of the eps->inf limit from sum sigma_i^2 H_ii -> mean(sigma^2) tr H alone (no pi/2)")
v("pi_half_bound", 1 - 2 / np.pi, "1 - 2/pi, the bound on the error of the pi/2 simplification alone")
v("b_min_over_b_noise", B[0] / ol.b_noise(g, H, sigma), "smallest B of the sweep over B_noise", "sci", 1)
# Which single noise level makes the post's formula right: each kappa2 average's eps -> inf limit.
for name, s2 in ol.large_eps_noise_averages(g, H, sigma).items():
    d = ol.eta_star_limit_large_eps_parts(g, H, sigma, B, sigma2=s2)
    v(f"large_eps_gap_post_{name.lower()}", float(np.max(np.abs(d["post"] / d["exact"] - 1))),
      f"max over B of |post's eps->inf limit with sigma^2 = the eps->inf limit of eps^2 kappa2 ({name}) / exact - 1|")
v("large_eps", eps[-1], "largest eps of the sweep", "sci", 1)
v("small_eps_gap_sign", float(np.max(np.abs(exact[0] / sign - 1))),
  "max over B of |eta_star(smallest eps)/eta_star(sign) - 1|", "sci", 2)
v("small_eps", eps[0], "smallest eps of the sweep", "sci", 1)

# Question 1: which average kappa2 makes the 2024 mean field closest to the exact eta_star?
# Each named choice is recomputed per eps (kappa_i^2 depends on eps); "best_fit" is the
# least-squares kappa2 in log eta over the B grid, per eps.
kappa2_err = {}
for e_idx, e in enumerate(eps):
    choices = ol.kappa2_choices(g, sigma, e)
    choices["best_fit"] = ol.kappa2_best_fit(g, H, sigma, e, B)
    for name, k2 in choices.items():
        eta_k = ol.eta_star_mean_field(g, H, sigma, e, B, kappa2=k2)
        kappa2_err.setdefault(name, np.empty_like(exact))[e_idx] = np.abs(np.log(eta_k / exact[e_idx]))
for name, err in kappa2_err.items():
    _, edge = grid_argmax(err, closed=(True, "upper"))
    values.add_grid_max(f"kappa2_{name.lower()}_max", float(err.max()), edge,
                        f"max over eps, B of |log(mean field 2024 with kappa2 = {name} / exact eta_star)|")
    values.add_grid_max(f"kappa2_{name.lower()}_max_ratio", float(np.exp(err.max())), edge,
                        f"that error as a factor (kappa2 = {name})")
    v(f"kappa2_{name.lower()}_median", float(np.median(err)),
      f"median over eps, B of |log(mean field 2024 with kappa2 = {name} / exact eta_star)|")
ranked = sorted((k for k in kappa2_err if k != "best_fit"), key=lambda k: float(np.median(kappa2_err[k])))
log.info("kappa2 choices by median error: %s", ranked)

# Question 2/3: the surge at a few eps values, for the table.
for k, e in enumerate(p.table_eps):
    _, P, T = ol.mean_field_terms(g, H, sigma, e)
    P_over_T = P / T
    peak, mf_peak = ol.surge_peak(g, H, sigma, e), ol.mean_field_peak(g, H, sigma, e)
    s_k = ol.surge_strength(g, H, sigma, e)
    v(f"t{k}_eps", e, f"eps of table row {k}", "sci", 1)
    v(f"t{k}_p_over_t", P_over_T, f"u^T H u / tr H at eps of table row {k}")
    v(f"t{k}_post_condition", int(ol.post_surge_condition(g, H, sigma, e)), "post's condition u^T H u > tr H (1 = true)", "int")
    v(f"t{k}_exact_condition", int(ol.surge_condition_exact_mean_field(g, H, sigma, e)),
      "exact mean-field surge condition u^T H u > 2 tr H (1 = true)", "int")
    v(f"t{k}_surge", int(peak is not None and s_k > p.surge_min_strength),
      "exact eta_star(B) has a peak rising more than surge_min_strength above the plateau (1 = true)", "int")
    v(f"t{k}_strength", s_k, f"relative rise of the exact peak above the large-B plateau at eps of row {k}")
    if peak is not None:
        v(f"t{k}_b_peak", peak, f"exact surge peak B (surge_peak) at eps of row {k}", "sci", 3)
    if mf_peak is not None:
        v(f"t{k}_b_peak_mf", mf_peak, f"closed-form mean-field peak B (mean_field_peak) at eps of row {k}", "sci", 3)
v("n_table_eps", len(p.table_eps), "number of eps values in the surge table", "int")
# Where the surge vanishes: solve surge_strength(eps) = surge_min_strength between the last surging
# and the next grid eps.
if surging.any() and not surging.all():
    last = int(np.flatnonzero(surging)[-1])
    if last + 1 < len(eps) and not surging[last + 1]:
        eps_vanish = ol.surge_vanishing_eps(g, H, sigma, eps[last], eps[last + 1], p.surge_min_strength)
        v("eps_surge_vanish", eps_vanish, "eps at which the exact surge strength falls to surge_min_strength", "sci", 3)
        log.info("surge vanishes at eps = %.6g", eps_vanish)

# Is the post's condition u^T H u > tr H necessary for the exact surge?  Count the sweep's eps where
# the exact eta_star surges (above the threshold) although the condition fails.
post = np.array([ol.post_surge_condition(g, H, sigma, e) for e in eps])
against = surging & ~post
v("n_eps_surge_without_post", int(against.sum()),
  "eps values of the sweep with an exact surge although u^T H u <= tr H", "int")
v("without_post_strength", float(strength[against].max()) if against.any() else 0.0,
  "largest exact surge strength at an eps of the sweep where u^T H u <= tr H (0: none)")
if against.any():
    k = int(np.flatnonzero(against)[np.argmax(strength[against])])
    _, P, T = ol.mean_field_terms(g, H, sigma, eps[k])
    v("without_post_eps", eps[k], "its eps", "sci", 2)
    v("without_post_p_over_t", P / T, "u^T H u / tr H at that eps")

# Where in eps the exact surge exceeds the threshold, by root finding on eps (adameps.surge.surge_windows),
# and its strongest point refined by bounded Brent: not read off the eps grid.
WINDOW_POINTS_PER_DECADE = p.window_points_per_decade
v("window_points_per_decade", WINDOW_POINTS_PER_DECADE, "scan density in eps that brackets the window ends", "int")
for k, factor in enumerate((0.1, 1.0, 10.0)):
    thr = factor * p.surge_min_strength
    w = surge.surge_windows(g, H, sigma, eps[0], eps[-1], thr, points_per_decade=WINDOW_POINTS_PER_DECADE)
    wins = w["windows"]
    v(f"thr{k}_n_windows", len(wins), f"number of eps intervals where the exact surge exceeds threshold {k}", "int")
    decades = sum(np.log10(e / s_) for s_, e, _, _ in wins)
    v(f"thr{k}_window_decades", float(decades), f"total width in decades of eps of those intervals (threshold {k})",
      "sig", 2)
    for j, (start, end, at_lo, at_hi) in enumerate(wins[:3]):
        v(f"thr{k}_w{j}_start", start, f"start of eps interval {j} (threshold {k}); the sweep's smallest eps "
          "if it surges there", "sci", 3)
        v(f"thr{k}_w{j}_end", end, f"end of eps interval {j} (threshold {k}); root of strength = threshold "
          "unless it is the sweep's largest eps", "sci", 3)
        v(f"thr{k}_w{j}_starts_at_min", int(at_lo), "1 if that interval starts at the sweep's smallest eps", "int")
        v(f"thr{k}_w{j}_ends_at_max", int(at_hi), "1 if that interval ends at the sweep's largest eps", "int")
        log.info("threshold %.3g: surge for eps in (%.6g, %.6g) %s", thr, start, end, (at_lo, at_hi))
    if factor == 1.0:
        v("strongest_surge", w["strength_max"], "strongest exact surge over eps (refined by bounded Brent on eps), "
          "relative rise above the plateau")
        if w["eps_max"] is not None:
            v("strongest_surge_eps", w["eps_max"], "eps of the strongest surge (refined)", "sci", 3)
            pk = ol.surge_peak(g, H, sigma, w["eps_max"])
            if pk is not None:
                v("strongest_surge_b_peak", pk, "batch size of the peak at that eps", "sci", 3)
        v("strongest_surge_at_min", int(w["eps_max"] is not None and np.isclose(w["eps_max"], eps[0])),
          "1 if the strongest surge sits at the sweep's smallest eps (the refinement's edge)", "int")
# Mean-field surge propositions: does eps only remove it (D H D >= 0) and beyond which eps is it gone for any H.
v("sign_aligned", int(surge.sign_aligned_nonnegative(g, H)), "1 if D H D >= 0 entrywise, D = diag(sign g)", "int")
v("mf_eps_bound", surge.mean_field_surge_eps_bound(g, H), "|g| sqrt(lambda_max/(2 tr H)): no mean-field surge "
  "beyond this eps", "sci", 2)
mfw = surge.mean_field_surge_windows(g, H, eps[0], eps[-1])
v("mf_n_windows", len(mfw), "number of eps intervals with u^T H u > 2 tr H", "int")
if mfw:
    v("mf_window_end", mfw[-1][1], "largest eps with u^T H u > 2 tr H (root of P = 2T)", "sci", 3)

# Li et al. (2024): SignSGD's peak against McCandlish et al.'s B_noise = tr(H Sigma)/g^T H g.
bn = ol.b_noise(g, H, sigma)
v("b_noise", bn, "McCandlish et al.'s noise scale tr(H Sigma)/(g^T H g)", "sci", 3)
sign_peak = ol.surge_peak(g, H, sigma, 0.0, kind="sign")
v("sign_surge", int(sign_peak is not None), "SignSGD's exact eta_star(B) has a peak (1 = true)", "int")
if sign_peak is not None:
    v("b_peak_sign", sign_peak, "B at which SignSGD's exact eta_star(B) peaks", "sci", 3)
    v("b_peak_sign_over_b_noise", sign_peak / bn, "SignSGD's exact peak B over B_noise")
    sb = ol.sign_peak_small_batch(g, H, sigma)
    v("b_peak_sign_small_batch", sb, "small-batch closed form (pi/2) tr H / (v^T H v), v = g/sigma", "sci", 3)
    v("b_peak_sign_over_small_batch", sign_peak / sb, "SignSGD's exact peak B over the small-batch closed form")

_common.write_results(snakemake.output.json, namespace=f"eta_{family}", snakemake=snakemake,
                      script=__file__, values=values)
_common.write_npz(snakemake.output.npz, eps=eps, B=B, exact=exact, mf_2024=mf["2024"],
                  mf_2025=mf["2025"], sign=sign, sgd=sgd, sgd_post=sgd_post, peaks=peaks, mf_peaks=mf_peaks,
                  surge_strength=strength, surging=surging, b_noise=np.float64(ol.b_noise(g, H, sigma)))
