"""Rule `multistep_summary`: hold the multi-step theory against the measured eta*(B, eps) of the training sweeps.

Per NQM arm (and step-budget arm): the share of settings (B, eps) whose measured optimum lies within the
issue's factor of the multi-step prediction (1.25 for the stateless SignSGD, SoftSignSGD and SGD, 2 for Adam
and Adam-atan2), the median |log ratio|, and whether the trend in B has the right sign on each eps curve
(sign of Spearman's rho of eta(B), measured against predicted), for the multi-step theory, the travel-and-
floor law and, as the baseline, the one-step theory of the sweep; on the digits arms (Adam, factor 2) the
diagonal model's prediction (rule multistep_predict_digits), its one-step optimum and the hybrid (the
one-step theory times the diagonal model's step-budget factor). Over every setting of the training arms
(not the step-budget reruns), NQM and digits together and apart, the share within a factor two of the
multi-step prediction, of the hybrid on digits, and of the one-step theory.
Writes results/multistep.json (named values -> macros) and results/multistep.npz (curves for the figures).
"""

import _common

from pathlib import Path

import numpy as np

from adameps import theory_inputs as ti

log = _common.setup(snakemake)
P = snakemake.params
sweeps = {Path(p).name: _common.read_json(p) for p in snakemake.input.sweeps}
preds = {Path(p).name: _common.read_json(p) for p in snakemake.input.predictions}
values, arrays = _common.Values(digits=2), {}
v = values.add
STATELESS = ("sign", "softsign", "sgd")


def key(arm):
    return arm.replace("_", "")


def one_step(row, optimizer):
    """The sweep's one-step theory: Adam's own first step where stored, else the matching map."""
    return row.get("theory_adam", row["theory_exact"]) if optimizer == "adam" else row["theory_exact"]


def trend(B, eta):
    r = ti.spearman(B, eta)
    return 0 if not np.isfinite(r) or abs(r) < 1e-12 else int(np.sign(r))


tally = {}  # (family, theory) -> within a factor two, per training setting
closure = []
for arm in P.arms:
    files = sorted(f for f in preds if f.startswith(f"{arm}_eps") and preds[f]["problem"] == arm)
    if not files:
        continue
    docs = sorted((preds[f] for f in files), key=lambda d: d["eps"] or 0.0)
    meas_docs = {sweeps[f]["eps"]: sweeps[f] for f in files}
    optimizer = docs[0]["optimizer"]
    factor = P.targets["stateless_factor"] if optimizer in STATELESS else P.targets["adam_factor"]
    K = key(arm)
    B = np.array([r["B"] for r in docs[0]["rows"]])
    eps = np.array([np.nan if d["eps"] is None else d["eps"] for d in docs])
    meas = np.array([[r["eta"] for r in meas_docs[d["eps"]]["rows"]] for d in docs])
    ok = np.array([[r["flag"] == "ok" for r in meas_docs[d["eps"]]["rows"]] for d in docs])
    log_se = np.array([[np.nan if r["log_eta_se"] is None else r["log_eta_se"] for r in meas_docs[d["eps"]]["rows"]]
                       for d in docs])
    multi = np.array([[np.nan if r["eta_multistep"] is None else r["eta_multistep"] for r in d["rows"]] for d in docs])
    law = np.array([[np.nan if r["eta_law"] is None else r["eta_law"] for r in d["rows"]] for d in docs])
    # digits arms only: the diagonal model's one-step optimum and the full-H one-step theory times its
    # step-budget factor (rule multistep_predict_digits)
    hybrid, diagone = ([[np.nan if r.get(k) is None else r[k] for r in d["rows"]] for d in docs]
                       for k in ("eta_hybrid", "eta_diag_one"))
    hybrid, diagone = np.array(hybrid, float), np.array(diagone, float)
    one = np.array([[one_step(r, optimizer) for r in meas_docs[d["eps"]]["rows"]] for d in docs])
    arrays |= {f"{arm}_{k}": x for k, x in dict(B=B, eps=eps, eta=meas, ok=ok, log_se=log_se, multistep=multi,
                                                 law=law, one_step=one, hybrid=hybrid,
                                                 diag_one=diagone).items()}
    arrays[f"{arm}_steps"] = np.array(docs[0]["steps"])
    v(f"{K}_factor", factor, f"{arm}: the agreement factor of the issue's target", "sig", 3)
    v(f"{K}_n_settings", int(meas.size), f"{arm}: settings (B, eps)", "int")
    v(f"{K}_n_bracketed", int(ok.sum()), f"{arm}: settings whose measured minimum is bracketed", "int")
    for name, pred in (("multi", multi), ("law", law), ("one", one), ("hybrid", hybrid), ("diagone", diagone)):
        if not np.isfinite(pred).any():
            continue
        r = np.abs(np.log(meas / pred))
        within = r < np.log(factor)
        v(f"{K}_{name}_within", float(np.mean(within)),
          f"{arm}: share of settings with measured eta* within a factor {factor:g} of the {name} prediction", "pct", 3)
        v(f"{K}_{name}_within_two", float(np.mean(r < np.log(2.0))),
          f"{arm}: share of settings within a factor 2 of the {name} prediction", "pct", 3)
        v(f"{K}_{name}_median_abs_log", float(np.median(r)), f"{arm}: median |log(measured/{name})|", "sig", 2)
        v(f"{K}_{name}_max_abs_log", float(np.max(r)), f"{arm}: max |log(measured/{name})|", "sig", 2)
        agree = [trend(B, m) == trend(B, p) for m, p in zip(meas, pred)]
        v(f"{K}_{name}_trend_right", int(np.sum(agree)), f"{arm}: eps curves whose trend in B has the right sign ({name})",
          "int")
        arrays[f"{arm}_{name}_trend_right"] = np.array(agree)
    v(f"{K}_n_curves", int(meas.shape[0]), f"{arm}: eps curves", "int")
    v(f"{K}_n_rising", int(sum(trend(B, m) > 0 for m in meas)), f"{arm}: eps curves whose measured eta*(B) rises "
      "(Spearman rho > 0)", "int")
    if np.isfinite(diagone).any():  # digits: what dropping the off-diagonal Hessian does to the one-step theory
        ratio = diagone / one
        v(f"{K}_steps", int(docs[0]["steps"]), f"{arm}: trained step budget", "int")
        v(f"{K}_n_floored", max(int(d["n_floored"]) for d in docs), f"{arm}: curvatures floored in the diagonal model",
          "int")
        v(f"{K}_diag_over_full_max", float(np.max(ratio)),
          f"{arm}: largest ratio of the diagonal model's one-step optimum to the full-H one-step theory", "sig", 2)
        v(f"{K}_diag_over_full_min", float(np.min(ratio)),
          f"{arm}: smallest ratio of the diagonal model's one-step optimum to the full-H one-step theory", "sig", 2)
        factor_T = multi / diagone
        v(f"{K}_tfactor_min", float(np.nanmin(factor_T)),
          f"{arm}: smallest step-budget factor eta*_T/eta*_1 of the diagonal model", "sig", 2)
        v(f"{K}_tfactor_max", float(np.nanmax(factor_T)),
          f"{arm}: largest step-budget factor eta*_T/eta*_1 of the diagonal model", "sig", 2)
    # the worst setting of the multi-step theory, to say why it misses
    r = np.log(meas / multi)
    w = np.unravel_index(int(np.nanargmax(np.abs(r))), r.shape)
    v(f"{K}_worst_log_ratio", float(r[w]), f"{arm}: log(measured/multi-step) at the worst setting", "sig", 2)
    v(f"{K}_worst_b", float(B[w[1]]), f"{arm}: batch size of the worst setting", "int" if float(B[w[1]]).is_integer() else "sig")
    if np.isfinite(eps[w[0]]):
        v(f"{K}_worst_eps", float(eps[w[0]]), f"{arm}: eps of the worst setting", "sci", 1)
    for d in docs:
        if d.get("closure_check"):
            closure.append((d["eps"], d["closure_check"]))
    if arm in P.train_arms:
        fam = "nqm" if arm in P.nqm_arms else "digits"
        for name, pred in (("multi", multi), ("hybrid", hybrid if fam == "digits" else multi), ("one", one)):
            within = np.abs(np.log(meas / pred)) < np.log(2.0)
            for f in (fam, "all"):
                tally.setdefault((f, name), []).extend(within.ravel().tolist())

# Over the training arms (not the step-budget reruns): the share within a factor two of the multi-step
# prediction (the exact chain or v-hat model on the NQM, the diagonal model on digits), of the same with the
# digits' hybrid (one-step theory times the diagonal model's step-budget factor), and of the one-step theory.
WHAT = {"multi": "the multi-step prediction (digits: diagonal model)",
        "hybrid": "the multi-step prediction (digits: one-step theory times the diagonal model's factor eta*_T/eta*_1)",
        "one": "the one-step theory"}
for (fam, name), w in sorted(tally.items()):
    pre = "all" if fam == "all" else f"all_{fam}"
    suffix = "" if name == "multi" else f"_{name}"  # a plain f-string key: the macro comments name it
    v(f"{pre}{suffix}_within_two", float(np.mean(w)),
      f"share of {'all' if fam == 'all' else fam} training settings within a factor 2 of {WHAT[name]}", "pct", 3)
    if name == "multi":
        v(f"{pre}_n_settings", len(w), f"settings (B, eps) of the {'' if fam == 'all' else fam + ' '}training arms",
          "int")
# how the optimum of Adam moves with the step budget (results/multistep_budget.npz)
bud = _common.read_npz(snakemake.input.budget)
for i, e in enumerate(bud["eps"]):
    for j, T in enumerate(bud["steps"]):
        y = bud["eta"][i, j]
        tag = f"budget_e{i}_t{int(T)}"
        jmax = int(np.argmax(y))
        v(f"{tag}_peak_b", float(bud["B"][jmax]), f"Adam, eps={e:.0e}, T={int(T)}: batch size of the largest eta*_T "
          "(grid value of a log grid)", "sig", 2)
        v(f"{tag}_spearman", ti.spearman(bud["B"], y), f"Adam, eps={e:.0e}, T={int(T)}: Spearman rho of eta*_T(B)", "sig", 2)
        v(f"{tag}_ratio_last_peak", float(y[-1] / y[jmax]), f"Adam, eps={e:.0e}, T={int(T)}: eta*_T at the largest B "
          "over its maximum", "sig", 2)
        law = bud["law"][i, j]
        v(f"{tag}_law_max_abs_log", float(np.max(np.abs(np.log(law / y)))),
          f"Adam, eps={e:.0e}, T={int(T)}: max over B of |log(law/theory)|", "sig", 2)
for i, e in enumerate(bud["eps"]):
    v(f"budget_e{i}_eps", float(e), f"eps of budget curve {i}", "sci", 1)
v("budget_b_min", float(bud["B"][0]), "smallest batch size of the budget curves", "int")
v("budget_b_max", float(bud["B"][-1]), "largest batch size of the budget curves", "int")
for T, Bx in zip(bud["steps"], bud["handover"]):
    if np.isfinite(Bx):
        v(f"handover_t{int(T)}", float(Bx), f"NQM, sign: batch size B_x where T beta^2(B_x) = 1 at T={int(T)}", "sig", 2)
# the closure checks at the smallest (c0) and the largest (c1) checked eps (the same one if only one)
closure = sorted(closure, key=lambda x: x[0])
for i, (e, c) in enumerate((closure[0], closure[-1]) if closure else ()):
    v(f"closure_c{i}_eps", float(e), f"SoftSignSGD: eps of closure check c{i}", "sci", 1)
    v(f"closure_c{i}_rel_diff", float(c["rel_diff"]),
      f"SoftSignSGD, eps={e:.0e}: relative difference of the Gaussian closure's expected loss from density "
      f"evolution at the predicted optimum of B={c['B']:g}", "sig", 2)
_common.write_results(snakemake.output.json, namespace="multistep", snakemake=snakemake, script=__file__,
                      values=values)
_common.write_npz(snakemake.output.npz, **arrays)
