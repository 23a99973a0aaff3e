"""Rule `lm_lr_summary`: eta*(B, eps) of the language model against the no-information rules.

Reads results/lm/sweep_eps<k>.json; per eps fits a constant, a sqrt(B) rule, linear-up-to-a-cap and
a free power law to log eta*(B) (adameps.lr_fit.scaling_baselines), with the exponent's error bar
from redrawing log eta* within its bootstrap error. The same fits at the other token budgets
(results/lm/sweep_eps<k>_tokens<n>.json, lm.budget: one eps, a subset of B), with the main budget's
sweep restricted to that subset, so that every budget is fitted on the same batch sizes. Writes
results/lm_lr.json and results/lm/lr.npz.
"""

import _common

import numpy as np

from adameps.lr_fit import scaling_baselines

log = _common.setup(snakemake)
docs = sorted((_common.read_json(p) for p in snakemake.input.sweeps), key=lambda d: d["eps"])
B = np.array([r["B"] for r in docs[0]["rows"]], dtype=float)
eps = np.array([d["eps"] for d in docs])
log_eta = np.array([[r["log_eta"] for r in d["rows"]] for d in docs])
se = np.array([[r["log_eta_se"] if r["log_eta_se"] is not None else np.nan for r in d["rows"]] for d in docs])
bracketed = np.array([[r["flag"] == "ok" for r in d["rows"]] for d in docs])
best_loss = np.array([[r["best_loss"] for r in d["rows"]] for d in docs])
n_lr = np.array([[len(r["lrs"]) for r in d["rows"]] for d in docs])
v = _common.Values()
v.add("n_b", B.size, "batch sizes of the lr sweeps", fmt="int")
v.add("b_min", int(B.min()), "smallest batch size (sequences)", fmt="int")
v.add("b_max", int(B.max()), "largest batch size (sequences)", fmt="int")
v.add("n_eps", eps.size, "eps values of the lr sweeps", fmt="int")
v.add("n_params", docs[0]["n_params"], "parameters of the default language model", fmt="int")
v.add("replicates", docs[0]["replicates"], "(data seed, init seed) replicates per learning rate", fmt="int")
v.add("bracketed_fraction", bracketed.mean(), "fraction of (B, eps) whose minimum is bracketed and refined", fmt="pct", digits=3)
v.add("n_lr_mean", n_lr.mean(), "mean number of learning rates per (B, eps)", digits=2)
v.add("log_eta_se_median", float(np.nanmedian(se)), "median bootstrap standard error of log eta*", digits=2)
rules = ("constant", "sqrt", "linear_cap", "power")


def power_fit(B, log_eta, se, rng, n_draws=400):
    """The rules' fits to log eta*(B) and the power law's exponent with its error (log eta* redrawn
    within its bootstrap error; a missing error counts as 0)."""
    fits = scaling_baselines(B, log_eta)
    s = np.where(np.isfinite(se), se, 0.0)
    draws = [np.polyfit(np.log(B), log_eta + rng.standard_normal(B.size) * s, 1)[0] for _ in range(n_draws)]
    return fits, fits["power"]["alpha"], float(np.std(draws, ddof=1))


rng = np.random.default_rng(0)
rms = np.zeros((eps.size, len(rules)))
alpha, alpha_se, preds = np.zeros(eps.size), np.zeros(eps.size), np.zeros((eps.size, len(rules), B.size))
for j, d in enumerate(docs):
    fits, alpha[j], alpha_se[j] = power_fit(B, log_eta[j], se[j], rng)
    for r, name in enumerate(rules):
        rms[j, r] = fits[name]["rms"]
        preds[j, r] = fits[name]["pred"]
    tag = f"e{abs(d['log10_eps'])}"
    for r, name in enumerate(rules):
        short = {"linear_cap": "lincap"}.get(name, name)  # the macro name's short form
        v.add(f"{tag}_{short}_rms", rms[j, r],
              f"eps=1e{d['log10_eps']}: rms of log(eta*) about the fitted {name} rule", digits=2)
    v.add(f"{tag}_alpha", alpha[j], f"eps=1e{d['log10_eps']}: fitted exponent of eta* ~ B^alpha", digits=2)
    v.add(f"{tag}_alpha_se", alpha_se[j], f"eps=1e{d['log10_eps']}: error of that exponent (log eta* redrawn within its bootstrap error)", digits=1)
    v.add(f"{tag}_eta_bmin", float(np.exp(log_eta[j, 0])), f"eps=1e{d['log10_eps']}: eta* at the smallest B")
    v.add(f"{tag}_eta_bmax", float(np.exp(log_eta[j, -1])), f"eps=1e{d['log10_eps']}: eta* at the largest B")
    v.add(f"{tag}_loss_bmin", best_loss[j, 0], f"eps=1e{d['log10_eps']}: validation loss at eta*, smallest B", digits=3)
    v.add(f"{tag}_loss_bmax", best_loss[j, -1], f"eps=1e{d['log10_eps']}: validation loss at eta*, largest B", digits=3)
    log.info("eps=%g: alpha=%.3f +- %.3f; rms %s", d["eps"], alpha[j], alpha_se[j], dict(zip(rules, rms[j].round(3))))
ratio = log_eta[-1] - log_eta[0]
v.add("ratio_max_eps_bmin", float(np.exp(ratio[0])), "eta*(largest eps) / eta*(eps=1e-8) at the smallest B", digits=2)
v.add("ratio_max_eps_bmax", float(np.exp(ratio[-1])), "eta*(largest eps) / eta*(eps=1e-8) at the largest B", digits=2)
l10 = [d["log10_eps"] for d in docs]
i8, i5 = l10.index(-8), l10.index(-5)  # the schema requires both in lm.sweep.log10_eps
d58 = log_eta[i5] - log_eta[i8]
d58_se = np.sqrt(np.nan_to_num(se[i5]) ** 2 + np.nan_to_num(se[i8]) ** 2)
v.add("e5_vs_e8_max_abs_log", float(np.max(np.abs(d58))), "largest |log eta*(1e-5) - log eta*(1e-8)| over B", digits=2)
v.add("e5_vs_e8_max_z", float(np.max(np.abs(d58) / np.maximum(d58_se, 1e-12))), "largest |difference| / its error over B", digits=2)
# The other token budgets: the main budget's sweep at the same eps, restricted to the budget's B.
bdocs = [_common.read_json(p, keys=("rows", "token_budget")) for p in snakemake.input.budget_sweeps]
b_l10 = bdocs[0]["log10_eps"]
main = docs[l10.index(b_l10)]
B_b = np.array([r["B"] for r in bdocs[0]["rows"]], dtype=float)
main_rows = [r for r in main["rows"] if r["B"] in B_b]
budget_docs = sorted([{"token_budget": main["token_budget"], "rows": main_rows}] + bdocs, key=lambda d: d["token_budget"])
tokens = np.array([d["token_budget"] for d in budget_docs], dtype=float)
b_log_eta = np.array([[r["log_eta"] for r in d["rows"]] for d in budget_docs])
b_se = np.array([[r["log_eta_se"] if r["log_eta_se"] is not None else np.nan for r in d["rows"]] for d in budget_docs])
b_alpha, b_alpha_se, b_rms = np.zeros(tokens.size), np.zeros(tokens.size), np.zeros((tokens.size, len(rules)))
b_pred = np.zeros(b_log_eta.shape)  # the fitted power law's log eta* at each budget's B
brng = np.random.default_rng(1)
i_main = int(np.flatnonzero(tokens == main["token_budget"])[0])
v.add("budget_log10_eps", b_l10, "eps (log10) of the token-budget sweeps", fmt="int")
v.add("budget_n_b", B_b.size, "batch sizes of the token-budget comparison", fmt="int")
v.add("budget_n", tokens.size, "token budgets compared (the main one included)", fmt="int")
v.add("budget_main_index", i_main, "index of the main token budget among them (smallest first)", fmt="int")
for k, d in enumerate(budget_docs):
    fits, b_alpha[k], b_alpha_se[k] = power_fit(B_b, b_log_eta[k], b_se[k], brng)
    b_rms[k] = [fits[name]["rms"] for name in rules]
    b_pred[k] = fits["power"]["pred"]
    tag = f"budget{k}"
    v.add(f"{tag}_tokens", int(d["token_budget"]), f"token budget {k} (smallest first)", fmt="int")
    v.add(f"{tag}_alpha", b_alpha[k], f"token budget {k}: fitted exponent of eta* ~ B^alpha", digits=2)
    v.add(f"{tag}_alpha_se", b_alpha_se[k], f"token budget {k}: error of that exponent", digits=1)
    v.add(f"{tag}_constant_rms", b_rms[k, 0], f"token budget {k}: rms of log(eta*) about the fitted constant", digits=2)
    v.add(f"{tag}_sqrt_rms", b_rms[k, 1], f"token budget {k}: rms of log(eta*) about the fitted sqrt(B) rule", digits=2)
    log.info("token budget %d: alpha=%.3f +- %.3f; rms constant %.3f, sqrt %.3f", d["token_budget"], b_alpha[k],
             b_alpha_se[k], b_rms[k, 0], b_rms[k, 1])
# The largest change of the exponent from the main budget, in units of its error.
dz = np.abs(b_alpha - b_alpha[i_main]) / np.sqrt(b_alpha_se**2 + b_alpha_se[i_main] ** 2 + 1e-300)
dz[i_main] = 0.0
v.add("budget_alpha_max_z", float(dz.max()), "largest |alpha(budget) - alpha(main budget)| / its error", digits=2)
_common.write_npz(snakemake.output.npz, B=B, eps=eps, log_eta=log_eta, log_eta_se=np.nan_to_num(se, nan=-1.0),
                  bracketed=bracketed, best_loss=best_loss, rules=np.array(rules), baseline_pred=preds, rms=rms,
                  alpha=alpha, alpha_se=alpha_se, budget_tokens=tokens, budget_log10_eps=b_l10, budget_B=B_b, budget_log_eta=b_log_eta,
                  budget_log_eta_se=np.nan_to_num(b_se, nan=-1.0), budget_alpha=b_alpha, budget_alpha_se=b_alpha_se,
                  budget_rms=b_rms, budget_power_pred=b_pred)
_common.write_results(snakemake.output.json, namespace="lmlr", snakemake=snakemake, script=__file__, values=v,
                      params={"eps": eps.tolist(), "B": B.tolist()})
