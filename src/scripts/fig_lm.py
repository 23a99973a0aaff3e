"""Rule `fig_lm`: the language-model figures.

lm_premise: share of coordinates with sqrt(v_hat) < eps through training, per parameter type, for
each eps threshold (run with eps = 1e-8). lm_grad_stats: distributions of |g|, sigma/sqrt(B) and
sqrt(v_hat) per type at an early, a middle and the last checkpoint. lm_eta: tuned eta*(B) per eps
with the fitted sqrt(B) rule (left) and with the one-step and multi-step theories' predictions from
the initial points, mean over replicates (right). lm_switch: excess training loss after switching eps. lm_sqrt_rule:
validation loss against tokens per B with Malladi's rule and with fixed eps. lm_budget: tuned
eta*(B) at one eps for each token budget, with its fitted power law.
"""

import _common

import matplotlib.pyplot as plt
import numpy as np

from adameps import plotting

_common.setup(snakemake)
plotting.use_style()
inp, out = snakemake.input, snakemake.output
colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

# ------------------------------------------------------------ premise
P = _common.read_npz(inp.premise)
types = [str(t) for t in P["types"]]
ck, thr, steps = P["checkpoints"], P["thresholds"], int(P["steps"].ravel()[0])
fig, axes = plt.subplots(1, len(types), figsize=plotting.figsize(1.0, 0.3), layout="constrained", sharey=True)
sh = P["e8_shares"]  # (ck, R, type, thr)
for j, (ax, t) in enumerate(zip(axes, types)):
    for i, e in enumerate(thr):
        m = sh[:, :, j, i].mean(1)
        ax.plot(ck / steps, m, marker="o", ms=2.5, color=colours[i % len(colours)], label=rf"$\epsilon=10^{{{int(round(np.log10(e)))}}}$")
        ax.fill_between(ck / steps, sh[:, :, j, i].min(1), sh[:, :, j, i].max(1), color=colours[i % len(colours)], alpha=0.2, lw=0)
    ax.set_xscale("log")
    ax.set_title(t)
    ax.set_xlabel("fraction of training")
axes[0].set_ylabel(r"share with $\sqrt{\hat v}<\epsilon$")
axes[-1].legend(loc="upper left", fontsize=6)
_common.save_figure(fig, out.premise_pdf, out.premise_png)
plt.close(fig)

# ------------------------------------------------------------ gradient statistics
bins = P["bins"]
centres = 0.5 * (bins[1:] + bins[:-1])
hist = P["e8_hist"]  # (ck, 3, type, nbins)
picks = [int(np.searchsorted(ck, max(1, steps // 10))), int(np.searchsorted(ck, steps // 2)), ck.size - 1]
fig, axes = plt.subplots(len(picks), len(types), figsize=plotting.figsize(1.0, 0.6), layout="constrained",
                         sharex=True, sharey="row")
names = (r"$|g|$", r"$\sigma/\sqrt{B}$", r"$\sqrt{\hat v}$")
for a, pi in enumerate(picks):
    for j, t in enumerate(types):
        ax = axes[a, j]
        for q in range(3):
            ax.plot(centres, hist[pi, q, j], color=colours[q], label=names[q])
        for e in (1e-8, 1e-5):
            ax.axvline(np.log10(e), color="0.5", lw=0.6, ls=":")
        if a == 0:
            ax.set_title(t)
        if j == 0:
            ax.set_ylabel(f"step {ck[pi]}\nshare per bin")
        if a == len(picks) - 1:
            ax.set_xlabel(r"$\log_{10}$ value")
axes[0, -1].legend(fontsize=6, loc="upper left")
_common.save_figure(fig, out.stats_pdf, out.stats_png)
plt.close(fig)

# ------------------------------------------------------------ eta*(B, eps)
L = _common.read_npz(inp.lr)
B, eps, log_eta, se, ok = L["B"], L["eps"], L["log_eta"], L["log_eta_se"], L["bracketed"]
rules = [str(r) for r in L["rules"]]
Th = _common.read_npz(inp.theory)
fig, (ax, ax2) = plt.subplots(1, 2, figsize=plotting.figsize(1.0, 0.4), layout="constrained", sharex=True)
for j, e in enumerate(eps):
    col = colours[j % len(colours)]
    s = np.where(se[j] >= 0, se[j], 0.0)
    y = np.exp(log_eta[j])
    for a in (ax, ax2):
        a.errorbar(B, y, yerr=[y - np.exp(log_eta[j] - s), np.exp(log_eta[j] + s) - y], fmt="o", color=col, ms=3,
                   mfc=None, capsize=2, label=rf"$\epsilon=10^{{{int(round(np.log10(e)))}}}$" if a is ax else None)
        a.plot(B[~ok[j]], y[~ok[j]], "o", mfc="white", color=col, ms=3)
    ax.plot(B, np.exp(L["baseline_pred"][j, rules.index("sqrt")]), color=col, lw=0.8, ls="--")
    for key, ls, lw in (("onestep", ":", 1.0), ("convex", "-.", 0.9), ("multistep", "-", 0.6)):
        pred = np.where(Th[key] > -1e299, Th[key], np.nan)[:, j]  # (replicate, B); -1e300 marks undefined
        if np.any(np.isfinite(pred)):
            ax2.plot(Th["B"], np.exp(np.nanmean(pred, 0)), color=col, lw=lw, ls=ls)
for key, ls, lw, lab in (("onestep", ":", 1.0, "one-step theory"), ("convex", "-.", 0.9, "multi-step, curved coords."),
                         ("multistep", "-", 0.6, "multi-step, all coords.")):
    ax2.plot([], [], color="0.3", ls=ls, lw=lw, label=lab)
ax.plot([], [], color="0.3", ls="--", lw=0.8, label=r"fitted $\sqrt{B}$ rule")
for a in (ax, ax2):
    a.set_xscale("log", base=2)
    a.set_yscale("log")
    a.set_xlabel("batch size $B$ (sequences)")
ax.set_ylabel(r"tuned $\eta^*$")
ax.legend(fontsize=5)
# The colours (eps) are in the left panel's legend; the right one's names the line styles, outside the
# data (the predictions span four decades, so no corner of the panel is free).
ax2.legend(fontsize=5, loc="center left", bbox_to_anchor=(1.02, 0.5))
_common.save_figure(fig, out.eta_pdf, out.eta_png)
plt.close(fig)

# ------------------------------------------------------------ eta*(B) at other token budgets
Bb, tok = L["budget_B"], L["budget_tokens"]
fig, ax = plt.subplots(figsize=plotting.figsize(0.5, 0.75), layout="constrained")
for k, n in enumerate(tok):
    col = colours[k % len(colours)]
    y, s = np.exp(L["budget_log_eta"][k]), np.where(L["budget_log_eta_se"][k] >= 0, L["budget_log_eta_se"][k], 0.0)
    ax.errorbar(Bb * (1.0 + 0.04 * (k - (tok.size - 1) / 2)), y, yerr=[y - y * np.exp(-s), y * np.exp(s) - y], fmt="o",
                color=col, ms=3, capsize=2, label=rf"{int(n)} tokens: $\alpha={L['budget_alpha'][k]:.2f}$")
    ax.plot(Bb, np.exp(L["budget_power_pred"][k]), color=col, lw=0.8, ls="--")
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("batch size $B$ (sequences)")
ax.set_ylabel(rf"tuned $\eta^*$ at $\epsilon=10^{{{int(L['budget_log10_eps'].ravel()[0])}}}$")
ax.legend(fontsize=5)
_common.save_figure(fig, out.budget_pdf, out.budget_png)
plt.close(fig)

# ------------------------------------------------------------ eps switch
S = _common.read_npz(inp.switch)
sw, st = int(S["switch"].ravel()[0]), int(S["steps"].ravel()[0])
fig, ax = plt.subplots(figsize=plotting.figsize(0.6, 0.75), layout="constrained")
t = np.arange(1, st + 1)
for name, col in (("plain", colours[1]), ("factor", colours[0]), ("theory", colours[2])):
    d = S[f"{name}_excess"]
    ax.plot(t, d.mean(1), color=col, label={"plain": "same learning rate", "factor": "lr x update-length factor",
                                            "theory": "lr x one-step theory factor"}[name])
    ax.fill_between(t, d.min(1), d.max(1), color=col, alpha=0.2, lw=0)
ax.axvline(sw, color="0.4", lw=0.7, ls=":")
ax.set_xlabel("step")
ax.set_ylabel("training loss minus no switch (nats)")
ax.legend(fontsize=6)
_common.save_figure(fig, out.switch_pdf, out.switch_png)
plt.close(fig)

# ------------------------------------------------------------ square-root rule
Q = _common.read_npz(inp.sqrt)
Bq, fr, curves, arms = Q["B"], Q["fractions"], Q["curves"], [str(a) for a in Q["arms"]]
titles = {"rule": r"rule: $\epsilon \propto B^{-1/2}$", "fixed": r"fixed $\epsilon$", "tiny": r"$\epsilon = 10^{-8}$"}
fig, axes = plt.subplots(1, len(arms), figsize=plotting.figsize(1.0, 0.3), layout="constrained", sharey=True)
for a, ax in enumerate(axes):
    for i, b in enumerate(Bq):
        c = np.where(curves[a, i] > 0, curves[a, i], np.nan)  # -1 marks a diverged run
        ax.plot(fr, np.nanmean(c, -1) if np.any(np.isfinite(c)) else np.full(fr.size, np.nan), marker="o", ms=2.5, color=colours[i % len(colours)], label=f"B={b}")
    ax.set_title(titles.get(arms[a], arms[a]))
    ax.set_xlabel("fraction of the token budget")
axes[0].set_ylabel("validation loss (nats)")
axes[-1].legend(fontsize=6)
_common.save_figure(fig, out.sqrt_pdf, out.sqrt_png)
plt.close(fig)

# ------------------------------------------------------------ one-step optimum vs theory
O = _common.read_json(inp.one_step)
fig, ax = plt.subplots(figsize=plotting.figsize(0.5, 0.9), layout="constrained")
cks = O["checkpoints"]
markers = {e: m for e, m in zip(sorted({r["log10_eps"] for r in O["rows"]}), "os^dv")}
for r in O["rows"]:
    if r["eta_theory"] is None:
        continue
    col = colours[cks.index(r["step"]) % len(colours)]
    ax.plot(r["eta_theory"], r["eta_measured"], markers[r["log10_eps"]], color=col, ms=4,
            mfc=col if r["flag"] == "ok" else "white")
lo = min(min(r["eta_measured"] for r in O["rows"]), min(r["eta_theory"] or np.inf for r in O["rows"])) / 2
hi = max(max(r["eta_measured"] for r in O["rows"]), max(r["eta_theory"] or 0 for r in O["rows"])) * 2
ax.plot([lo, hi], [lo, hi], color="0.3", lw=0.7)
ax.fill_between([lo, hi], [lo / 2, hi / 2], [lo * 2, hi * 2], color="0.5", alpha=0.15, lw=0)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel(r"exact one-step theory $\eta^*$")
ax.set_ylabel(r"measured one-step $\eta^*$")
for j, s in enumerate(cks):
    ax.plot([], [], "o", color=colours[j % len(colours)], label=f"step {s}")
for e, m in markers.items():
    ax.plot([], [], m, color="0.3", mfc="white", label=rf"$\epsilon=10^{{{e}}}$")
ax.legend(fontsize=6)
_common.save_figure(fig, out.one_step_pdf, out.one_step_png)
plt.close(fig)
