"""Rule `lm_eps_switch`: change eps from large to small in the middle of a run.

At batch size lm.switch.B, runs start at eps_from with the tuned learning rate eta*(B, eps_from) of
the sweeps; after a fraction switch_frac of the steps, eps becomes eps_to, either with the same
learning rate ("plain") or with the learning rate multiplied by the factor that keeps the length of
Adam's next update (adameps.lm.eps_switch_lr_factor, from the optimiser state at the switch:
"factor"), or by the one-step theory's ratio eta*(eps_to)/eta*(eps_from) of Adam's first step at
the switch point ("theory": adameps.practical.eps_switch's factor_optimum, with the run's own g,
sigma and Hessian over the lm.one_step.P population windows from the practitioners' collector,
adameps.lm.run_stats -> adameps.torch_stats). Controls: the same runs without a switch ("stay"). Every arm uses the same replicates
(data seed, init seed), so the training-loss difference to "stay" at each step is paired. The
spike is the largest mean (over replicates) excess training loss over "stay" in the `window` steps
after the switch (a running mean over `smooth` steps). Writes results/lm/switch.npz and
results/lm_switch.json.
"""

import _common
import _lm

import numpy as np

from adameps import lm
from adameps.practical import eps_switch, prepare_inputs

L = _lm.load(snakemake)
log, c, cfg, R, train_tok = L.log, L.c, L.cfg, L.R, L.train
sc = c["switch"]
B = int(sc["B"])
eta = _lm.tuned_eta(L.sweeps, sc["log10_eps_from"], B)
eps_from, eps_to = 10.0 ** sc["log10_eps_from"], 10.0 ** sc["log10_eps_to"]
steps = lm.n_steps(c["token_budget"], B, cfg.ctx)
switch = int(round(sc["switch_frac"] * steps))
factors = {}
names = ("stay", "plain", "factor", "theory")  # one stacked pass: run a * R + r is replicate r of arm a
oc = c["one_step"]
pop = np.sort(np.random.default_rng(np.random.SeedSequence([0x4F4E45, oc["P"]])).choice(
    len(train_tok) - cfg.ctx - 1, size=oc["P"], replace=False))


def theory_factor(model, r):
    """eta*(eps_to) / eta*(eps_from) of the one-step theory (adam map) at run r's current point; nan
    where the Hessian's quadratic form along the mean update is not positive."""
    st, hvp = lm.run_stats(model, r, train_tok, pop, oc["n_probes"], seed=r)
    g, H, sigma, _ = prepare_inputs(st["g"], st["sigma"], st["hdiag"], hvp=hvp)
    try:
        return eps_switch(g, H, sigma, eps_from, eps_to, B, kind="adam")["factor_optimum"]
    except ValueError as exc:
        log.info("replicate %d: one-step theory undefined at the switch (%s)", r - 3 * R, exc)
        return np.nan


def factor_rule(model, opt, old, new):
    f = lm.eps_switch_lr_factor(opt, old, new)
    factors["factor"] = f[2 * R : 3 * R]
    factors["theory"] = np.array([theory_factor(model, r) for r in range(3 * R, 4 * R)])
    log.info("factors at the switch: update length %s, one-step theory %s", factors["factor"], factors["theory"])
    return np.concatenate([np.ones(2 * R), factors["factor"], np.nan_to_num(factors["theory"], nan=1.0)])


cpu0 = _lm.cpu_seconds()
out = lm.train_runs(cfg, train_tok, L.val, lr=[eta] * 4 * R, eps=[eps_from] * 4 * R, init_seed=L.inits * 4,
                    data_seed=L.datas * 4, batch_size=B, eval_steps=[switch], switch_step=switch,
                    eps_after=[eps_from] * R + [eps_to] * 3 * R, lr_factor_after=factor_rule, **L.train_kw)
arms = {a: {"train_loss": out["train_loss"][:, i * R : (i + 1) * R], "val_loss": out["val_loss"][i * R : (i + 1) * R],
            "diverged": out["diverged"][i * R : (i + 1) * R]} for i, a in enumerate(names)}
if np.any(arms["stay"]["diverged"]):
    raise SystemExit("lm_eps_switch: a run without a switch diverged at the tuned learning rate; "
                     "lower lm.switch.B's eta* or check the sweeps")
log.info("switch: %.1f cpu-s", _lm.cpu_seconds() - cpu0)
w, sm = int(sc["window"]), int(sc["smooth"])
kernel = np.ones(sm) / sm
v = _common.Values()
arrays = {"steps": steps, "switch": switch, "factor": factors["factor"], "theory_factor": np.nan_to_num(factors["theory"], nan=-1.0)}
for name in ("plain", "factor", "theory"):
    v.add(f"{name}_n_diverged", int(arms[name]["diverged"].sum()), f"({name}) runs that diverged after the switch (of {R})",
          fmt="int")
    # a diverged run's losses are capped at the divergence threshold (its learning rate was set to 0)
    d = np.minimum(np.nan_to_num(arms[name]["train_loss"], nan=np.inf), 2 * np.log(cfg.vocab)) - arms["stay"]["train_loss"]
    arrays[f"{name}_excess"] = d
    seg = d[switch : switch + w]
    smooth = np.stack([np.convolve(seg[:, r], kernel, mode="valid") for r in range(R)], axis=1)
    spike_r = smooth.max(axis=0)  # per replicate
    spike = smooth.mean(axis=1).max()
    v.add(f"{name}_spike", spike, f"switch eps 1e{sc['log10_eps_from']} -> 1e{sc['log10_eps_to']} ({name}): largest excess "
          f"training loss over no switch in {w} steps after the switch ({sm}-step running mean, mean over replicates), nats", digits=2)
    v.add(f"{name}_spike_se", spike_r.std(ddof=1) / np.sqrt(R) if R > 1 else 0.0,
          f"({name}) standard error over replicates of the per-replicate spike", digits=1)
    fe = np.minimum(arms[name]["val_loss"], 2 * np.log(cfg.vocab)) - arms["stay"]["val_loss"]
    v.add(f"{name}_final_excess", float(np.mean(fe)),
          f"({name}) final validation loss minus that of no switch (mean over replicates; diverged runs at the cap 2 ln V)", digits=2)
    v.add(f"{name}_final_excess_se", float(np.std(fe, ddof=1) / np.sqrt(R)) if R > 1 else 0.0,
          f"({name}) its standard error over replicates", digits=1)
    arrays[f"{name}_val_loss"] = np.minimum(arms[name]["val_loss"], 2 * np.log(cfg.vocab))
arrays["stay_val_loss"] = arms["stay"]["val_loss"]
v.add("lr_factor_mean", float(np.mean(factors["factor"])), "mean learning-rate factor of the 'factor' arm at the switch", digits=3)
ok_th = np.isfinite(factors["theory"])
v.add("theory_factor_mean", float(np.mean(factors["theory"][ok_th])) if ok_th.any() else 1.0,
      "mean one-step-theory factor eta*(eps_to)/eta*(eps_from) at the switch (over replicates where it is defined)", digits=3)
v.add("theory_factor_undefined", int((~ok_th).sum()), "replicates whose one-step theory had no positive denominator (factor 1 used)", fmt="int")
v.add("b", B, "batch size of the eps-switch runs", fmt="int")
v.add("eps_from", eps_from, "eps before the switch", fmt="sci", digits=1)
v.add("eps_to", eps_to, "eps after the switch", fmt="sci", digits=1)
v.add("steps", steps, "steps of the eps-switch runs", fmt="int")
v.add("switch_step", switch, "step after which eps is switched", fmt="int")
v.add("eta", eta, "learning rate of the eps-switch runs (tuned eta* at eps_from)")
v.add("stay_val_loss", float(np.mean(arms["stay"]["val_loss"])), "final validation loss without a switch")
_common.write_npz(snakemake.output.npz, **arrays)
_common.write_results(snakemake.output.json, namespace="lmswitch", snakemake=snakemake, script=__file__, values=v,
                      params={"switch": sc})
