"""Rule `lm_sqrt_rule`: Malladi et al.'s square-root rule on the language model.

Reference: the largest batch size B_ref of lm.sqrt_rule.B, eps_ref = 10^log10_eps_ref, its tuned
eta*(B_ref, eps_ref) from the sweeps, beta1/beta2 of the config. At batch size B (kappa = B/B_ref):
eta = eta_ref sqrt(kappa), 1 - beta = (1 - beta_ref) kappa, and eps = eps_ref / sqrt(kappa) ("rule"),
or eps = eps_ref at every B ("fixed"), or eps = 1e-8 ("tiny": eps negligible, so only eta and beta
scale). All at the same token budget; the validation loss is recorded at the same fractions of
training (the same number of tokens) for every B. Collapse: the spread (max - min over B) of the
replicate-mean validation loss at those points. Writes results/lm/sqrt_rule.npz and
results/lm_sqrt_rule.json.
"""

import _common
import _lm

import numpy as np

from adameps import lm

L = _lm.load(snakemake)
log, c, cfg, R = L.log, L.c, L.cfg, L.R
qc = c["sqrt_rule"]
Bs = sorted(int(b) for b in qc["B"])
B_ref = Bs[-1]
eps_ref = 10.0 ** qc["log10_eps_ref"]
eta_ref = _lm.tuned_eta(L.sweeps, qc["log10_eps_ref"], B_ref)
fracs = np.asarray(qc["fractions"], dtype=float)
arms = ("rule", "fixed", "tiny")
curves = np.zeros((len(arms), len(Bs), fracs.size, R))
cpu0 = _lm.cpu_seconds()
for i, B in enumerate(Bs):
    kappa = B / B_ref
    steps = lm.n_steps(c["token_budget"], B, cfg.ctx)
    at = np.maximum(1, np.round(fracs * steps)).astype(int)
    eps_arm = {"rule": eps_ref / np.sqrt(kappa), "fixed": eps_ref, "tiny": 1e-8}
    eps = np.concatenate([[eps_arm[a]] * R for a in arms])
    kw = {**L.train_kw, "beta1": 1 - (1 - c["beta1"]) * kappa, "beta2": 1 - (1 - c["beta2"]) * kappa}
    out = lm.train_runs(cfg, L.train, L.val, lr=[eta_ref * np.sqrt(kappa)] * (3 * R), eps=eps,
                        init_seed=L.inits * 3, data_seed=L.datas * 3, batch_size=B, eval_steps=at.tolist(), **kw)
    idx = np.searchsorted(out["eval_steps"], at)
    curves[:, i] = out["val_curve"][idx].reshape(fracs.size, 3, R).transpose(1, 0, 2)
    log.info("B=%d: final val loss rule %.4f fixed %.4f tiny %.4f", B, *curves[:, i, -1].mean(-1))
log.info("sqrt rule: %.1f cpu-s", _lm.cpu_seconds() - cpu0)
# A diverged run (+inf) is left out of the means and counted; a B all of whose replicates diverged
# is left out of the spread.
diverged = ~np.isfinite(curves[..., -1, :])  # (arm, B, R)
fin = np.where(np.isfinite(curves), curves, np.nan)
ok_B = ~np.all(diverged, axis=-1)  # (arm, B)
mean = np.stack([np.nanmean(fin[a][ok_B[a]], axis=-1) for a in range(len(arms))])  # (arm, B', frac)
spread = mean.max(1) - mean.min(1)  # (arm, frac)
per_rep = np.nanmax(fin, axis=1) - np.nanmin(fin, axis=1)  # (arm, frac, R)
late = fracs >= qc["from_fraction"]
v = _common.Values()
for a, name in enumerate(arms):
    s_r = np.nan_to_num(per_rep[a][late].mean(0))
    v.add(f"{name}_n_diverged", int(diverged[a].sum()), f"{name} arm: diverged runs (of {diverged[a].size})", fmt="int")
    v.add(f"{name}_spread", spread[a][late].mean(), f"{name} arm: spread (max - min over B) of the validation loss, mean over "
          f"the checkpoints from {qc['from_fraction']} of training on", digits=2)
    v.add(f"{name}_spread_se", s_r.std(ddof=1) / np.sqrt(R) if R > 1 else 0.0,
          f"{name} arm: standard error of that spread over replicates (per-replicate spreads)", digits=1)
    v.add(f"{name}_final_spread", spread[a][-1], f"{name} arm: spread of the final validation loss over B", digits=2)
v.add("fixed_over_rule", spread[1][late].mean() / spread[0][late].mean(), "spread with fixed eps / spread with the rule", digits=2)
v.add("b_ref", B_ref, "reference batch size of the square-root rule", fmt="int")
v.add("eta_ref", eta_ref, "reference learning rate (tuned eta* at B_ref, eps_ref)")
v.add("eps_ref", eps_ref, "reference eps", fmt="sci", digits=1)
v.add("eps_rule_bmin", eps_ref / np.sqrt(Bs[0] / B_ref), "eps of the rule at the smallest B", fmt="sci", digits=2)
_common.write_npz(snakemake.output.npz, B=np.array(Bs), fractions=fracs, curves=np.nan_to_num(curves, posinf=-1.0), arms=np.array(arms))
_common.write_results(snakemake.output.json, namespace="lmsqrt", snakemake=snakemake, script=__file__, values=v,
                      params={"sqrt_rule": qc})
