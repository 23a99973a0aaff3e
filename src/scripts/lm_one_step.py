"""Rule `lm_one_step`: the one-step theory in its own setting, at checkpoints of a real run.

A run (eps = 1e-8, batch size lm.premise.B, its tuned learning rate, replicate 0) is stopped at the
fractions lm.one_step.fractions of training. At each checkpoint theta the objective is the mean
loss L over P fixed training windows (the "population"); minibatches are B of those windows drawn
with replacement, so the minibatch gradient has mean g (the population gradient) and per-coordinate
variance sigma^2/B (sigma: the population standard deviation of the per-window gradients), exactly
the theory's noise model except for Gaussianity. Measured: the optimal learning rate of one
fresh Adam step theta - eta g~/(|g~| + eps) (bias-corrected Adam's first step, the `adam` map),
minimising the mean of L(theta') over K minibatches (the same K for every eta), bracketed and
refined (adameps.lr_fit.bracket_and_refine). Theory: the exact one-step optimum
eta* = m1.g / (m1^T H m1 + sum_i (m2_i - m1_i^2) H_ii) of the adam map
(adameps.optimal_lr.one_step_terms; moments by the fast path, within 1e-10 relative of the exact
algorithms), its inputs from the practitioners' collector
(adameps.lm.run_stats -> adameps.torch_stats: g, sigma from per-window gradients, diag H by
Hutchinson, m1^T H m1 from exact Hessian-vector products; adameps.practical.prepare_inputs drops
coordinates without noise and floors diag H). Writes results/lm/one_step.json and
results/lm_one_step.json.
"""


import _common
import _lm

import json
import math

import numpy as np

from adameps import lm
from adameps import torch_stats as ts
from adameps.lr_fit import bracket_and_refine
from adameps.optimal_lr import one_step_terms
from adameps.practical import prepare_inputs

L = _lm.load(snakemake)
log, c, cfg, torch, train_tok = L.log, L.c, L.cfg, L.torch, L.train
oc, pc = c["one_step"], c["premise"]
B_run = int(pc["B"])
eta_run = _lm.tuned_eta(L.sweeps, -8, B_run)
steps = lm.n_steps(c["token_budget"], B_run, cfg.ctx)
ck = sorted({max(1, int(round(f * steps))) for f in oc["fractions"]})
saved = {}


def keep(step, model, opt):
    if step in ck:
        saved[step] = {n: p.detach().clone() for n, p in model.params.items()}


lm.train_runs(cfg, train_tok, L.val, lr=[eta_run], eps=[1e-8], init_seed=[0], data_seed=[0], batch_size=B_run,
              eval_steps=ck, callback=keep, **L.train_kw)
P, K = int(oc["P"]), int(oc["K"])
rng = np.random.default_rng(np.random.SeedSequence([0x4F4E45, P]))
pop = np.sort(rng.choice(len(train_tok) - cfg.ctx - 1, size=P, replace=False))
xp, yp = lm.make_batch(train_tok, pop[None, :], cfg.ctx)
names = list(saved[ck[0]])
rows = []
cpu0 = _lm.cpu_seconds()
for step in ck:
    model = lm.StackedGPT.from_params(cfg, saved[step], device=c["device"])
    st, hvp = lm.run_stats(model, 0, train_tok, pop, oc["n_probes"], seed=step)
    g, H, sigma, info = prepare_inputs(st["g"], st["sigma"], st["hdiag"], hvp=hvp)
    mod = lm.run_module(model, 0)
    flat = torch.from_numpy(np.concatenate([ts.per_example_gradients(mod, lm.window_loss, b)
                                            for b in lm.window_batches(train_tok, pop, cfg.ctx)]))  # (P, N)
    shapes = [tuple(model.params[n].shape[1:]) for n in names]
    sizes = [int(np.prod(sh)) for sh in shapes]
    for B in oc["B"]:
        draws = rng.integers(0, P, size=(K, int(B)))
        gt = flat[torch.from_numpy(draws)].mean(1)  # (K, N) minibatch gradients
        for l10 in oc["log10_eps"]:
            eps = 10.0 ** l10
            try:
                (S,), (D,) = one_step_terms(g, H, sigma, eps, [int(B)], kind="adam", method="fast")
                eta_th = S / D if D > 0 else float("nan")
            except ValueError as exc:  # m1^T H m1 <= 0: no one-step optimum along the mean update
                log.info("step %d B=%d eps=1e%d: theory undefined (%s)", step, B, l10, exc)
                S = D = eta_th = float("nan")
            U = (gt / (gt.abs() + eps)).float()  # (K, N): Adam's first step

            def train(lrs, U=U, model=model):
                lrs = np.asarray(lrs, dtype=float)
                params = {}
                off = 0
                for n, shp, sz in zip(names, shapes, sizes):
                    base = model.params[n][0].detach()
                    u = U[:, off : off + sz].reshape(K, *shp)
                    params[n] = torch.cat([base[None] - float(lr) * u for lr in lrs])
                    off += sz
                with torch.no_grad():
                    Ls = []
                    for s0 in range(0, lrs.size * K, 32):  # chunks of 32 stacked candidates
                        chunk = {n: p[s0 : s0 + 32] for n, p in params.items()}
                        r = next(iter(chunk.values())).shape[0]
                        Ls.append(model.loss(xp.expand(r, -1, -1), yp.expand(r, -1, -1), params=chunk).double())
                    Lk = torch.cat(Ls).numpy().reshape(lrs.size, K)
                return np.where(np.isfinite(Lk), Lk, np.inf)

            centre = eta_th if math.isfinite(eta_th) and eta_th > 0 else eta_run
            fit, lrs, losses = bracket_and_refine(train, centre, n_initial=oc["n_initial"], ratio=oc["ratio"],
                                                  max_extend=oc["max_extend"], refine_ratio=c["sweep"]["refine_ratio"],
                                                  n_boot=oc["n_boot"], seed=step)
            L0 = float(model.loss(xp, yp).detach().double()[0])
            rows.append({"step": step, "B": int(B), "log10_eps": l10, "eta_measured": fit.eta, "flag": fit.flag,
                         "log_eta_se": fit.log_eta_se if math.isfinite(fit.log_eta_se) else None,
                         "eta_theory": eta_th if math.isfinite(eta_th) else None,
                         "S": S if math.isfinite(S) else None, "D": D if math.isfinite(D) else None, "loss0": L0, "best_decrease": L0 - float(np.mean(losses[fit.index])),
                         "n_lr": int(lrs.size)})
            log.info("step %d B=%d eps=1e%d: measured %.4g (%s), theory %.4g", step, B, l10, fit.eta, fit.flag, eta_th)
    for r in rows:
        if r["step"] == step:
            r["hdiag_negative_fraction"] = float(np.mean(st["hdiag"][st["sigma"] > 0] < 0))
            r["hdiag_floored_fraction"] = info["n_floored"] / info["n"]
log.info("one-step analysis: %.1f cpu-s", _lm.cpu_seconds() - cpu0)
ok = [r for r in rows if r["eta_theory"] is not None and r["flag"] == "ok"]
lr_ = np.array([math.log(r["eta_measured"] / r["eta_theory"]) for r in ok]) if ok else np.array([0.0])
v = _common.Values()
v.add("n_settings", len(rows), "checkpoint x B x eps settings of the one-step test", fmt="int")
v.add("n_compared", len(ok), "settings with a bracketed measurement and a positive theory denominator", fmt="int")
v.add("median_abs_log_ratio", float(np.median(np.abs(lr_))), "median |log(measured / theory)| of the one-step optimum", digits=2)
v.add("max_abs_log_ratio", float(np.max(np.abs(lr_))), "largest |log(measured / theory)|", digits=2)
v.add("mean_log_ratio", float(np.mean(lr_)), "mean log(measured / theory)", digits=2)
v.add("within_factor_two", float(np.mean(np.abs(lr_) < math.log(2))), "share of settings within a factor two", fmt="pct", digits=2)
v.add("hdiag_negative_fraction_end", rows[-1]["hdiag_negative_fraction"], "share of negative Hutchinson diag H entries at the last checkpoint", fmt="pct", digits=2)
v.add("p", P, "population windows of the one-step objective", fmt="int")
v.add("k", K, "minibatches per learning rate", fmt="int")
for j, step in enumerate(ck):
    sel = [math.log(r["eta_measured"] / r["eta_theory"]) for r in ok if r["step"] == step]
    if sel:
        v.add(f"ck{j}_median_abs_log_ratio", float(np.median(np.abs(sel))), f"median |log ratio| at checkpoint {j} (step {step})", digits=2)
    v.add(f"ck{j}_step", step, f"step of checkpoint {j}", fmt="int")
_common.write_bytes(snakemake.output.rows, (json.dumps({"steps": steps, "checkpoints": ck, "rows": rows}, indent=1, sort_keys=True) + "\n").encode())
_common.write_results(snakemake.output.json, namespace="lmonestep", snakemake=snakemake, script=__file__, values=v,
                      params={"one_step": oc})
