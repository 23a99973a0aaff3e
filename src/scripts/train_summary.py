"""Rule `train_summary`: hold the one-step theory against the measured eta*(B, eps) of real training.

Per arm (problem x optimiser) and eps, for the exact one-step theory of the optimiser's own first step
(the adam map for Adam), for softsign beside it (Adam) and for the post's 2024 mean field: the
prediction's constant offset in log eta, its shape error (residual sd after fitting the offset), the
shape errors of three baselines that use no problem information (constant, sqrt(B), B up to a fitted
cap; `adameps.lr_compare`), the difference theory - best baseline, each with a percentile bootstrap
interval over seeds (each seed is one initial point and one data order: the measured optima and the
pooled theory are both recomputed per resample); Spearman's rho, the surge peak of each curve and the
fraction of bracketed minima. Per step-budget arm (1, 10, 100 ... steps): offset, shape and max |log
ratio| against the exact theory of Adam's first step and of softsign. On the quadratic model with SGD:
the measured optimum against the exact optimum of the expected loss after T steps (`adameps.sgd_exact`),
the calibration of how far a measured optimum sits from the true one.
Writes results/train.json (named values -> macros) and results/train.npz (curves for the figures).
"""


import _common


import numpy as np

from adameps import lr_compare as lc
from adameps import sgd_exact
from adameps import theory_inputs as ti
from adameps.lr_fit import fit_optimal_lr
from adameps.problems import nqm_spectrum, nqm_theta0

log = _common.setup(snakemake)
P = snakemake.params
docs = [_common.read_json(path, keys=("problem", "eps", "rows", "params")) for path in snakemake.input.sweeps]
for d in docs:  # each sweep has one row per batch size of its arm's config
    if len(d["rows"]) != len(d["params"]["problem"]["B"]):
        raise _common.CorruptInput(d.path, f"has {len(d['rows'])} rows, its arm {len(d['params']['problem']['B'])} batch sizes")
values, arrays = _common.Values(digits=2), {}
v = values.add
THEORY_NAME = {"exact": "exact one-step theory of the optimiser's first step", "mf": "2024 mean field",
               "adam": "exact theory of Adam's first step", "softsign": "exact softsign theory",
               "tstep": "exact optimum of the expected loss after T SGD steps"}
BASELINE_NAME = {"constant": "constant eta (1 parameter)", "sqrt": "eta propto sqrt(B) (1 parameter)",
                 "linear_cap": "eta propto min(B, B_cap) (2 parameters)"}
CMP = P.compare


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
    for t in ("exact", "mean_field", "softsign"):
        if f"theory_{t}" in sweeps[0]["rows"][0]:
            a[f"theory_{t}"] = np.array([[r[f"theory_{t}"] for r in d["rows"]] for d in sweeps])
    return a, sweeps


def sweep_data(d):
    """One sweep's learning-rate grids and final losses per B (None -> +inf) and per-seed theory terms."""
    lrs = [np.array(r["lrs"]) for r in d["rows"]]
    losses = [np.array([[np.inf if x is None else x for x in row] for row in r["losses"]]) for r in d["rows"]]
    terms = {k: (np.array(t["N"]), np.array(t["D"])) for k, t in d["terms"].items()}
    return lrs, losses, terms


def tstep_truth(d, idx):
    """Exact optimum of E[L_T] of SGD on the NQM, averaged over the initial points of seeds idx, per B."""
    n = int(d["params"]["problem"]["n"])
    h = nqm_spectrum(n)
    s0 = np.mean([nqm_theta0(n, d["init_seeds"][k]) ** 2 for k in idx], axis=0)
    return np.array([sgd_exact.sgd_optimal_lr(h, np.sqrt(h), s0, B, d["steps"])[0] for B in
                     (r["B"] for r in d["rows"])])


def bootstrap_compare(d, theories, seed, with_truth=False):
    """Theory and baseline metrics of one sweep with their bootstrap intervals over seeds.

    theories: {name used in keys: name of the theory's terms in the sweep}. Returns {metric: (est, lo, hi)}."""
    lrs, losses, terms = sweep_data(d)
    log_B = np.log([r["B"] for r in d["rows"]])
    keys = []

    def stat(idx):
        log_meas = lc.measured_log_eta(lrs, losses, idx)
        preds = {t: np.log(ti.pool_terms(*terms[src], idx)) for t, src in theories.items()}
        if with_truth:
            preds["tstep"] = np.log(tstep_truth(d, idx))
        out = lc.compare_theories(log_B, log_meas, preds)
        keys[:] = list(out)
        return np.array(list(out.values()))

    est, lo, hi = lc.bootstrap_metrics(stat, len(d["seeds"]), CMP["n_resamples"], seed=seed,
                                       confidence_level=CMP["confidence"])
    return {k: (float(e), float(a), float(b)) for k, e, a, b in zip(keys, est, lo, hi)}


def metrics(a, i, theory):
    se = np.nan_to_num(a["log_se"][i], nan=0.0)
    return ti.compare_curves(a["B"], a["eta"][i], a[f"theory_{theory}"][i], se)


def b_fmt(B):
    return "int" if float(B).is_integer() else "sig"


def calibrate_sgd(K, arm, d):
    """How far the measured optimum of the SGD arm on the NQM sits from the exact optimum of E[L_T].

    Truths: `pop`, E over the initial point's distribution N(0, I) and the noise; `cond`, the average
    over the seeds' own initial points (what the seed-mean objective estimates). The grid-and-parabola
    bias is the estimator applied to the exact expected loss on the sweep's own grid."""
    n, T = int(d["params"]["problem"]["n"]), int(d["steps"])
    h = nqm_spectrum(n)
    sigma = np.sqrt(h)  # noise_scale 1, as train_sweep
    s0_cond = np.mean([nqm_theta0(n, s) ** 2 for s in d["init_seeds"]], axis=0)
    B = np.array([r["B"] for r in d["rows"]])
    meas = np.log([r["eta"] for r in d["rows"]])
    se = np.array([np.nan if r["log_eta_se"] is None else r["log_eta_se"] for r in d["rows"]])
    pop = np.log([sgd_exact.sgd_optimal_lr(h, sigma, 1.0, b, T)[0] for b in B])
    cond = np.log([sgd_exact.sgd_optimal_lr(h, sigma, s0_cond, b, T)[0] for b in B])
    bias, est_exact = [], []
    for r, b, c in zip(d["rows"], B, cond):
        lrs = np.array(r["lrs"])
        with np.errstate(over="ignore"):  # learning rates past 2/h diverge: E[L_T] = inf, as the trainer's
            exact_curve = sgd_exact.sgd_expected_loss(h, sigma, s0_cond, lrs, b, T)
        est_exact.append(fit_optimal_lr(lrs, exact_curve[:, None], n_boot=0).log_eta)
        bias.append(est_exact[-1] - c)
    bias, est_exact = np.array(bias), np.array(est_exact)
    e_pop, e_cond = meas - pop, meas - cond
    what = f"{arm}: measured eta* against the exact optimum of E[L_T] after {T} SGD steps"
    v(f"{K}_cal_max_abs_pop", float(np.max(np.abs(e_pop))), f"{what} (expectation over the initial point too): max_B |log ratio|")
    v(f"{K}_cal_max_abs_cond", float(np.max(np.abs(e_cond))), f"{what} (the seeds' own initial points): max_B |log ratio|")
    v(f"{K}_cal_mean_abs_pop", float(np.mean(np.abs(e_pop))), f"{what} (expectation over the initial point too): mean_B |log ratio|")
    v(f"{K}_cal_max_abs_bias", float(np.max(np.abs(bias))), f"{arm}: max_B |log| bias of grid + parabola on the exact E[L_T] curve")
    noise = meas - est_exact  # what is left once the estimator's own bias is removed: the seeds' noise
    v(f"{K}_cal_max_abs_noise", float(np.max(np.abs(noise))),
      f"{arm}: max_B |log| distance of the measured eta* from the estimator applied to the exact E[L_T]")
    jn = int(np.argmax(np.abs(noise)))
    v(f"{K}_cal_noise_se_at_max", float(np.nan_to_num(se[jn], nan=0.0)),
      f"{arm}: bootstrap s.e. of log eta* at the batch size of that largest distance")
    v(f"{K}_cal_noise_b_at_max", int(B[jn]) if float(B[jn]).is_integer() else float(B[jn]),
      f"{arm}: batch size of that largest distance", "int" if float(B[jn]).is_integer() else "sig")
    jb = int(np.argmax(np.abs(bias)))
    v(f"{K}_cal_bias_b_at_max", int(B[jb]) if float(B[jb]).is_integer() else float(B[jb]),
      f"{arm}: batch size of the largest estimator bias", "int" if float(B[jb]).is_integer() else "sig")
    v(f"{K}_cal_true_at_bias_max", float(np.exp(cond[jb])),
      f"{arm}: the exact optimum of E[L_T] at that batch size (stability edge 2/max h = 2)")
    v(f"{K}_cal_median_se", float(np.nanmedian(se)), f"{arm}: median bootstrap s.e. of log eta* over B")
    v(f"{K}_cal_within_two_se", float(np.mean(np.abs(e_pop) <= 2.0 * np.nan_to_num(se, nan=0.0))),
      f"{what} (expectation over the initial point too): fraction of B within two bootstrap s.e.", "pct", 2)
    v(f"{K}_cal_max_abs_init", float(np.max(np.abs(cond - pop))),
      f"{arm}: max_B |log| distance between the optimum at the seeds' initial points and over all initial points")
    one = np.log([r["theory_exact"] for r in d["rows"]])
    f = lc.model_fits(np.log(B), cond, {"one_step": one})["one_step"]
    v(f"{K}_cal_onestep_offset", f["offset"], f"{arm}: exact T-step optimum vs the one-step SGD optimum: log offset")
    v(f"{K}_cal_onestep_shape", f["shape"], f"{arm}: exact T-step optimum vs the one-step SGD optimum: shape error")
    arrays.update({f"{arm}_cal_B": B, f"{arm}_cal_pop": np.exp(pop), f"{arm}_cal_cond": np.exp(cond),
                   f"{arm}_cal_bias": bias})
    log.info("%s calibration: |meas - true| max %.3f (pop) %.3f (cond), bias max %.3f, median se %.3f",
             arm, np.max(np.abs(e_pop)), np.max(np.abs(e_cond)), np.max(np.abs(bias)), np.nanmedian(se))


def verdict(lo, hi):
    """+1: the theory's shape error is below every baseline's (interval of the difference below 0);
    -1: above the best baseline's (interval above 0); 0: the interval straddles 0."""
    return 1 if hi < 0 else (-1 if lo > 0 else 0)


log_ratios = {"exact": [], "mf": []}
verdicts = {"exact": [], "softsign": [], "mf": []}
boot_seed = 0
for arm in P.arms:
    a, sweeps = load(arm)
    arrays |= {f"{arm}_{k}": x for k, x in a.items()}
    K = key(arm)
    has_eps = bool(np.all(np.isfinite(a["eps"])))
    optimizer = sweeps[0]["optimizer"]
    nqm_sgd = optimizer == "sgd" and sweeps[0]["model"] == "nqm"
    v(f"{K}_n_eps", len(a["eps"]) if has_eps else 0, f"{arm}: number of eps values", "int")
    v(f"{K}_n_b", len(a["B"]), f"{arm}: number of batch sizes", "int")
    v(f"{K}_b_min", a["B"][0], f"{arm}: smallest batch size", b_fmt(a["B"][0]))
    v(f"{K}_b_max", a["B"][-1], f"{arm}: largest batch size", b_fmt(a["B"][-1]))
    v(f"{K}_steps", int(sweeps[0]["steps"]), f"{arm}: training steps per run", "int")
    v(f"{K}_n_init", len(set(sweeps[0]["init_seeds"])), f"{arm}: distinct initial points among the seeds", "int")
    if "hidden" in sweeps[0]["params"]["problem"]:
        v(f"{K}_hidden", int(sweeps[0]["params"]["problem"]["hidden"]), f"{arm}: hidden units", "int")
    if "n" in sweeps[0]["params"]["problem"]:
        v(f"{K}_dim", int(sweeps[0]["params"]["problem"]["n"]), f"{arm}: NQM dimension", "int")
    v(f"{K}_bracketed_fraction", float(a["ok"].mean()),
      f"{arm}: fraction of (B, eps) whose minimum is bracketed and refined", "pct", 3)
    if has_eps:
        v(f"{K}_eps_min", a["eps"][0], f"{arm}: smallest eps", "sci", 1)
        v(f"{K}_eps_max", a["eps"][-1], f"{arm}: largest eps", "sci", 1)
    theories = {"exact": "exact"} | ({"softsign": "softsign"} if optimizer == "adam" else {}) | (
        {"mf": "mean_field"} if "theory_mean_field" in a else {})
    table = {}
    boot = {name: np.zeros((len(a["eps"]), 3)) for name in
            [f"{t}_{m}" for t in list(theories) + (["tstep"] if nqm_sgd else []) for m in ("shape", "delta")]
            + [f"{b}_shape" for b in lc.BASELINES]}
    for i in range(len(a["eps"])):
        row = f"{K}_e{i}"
        if has_eps:
            v(f"{row}_eps", a["eps"][i], f"{arm}: eps of row {i}", "sci", 1)
        v(f"{row}_bracketed", float(a["ok"][i].mean()), f"{arm}, eps row {i}: fraction of B bracketed", "pct", 3)
        # theories against the no-information baselines, bootstrap over seeds (= initial points x data orders)
        bc = bootstrap_compare(sweeps[i], theories, boot_seed, with_truth=nqm_sgd)
        boot_seed += 1
        for name, (est, lo, hi) in bc.items():
            if name in boot:
                boot[name][i] = (est, lo, hi)
        for b in lc.BASELINES:
            est, lo, hi = bc[f"{b}_shape"]
            what = f"{arm}, eps row {i}, baseline {BASELINE_NAME[b]}"
            v(f"{row}_{b}_shape", est, f"{what}: shape error (residual sd of log eta)")
            v(f"{row}_{b}_shape_lo", lo, f"{what}: shape error, bootstrap interval low end")
            v(f"{row}_{b}_shape_hi", hi, f"{what}: shape error, bootstrap interval high end")
        for t in list(theories) + (["tstep"] if nqm_sgd else []):
            what = f"{arm}, eps row {i}, measured vs {THEORY_NAME[t]}"
            for m, desc in (("shape", "shape error (residual sd of log eta after fitting the offset)"),
                            ("delta", "shape error minus the best baseline's")):
                est, lo, hi = bc[f"{t}_{m}"]
                v(f"{row}_{t}_{m}", est, f"{what}: {desc}")
                v(f"{row}_{t}_{m}_lo", lo, f"{what}: {desc}, bootstrap interval low end")
                v(f"{row}_{t}_{m}_hi", hi, f"{what}: {desc}, bootstrap interval high end")
            if t in verdicts:
                verdicts[t].append(verdict(*bc[f"{t}_delta"][1:]))
        for t, curve in (("exact", "exact"), ("softsign", "softsign"), ("mf", "mean_field")):
            if f"theory_{curve}" not in a:
                continue
            c = metrics(a, i, curve)
            what = f"{arm}, eps row {i}, measured vs {THEORY_NAME[t]}"
            v(f"{row}_{t}_offset", c["offset"], f"{what}: mean log ratio meas/pred")
            v(f"{row}_{t}_rms", c["rms"], f"{what}: rms of the log ratio after removing the offset")
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
                        for m in ("shape", "delta"):
                            for suffix, val in zip(("", "_lo", "_hi"), bc[f"exact_{m}"]):
                                v(f"{K}_{end}_{m}{suffix}", val, f"{what}: {m}{suffix} ({'smallest' if end == 'lo' else 'largest'} eps)")
                        for name in [f"{b}_shape" for b in lc.BASELINES] + (["mf_shape", "mf_delta"] if "mf" in theories else []):
                            v(f"{K}_{end}_{name}", bc[name][0],
                              f"{arm}, {'smallest' if end == 'lo' else 'largest'} eps: {name} (shape: residual sd of log eta)")
                        Bp = c["surge_pred"]["B_peak"] or 0
                        v(f"{K}_{end}_surge_pred", int(Bp) if b_fmt(Bp) == "int" else Bp,
                          f"{what}: predicted surge peak B (0: none)", b_fmt(Bp))
            table[(i, t)] = c
            if t in log_ratios:
                log_ratios[t].append(np.log(a["eta"][i] / a[f"theory_{curve}"][i]))
            log.info("%s eps=%s %s: offset %+.2f, shape %.2f [%.2f, %.2f], vs best baseline %+.2f [%+.2f, %+.2f]",
                     arm, a["eps"][i], t, c["offset"], *bc[f"{t}_shape"], *bc[f"{t}_delta"])
    for name, x in boot.items():
        arrays[f"{arm}_boot_{name}"] = x
    if has_eps:  # the eps at which each theory comes closest to beating the baselines, under a fixed name
        for t in ("exact", "mf"):
            if f"{t}_delta" in boot:
                k = int(np.argmin(boot[f"{t}_delta"][:, 0]))
                v(f"{K}_{t}_best_eps", a["eps"][k], f"{arm}: eps where the {THEORY_NAME[t]} has its smallest shape error minus the best baseline's", "sci", 1)
                for suffix, val in zip(("", "_lo", "_hi"), boot[f"{t}_delta"][k]):
                    v(f"{K}_{t}_best_delta{suffix}", float(val), f"{arm}: that smallest difference{suffix}")
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
    if nqm_sgd:
        calibrate_sgd(K, arm, sweeps[0])
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

for t, vs in verdicts.items():
    if not vs:
        continue
    vs = np.array(vs)
    v(f"all_{t}_rows", int(vs.size), f"(arm, eps) rows compared for the {THEORY_NAME[t]}", "int")
    v(f"all_{t}_beats_baselines", int(np.sum(vs == 1)),
      f"rows where the {THEORY_NAME[t]} has a smaller shape error than every baseline (interval of the difference < 0)", "int")
    v(f"all_{t}_loses_to_baseline", int(np.sum(vs == -1)),
      f"rows where the best baseline has a smaller shape error than the {THEORY_NAME[t]} (interval > 0)", "int")
    v(f"all_{t}_undecided", int(np.sum(vs == 0)),
      f"rows where the interval of the {THEORY_NAME[t]}'s shape error minus the best baseline's contains 0", "int")
v("compare_n_resamples", CMP["n_resamples"], "bootstrap resamples of the seeds per (arm, eps)", "int")
v("compare_confidence", CMP["confidence"], "confidence level of the bootstrap intervals", "pct", 2)

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
    a, sweeps = load(arm)
    arrays |= {f"{arm}_{k}": x for k, x in a.items()}
    v(f"budget_s{j}_steps", s, f"step budget {j}: steps", "int")
    for i in range(len(a["eps"])):
        lrs, losses, terms = sweep_data(sweeps[i])
        for t, curve in (("adam", "exact"), ("softsign", "softsign")):
            if f"theory_{curve}" not in a:  # a SoftSignSGD budget arm: its own theory is softsign
                continue
            c = metrics(a, i, curve)
            what = f"{arm}, eps row {i}, measured vs {THEORY_NAME[t]}"
            r = np.log(a["eta"][i] / a[f"theory_{curve}"][i])
            v(f"budget_s{j}_e{i}_{t}_offset", c["offset"], f"{what}: mean log ratio meas/pred")
            v(f"budget_s{j}_e{i}_{t}_rms", c["rms"], f"{what}: rms shape error of log eta")
            v(f"budget_s{j}_e{i}_{t}_max_abs", float(np.max(np.abs(r))), f"{what}: max |log ratio| over B")
            # the same with its bootstrap interval over seeds (measured optima and pooled theory resampled)
            _, lo, hi = lc.bootstrap_metrics(
                lambda idx: [np.max(np.abs(lc.measured_log_eta(lrs, losses, idx)
                                           - np.log(ti.pool_terms(*terms[curve], idx))))],
                len(sweeps[i]["seeds"]), CMP["n_resamples"], seed=boot_seed, confidence_level=CMP["confidence"])
            boot_seed += 1
            v(f"budget_s{j}_e{i}_{t}_max_abs_lo", float(lo[0]), f"{what}: max |log ratio| over B, bootstrap low end")
            v(f"budget_s{j}_e{i}_{t}_max_abs_hi", float(hi[0]), f"{what}: max |log ratio| over B, bootstrap high end")
            if np.isfinite(c["spearman"]):
                v(f"budget_s{j}_e{i}_{t}_spearman", c["spearman"], f"{what}: Spearman over B")
        # the first-step theory against the no-information baselines, as for the arms
        bc = bootstrap_compare(sweeps[i], {"adam": "exact"}, boot_seed)
        boot_seed += 1
        what = f"{arm}, eps row {i}, measured vs {THEORY_NAME['adam']}"
        for m in ("adam_shape", "adam_delta", "linear_cap_shape", "constant_shape", "sqrt_shape"):
            for suffix, val in zip(("", "_lo", "_hi"), bc[m]):
                v(f"budget_s{j}_e{i}_{m}{suffix}", val, f"{what}: {m}{suffix} (shape: residual sd of log eta)")
a0, _ = load(f"{bp}_steps{P.budget['steps'][0]}")
v("budget_eps_small", a0["eps"][0], "step budget: the small eps", "sci", 1)
v("budget_eps_large", a0["eps"][-1], "step budget: the large eps", "sci", 1)
arrays["budget_steps"] = np.array(P.budget["steps"])

v("seeds", docs[0]["params"]["seeds"], "seeds per (B, eps, lr)", "int")
_common.write_results(snakemake.output.json, namespace="train", snakemake=snakemake,
                      script=__file__, values=values)
_common.write_npz(snakemake.output.npz, **arrays)
