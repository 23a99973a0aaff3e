"""Rule `lm_theory`: the whole runs' tuned eta*(B, eps) against the one-step and multi-step theories.

Measured: eta*(B, eps) of the sweeps (results/lm/sweep_eps<k>.json), re-estimated on bootstrap
resamples of the replicates by adameps.lr_compare.measured_log_eta (the sweeps' own estimator).
Predicted, from each replicate's initial point (init seed k, the point its runs start from): g,
sigma and diag H of the mean training loss over lm.theory.P training windows, by the practitioners'
collector (adameps.lm.run_stats -> adameps.torch_stats: per-window gradients, Hutchinson diag H,
exact Hessian-vector products), then

* one-step: the exact one-step optimum of Adam's first step (the adam map),
  adameps.optimal_lr.one_step_terms with the full Hessian as an operator (m1^T H m1 exact) and the
  floored diag H (adameps.practical.prepare_inputs) for the variance term; its moments by the fast
  path (method="fast": within 1e-10 relative of the exact algorithms, adameps.moments_fast; the
  exact ones took 38% of this job);
* multi-step: adameps.multistep.eta_star_multistep of Adam (lm.beta1, lm.beta2, bias correction)
  after the run's number of steps n_steps(B), on the diagonal model of the same statistics
  (adameps.multistep.diagonal_model_from_stats: h = diag H floored, theta0 = g/h), at a constant
  learning rate (the runs have a warm-up and a cosine decay), on a seeded uniform sample of
  lm.theory.n_coords of the coordinates with sigma > 0; a second, disjoint sample at replicate 0
  measures the sampling error of that shortcut.

Compared: per theory, the share of (B, eps) settings where measured and predicted agree within a
factor two, the median |log(measured/predicted)|, the mean log ratio, and per eps the trend in B
(adameps.lr_compare.compare_theories: the theory's shape error with a fitted constant against the
no-information baselines constant, sqrt(B), linear up to a cap; delta < 0: the theory's shape is
the better one) and the fitted exponent of B. Uncertainties: 95% percentile bootstrap over the
replicates (adameps.lr_compare.bootstrap_metrics), each resample re-estimating the measured optima
and averaging the predictions over its replicates' initial points. Writes results/lm/theory.npz and
results/lm_theory.json.
"""

import _common
import _lm

import math

import numpy as np

from adameps import lm
from adameps.lr_compare import bootstrap_metrics, compare_theories, measured_log_eta
from adameps.multistep import diagonal_model_from_stats, eta_star_multistep
from adameps.optimal_lr import one_step_terms
from adameps.practical import prepare_inputs

L = _lm.load(snakemake)
log, c, cfg, R, train_tok = L.log, L.c, L.cfg, L.R, L.train
tc = c["theory"]
l10s = sorted(L.sweeps)
Bs = np.array(sorted(int(r["B"]) for r in L.sweeps[l10s[0]]["rows"]), dtype=float)
logB = np.log(Bs)
E, nB = len(l10s), Bs.size
steps = [lm.n_steps(c["token_budget"], int(b), cfg.ctx) for b in Bs]
grids = [[np.asarray(r["lrs"], dtype=float) for r in sorted(L.sweeps[e]["rows"], key=lambda r: r["B"])] for e in l10s]
losses = [[np.array([[np.inf if x is None else x for x in row] for row in r["losses"]])
           for r in sorted(L.sweeps[e]["rows"], key=lambda r: r["B"])] for e in l10s]
cpu0 = _lm.cpu_seconds()
model = lm.StackedGPT(cfg, L.inits, device=c["device"])  # the replicates' initial points
rng = np.random.default_rng(np.random.SeedSequence([0x544852, int(tc["P"])]))
pop = np.sort(rng.choice(len(train_tok) - cfg.ctx - 1, size=int(tc["P"]), replace=False))
one_full = np.full((R, E, nB), np.nan)  # log eta* of the one-step theory, full Hessian (operator)
one = np.full((R, E, nB), np.nan)  # log eta* of the one-step theory, diag H
multi = np.full((R, E, nB), np.nan)  # log eta* of the multi-step theory, every live coordinate's chain
convex = np.full((R, E, nB), np.nan)  # the same on the coordinates with diag H above the floor only
multi_b = np.full((E, nB), np.nan)  # replicate 0, the second coordinate sample
n_coords_used, n_floored, quad_ratio = 0, [], []


def hvp_full(hvp, info, st, u_live):
    """H u on the live coordinates (u given there, zero elsewhere)."""
    live = st["sigma"] > 0
    full = np.zeros(live.size)
    full[live] = u_live
    return hvp(full)[live]


def multistep_log_eta(dm, idx):
    out = np.full((E, nB), np.nan)
    for j, l10 in enumerate(l10s):
        for b in range(nB):
            eta, _ = eta_star_multistep(dm.h[idx], dm.sigma[idx], dm.theta0[idx], "adam", [Bs[b]], steps[b],
                                        10.0**l10, beta1=c["beta1"], beta2=c["beta2"], n_grid=int(tc["n_grid"]),
                                        xtol=float(tc["xtol"]))
            out[j, b] = math.log(eta[0]) if np.isfinite(eta[0]) and eta[0] > 0 else np.nan
    return out


def one_step_log_eta(g, H, sigma, l10):
    S, D = one_step_terms(g, H, sigma, 10.0**l10, Bs, kind="adam", method="fast")
    good = (S > 0) & (D > 0)
    return np.where(good, np.log(np.where(good, S, 1.0) / np.where(good, D, 1.0)), np.nan)


for r in range(R):
    st, hvp = lm.run_stats(model, r, train_tok, pop, tc["n_probes"], seed=r)
    g, Hop, sigma, info = prepare_inputs(st["g"], st["sigma"], st["hdiag"], hvp=hvp)
    Hd = prepare_inputs(st["g"], st["sigma"], st["hdiag"])[1]
    n_floored.append(info["n_floored"] / info["n"])
    u = g / (np.abs(g) + 1e-300)  # the large-B limit of the mean update (sign of g): where does H curve?
    quad_ratio.append(float(np.sum(u * hvp_full(hvp, info, st, u))) / float(np.sum(u * u * Hd.diag)))
    for j, l10 in enumerate(l10s):
        one[r, j] = one_step_log_eta(g, Hd, sigma, l10)
        try:
            one_full[r, j] = one_step_log_eta(g, Hop, sigma, l10)
        except ValueError as exc:  # a quadratic form m1^T H m1 <= 0: no one-step optimum
            log.info("replicate %d eps=1e%d: one-step theory with the full Hessian undefined (%s)", r, l10, exc)
    dm = diagonal_model_from_stats(st["g"], st["sigma"], st["hdiag"])
    live = np.flatnonzero(st["sigma"] > 0)
    perm = np.random.default_rng(np.random.SeedSequence([0x4D5354, r])).permutation(live)
    k = min(int(tc["n_coords"]), live.size // 2)
    n_coords_used = k
    multi[r] = multistep_log_eta(dm, perm[:k])
    curved = perm[~dm.h_floored[perm]]
    convex[r] = multistep_log_eta(dm, curved[:k])
    if r == 0:
        multi_b = multistep_log_eta(dm, perm[k : 2 * k])
    log.info("replicate %d: log eta one-step (diag H) %s; multi-step %s; convex part %s (%.1f cpu-s so far)", r,
             np.array2string(one[r], precision=2), np.array2string(multi[r], precision=2),
             np.array2string(convex[r], precision=2), _lm.cpu_seconds() - cpu0)
log.info("theory: %.1f cpu-s", _lm.cpu_seconds() - cpu0)

theories = {"onestep": one, "multistep": multi, "convex": convex}
names = []


def statistic(idx):
    """Every metric on the replicates idx (a bootstrap resample): measured optima and predictions alike."""
    meas = np.array([measured_log_eta(grids[j], losses[j], idx) for j in range(E)])  # (E, nB)
    out = []
    for t, pred_all in theories.items():
        pred = np.nanmean(pred_all[idx], axis=0)  # (E, nB): the theory at these initial points
        d = meas - pred
        ok = np.isfinite(d)
        out += [np.mean(np.abs(d[ok]) < math.log(2.0)) if ok.any() else np.nan,
                np.median(np.abs(d[ok])) if ok.any() else np.nan, np.mean(d[ok]) if ok.any() else np.nan]
        for j in range(E):
            if np.all(np.isfinite(pred[j])):
                cmp = compare_theories(logB, meas[j], {t: pred[j]})
                out += [cmp[f"{t}_delta"], np.polyfit(logB, pred[j], 1)[0]]
            else:
                out += [np.nan, np.nan]
        out += [pred[-1, 0] - pred[0, 0], pred[-1, -1] - pred[0, -1]]  # log eta*(largest eps / 1e-8) at B min, max
    for j in range(E):
        out.append(np.polyfit(logB, meas[j], 1)[0])
    return np.array(out, dtype=float)


for t in theories:
    names += [f"{t}_within2", f"{t}_median_abs_log", f"{t}_mean_log"]
    for l10 in l10s:
        names += [f"{t}_e{abs(l10)}_delta", f"{t}_e{abs(l10)}_alpha"]
    names += [f"{t}_eps_log_ratio_bmin", f"{t}_eps_log_ratio_bmax"]
names += [f"meas_e{abs(l10)}_alpha" for l10 in l10s]
est, lo, hi = bootstrap_metrics(statistic, R, n_resamples=int(tc["n_boot"]), seed=0)
res = dict(zip(names, zip(est, lo, hi)))
v = _common.Values()
label = {"onestep": "one-step theory (adam map, diag H)", "multistep": "multi-step theory (Adam, diagonal model)",
         "convex": "multi-step theory on the positively curved coordinates only"}


def add3(key, desc, **kw):
    e, a, b = res[key]
    if not np.isfinite(e):
        log.info("%s undefined (no finite prediction): not written", key)
        return
    a, b = (a if np.isfinite(a) else e), (b if np.isfinite(b) else e)
    v.add_interval(f"{key}", e, a, b, desc, **kw)


for t in theories:
    add3(f"{t}_within2", f"{label[t]}: share of (B, eps) where the tuned eta* is within a factor two of it", fmt="pct", digits=2)
    add3(f"{t}_median_abs_log", f"{label[t]}: median |log(tuned eta* / predicted)| over (B, eps)", digits=2)
    add3(f"{t}_mean_log", f"{label[t]}: mean log(tuned eta* / predicted) over (B, eps) (> 0: the theory's rate is too small)", digits=2)
    for l10 in l10s:
        add3(f"{t}_e{abs(l10)}_delta", f"{label[t]}, eps=1e{l10}: its shape error in log eta*(B) minus the best "
             "no-information baseline's (< 0: it beats them)", digits=2)
        add3(f"{t}_e{abs(l10)}_alpha", f"{label[t]}, eps=1e{l10}: fitted exponent of its eta* ~ B^alpha", digits=2)
    for key, where in (("bmin", "smallest"), ("bmax", "largest")):
        e, a, b = res[f"{t}_eps_log_ratio_{key}"]
        if not np.isfinite(e):
            continue
        v.add_interval(f"{t}_eps_ratio_{key}", math.exp(e), math.exp(a), math.exp(b),
                       f"{label[t]}: eta*(eps=1e{l10s[-1]}) / eta*(eps=1e{l10s[0]}) at the {where} B", digits=2)
for l10 in l10s:
    add3(f"meas_e{abs(l10)}_alpha", f"tuned eta*, eps=1e{l10}: fitted exponent of eta* ~ B^alpha (least squares)", digits=2)
meas_all = np.array([measured_log_eta(grids[j], losses[j]) for j in range(E)])
v.add("n_settings", E * nB, "(B, eps) settings compared", fmt="int")
v.add("n_coords", n_coords_used, "coordinates of the multi-step chains (a uniform sample of those with sigma > 0)", fmt="int")
v.add("n_params", cfg.n_params(), "parameters of the model", fmt="int")
ok_b = np.isfinite(multi_b) & np.isfinite(multi[0])
v.add("multistep_sample_error", float(np.max(np.abs(multi_b - multi[0])[ok_b])) if ok_b.any() else np.nan,
      "largest |log eta*| difference of the multi-step theory between two disjoint coordinate samples (replicate 0)", digits=2)
v.add("multistep_undefined", int(np.sum(~np.isfinite(multi))), "multi-step optima not bracketed (nan) over replicates x settings", fmt="int")
v.add("onestep_full_undefined", float(np.mean(~np.isfinite(one_full))), "share of (replicate, B, eps) where the one-step "
      "theory with the full Hessian has no optimum (m1^T H m1 <= 0 at the initial point)", fmt="pct", digits=2)
v.add("quad_ratio", float(np.median(quad_ratio)), "at the initial points, u^T H u / u^T diag(H) u for u = sign(g) "
      "(full against diagonal curvature along the large-B mean update), median over replicates", digits=2)
v.add("hdiag_floored", float(np.mean(n_floored)), "share of diag H entries floored at the initial points (non-positive Hutchinson estimates)", fmt="pct", digits=2)
v.add("p", int(tc["P"]), "training windows of the objective at the initial points", fmt="int")
v.add("replicates", R, "replicates (initial points) of the bootstrap", fmt="int")
_common.write_npz(snakemake.output.npz, B=Bs, log10_eps=np.array(l10s), measured=meas_all,
                  onestep=np.nan_to_num(one, nan=-1e300), multistep=np.nan_to_num(multi, nan=-1e300),
                  convex=np.nan_to_num(convex, nan=-1e300), onestep_full=np.nan_to_num(one_full, nan=-1e300),
                  multistep_second_sample=np.nan_to_num(multi_b, nan=-1e300), steps=np.array(steps))
_common.write_results(snakemake.output.json, namespace="lmtheory", snakemake=snakemake, script=__file__, values=v,
                      params={"theory": tc})
