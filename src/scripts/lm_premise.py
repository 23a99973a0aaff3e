"""Rule `lm_premise`: does eps dominate, and when? (the post's premise, measured)

Trains the language model at batch size lm.premise.B with eps in lm.premise.log10_eps_train, each
at its tuned learning rate from the sweeps, `replicates` replicates. At checkpoints (log-spaced
steps) it records, per parameter type, the share of coordinates with sqrt(v_hat) < eps for each eps
of lm.premise.log10_thresholds, and, from K extra minibatches of size B at the checkpoint, the
distributions of |g| (mean of the K minibatch gradients), sigma/sqrt(B) (their standard deviation)
and sqrt(v_hat): the practitioners' collector (adameps.torch_stats.gradient_stats) with micro-batches
of B windows, whose sigma^2 = B Var_k(minibatch gradient). Writes results/lm/premise.npz and results/lm_premise.json.
"""

import _common
import _lm

import numpy as np

from adameps import lm
from adameps import torch_stats as ts

L = _lm.load(snakemake)
log, c, cfg, R, inits, datas, train_tok, torch = L.log, L.c, L.cfg, L.R, L.inits, L.datas, L.train, L.torch
pc = c["premise"]
B = int(pc["B"])
thr = 10.0 ** np.asarray(pc["log10_thresholds"], dtype=float)
steps = lm.n_steps(c["token_budget"], B, cfg.ctx)
ck = np.unique(np.round(np.geomspace(1, steps, pc["n_checkpoints"])).astype(int))
types = list(lm.PARAM_TYPES)
qs = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
bins = np.linspace(-12, 1, 105)  # log10 histogram bins
arrays = {"checkpoints": ck, "thresholds": thr, "quantiles": qs, "bins": bins, "steps": steps}
v = _common.Values()
cpu0 = _lm.cpu_seconds()
for l10 in pc["log10_eps_train"]:
    eta, eps = _lm.tuned_eta(L.sweeps, l10, B), 10.0 ** l10
    shares = np.zeros((ck.size, R, len(types), thr.size))
    quant = np.zeros((ck.size, 3, len(types), qs.size))  # |g|, sigma/sqrt(B), sqrt(v_hat); replicate 0
    hist = np.zeros((ck.size, 3, len(types), bins.size - 1))
    noise_dom = np.zeros((ck.size, len(types)))  # share of coordinates with sigma/sqrt(B) > |g|

    def cb(step, model, opt):
        if step not in ck:
            return
        i = int(np.searchsorted(ck, step))
        sv = {n: opt.sqrt_vhat(n) for n in model.params}
        for r in range(R):
            s = lm.type_shares({n: x[r] for n, x in sv.items()}, thr)
            shares[i, r] = [s[t] for t in types]
        offs = lm.batch_offsets(10_000 + step, len(train_tok), B, cfg.ctx, pc["K"])  # (K, B): a separate stream
        mod = lm.run_module(model, 0)
        gs = ts.gradient_stats(mod, lm.window_loss, lm.window_batches(train_tok, offs.ravel(), cfg.ctx, size=offs.size),
                               per_example="microbatch", micro_batch=B)
        layout = ts.parameter_layout(mod)
        for j, t in enumerate(types):
            sel = np.concatenate([np.arange(d["start"], d["stop"]) for d in layout if lm.param_type(d["name"]) == t])
            names = [d["name"] for d in layout if lm.param_type(d["name"]) == t]
            g = np.abs(gs["g"][sel])
            sd = gs["sigma"][sel] / np.sqrt(B)
            vh = torch.cat([sv[n][0].reshape(-1) for n in names]).double().numpy()
            for a, x in enumerate((g, sd, vh)):
                quant[i, a, j] = np.quantile(x, qs)
                hist[i, a, j] = np.histogram(np.log10(np.maximum(x, 1e-30)), bins=bins)[0] / x.size
            noise_dom[i, j] = np.mean(sd > g)

    out = lm.train_runs(cfg, train_tok, L.val, lr=[eta] * R, eps=[eps] * R, init_seed=inits, data_seed=datas,
                        batch_size=B, eval_steps=ck.tolist(), callback=cb, **L.train_kw)
    tag = f"e{abs(l10)}"
    arrays.update({f"{tag}_shares": shares, f"{tag}_quant": quant, f"{tag}_hist": hist,
                   f"{tag}_noise_dom": noise_dom, f"{tag}_val_curve": out["val_curve"], f"{tag}_eval_steps": out["eval_steps"]})
    mean_sh = shares.mean(1)  # (ck, type, thr)
    stage = {"early": int(np.searchsorted(ck, max(1, steps // 10))), "mid": int(np.searchsorted(ck, steps // 2)),
             "end": ck.size - 1}
    for th_i, th in enumerate(pc["log10_thresholds"]):
        for j, t in enumerate(types):
            for sname, si in stage.items():
                v.add(f"{tag}_{t}_thr{abs(th)}_{sname}", mean_sh[si, j, th_i],
                      f"run with eps=1e{l10}: share of {t} coordinates with sqrt(v_hat) < 1e{th} at the {sname} "
                      f"checkpoint (step {ck[si]} of {steps}), mean over replicates", fmt="pct", digits=2)
            v.add(f"{tag}_{t}_thr{abs(th)}_max", mean_sh[:, j, th_i].max(),
                  f"run with eps=1e{l10}: largest share over the checkpoints of {t} coordinates with sqrt(v_hat) < 1e{th}",
                  fmt="pct", digits=2)
    for j, t in enumerate(types):
        v.add(f"{tag}_{t}_sqrtv_median_end", quant[-1, 2, j, 2], f"run with eps=1e{l10}: median sqrt(v_hat) of {t} at the end")
        v.add(f"{tag}_{t}_sqrtv_p5_end", quant[-1, 2, j, 0], f"run with eps=1e{l10}: 5% quantile of sqrt(v_hat) of {t} at the end")
        v.add(f"{tag}_{t}_noise_median_end", quant[-1, 1, j, 2], f"run with eps=1e{l10}: median sigma/sqrt(B) of {t} at the end")
        v.add(f"{tag}_{t}_g_median_end", quant[-1, 0, j, 2], f"run with eps=1e{l10}: median |g| of {t} at the end (mean of K minibatch gradients)")
        v.add(f"{tag}_{t}_noise_dominated_end", noise_dom[-1, j], f"run with eps=1e{l10}: share of {t} coordinates with sigma/sqrt(B) > |g| at the end", fmt="pct", digits=2)
    v.add(f"{tag}_val_loss", float(np.mean(out["val_loss"])), f"run with eps=1e{l10}: final validation loss (mean over replicates)")
    v.add(f"{tag}_eta", eta, f"run with eps=1e{l10}: its learning rate (the tuned eta* at B)")
    log.info("eps=%g: done, val loss %s", eps, out["val_loss"])
v.add("b", B, "batch size of the premise runs (sequences)", fmt="int")
v.add("steps", steps, "steps of the premise runs", fmt="int")
v.add("k", pc["K"], "minibatches per checkpoint for g and sigma", fmt="int")
log.info("premise: %.1f cpu-s", _lm.cpu_seconds() - cpu0)
_common.write_npz(snakemake.output.npz, types=np.array(types), **arrays)
_common.write_results(snakemake.output.json, namespace="lmpremise", snakemake=snakemake, script=__file__, values=v,
                      params={"premise": pc})
