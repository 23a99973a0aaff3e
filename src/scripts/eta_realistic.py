"""Rule `eta_realistic`: where realistic eps values (PyTorch 1e-8, LLaMA 2 1e-5, 1e-3) sit against the
gradient scale of each problem family, and how much they move eta_star away from SignSGD's (eps = 0).

Writes results/eta_realistic.json (named values -> macros, and the cells of table_eta_realistic).
"""

import _common

import numpy as np

from adameps import optimal_lr as ol
from adameps import problems

log = _common.setup(snakemake)
p = snakemake.params
B_sweep = np.logspace(p.B["log10_min"], p.B["log10_max"], p.B["n"])
B_table = np.asarray(p.realistic["B"], float)

values = _common.Values(digits=2)
v = values.add
v("n_eps", len(p.realistic["eps"]), "number of realistic eps values", "int")
v("n_b", len(B_table), "number of batch sizes in the realistic-eps table", "int")
for j, B in enumerate(B_table):
    v(f"b{j}", B, f"batch size {j} of the realistic-eps table", "sci", 1)
for k, e in enumerate(p.realistic["eps"]):
    v(f"e{k}", e, f"realistic eps number {k}", "sci", 1)
for family in p.families:
    problem = getattr(problems, family)(**p.problems[family])
    g, H, sigma = problem.arrays()
    v(f"{family}_median_abs_g", float(np.median(np.abs(g))), f"{family}: median |g_i|", "sci", 2)
    v(f"{family}_median_sigma", float(np.median(sigma)), f"{family}: median sigma_i", "sci", 2)
    eta0 = ol.eta_star(g, H, sigma, 0.0, B_sweep, kind="sign")
    eta0_table = ol.eta_star(g, H, sigma, 0.0, B_table, kind="sign")
    for k, e in enumerate(p.realistic["eps"]):
        frac_grad, frac_noise = ol.eps_fractions(g, sigma, e, B_table)
        key = f"{family}_e{k}"
        # Batch size above which eps exceeds the minibatch noise sigma/sqrt(B) of the median coordinate.
        v(f"{key}_b_cross", float((np.median(sigma) / e) ** 2),
          f"{family}, eps = {e:g}: B above which eps > median(sigma)/sqrt(B)", "sci", 1)
        v(f"{key}_frac_grad", frac_grad, f"{family}, eps = {e:g}: fraction of coordinates with eps > |g_i|", "pct", 2)
        change = np.abs(ol.eta_star(g, H, sigma, e, B_table) / eta0_table - 1)
        for j, B in enumerate(B_table):
            v(f"{key}_b{j}_frac_noise", float(frac_noise[j]),
              f"{family}, eps = {e:g}, B = {B:g}: fraction of coordinates with eps > sigma_i/sqrt(B)", "pct", 2)
            v(f"{key}_b{j}_change", float(change[j]),
              f"{family}, eps = {e:g}, B = {B:g}: |eta_star(eps)/eta_star(0) - 1|", "sci", 1)
        change_max = float(np.max(np.abs(ol.eta_star(g, H, sigma, e, B_sweep) / eta0 - 1)))
        v(f"{key}_max_change", change_max,
          f"{family}, eps = {e:g}: max over the sweep's B of |eta_star(eps)/eta_star(0) - 1|", "sci", 1)
        log.info("%s eps=%g: frac_grad=%.3g frac_noise=%s max change %.3g", family, e, frac_grad, frac_noise,
                 change_max)

_common.write_results(snakemake.output.json, namespace="eta_realistic", snakemake=snakemake,
                      script=__file__, values=values)
