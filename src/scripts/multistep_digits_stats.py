"""Rule `multistep_digits_stats`: the measured per-coordinate statistics of a digits training arm at each of
its initial points, for the multi-step theory's diagonal model (rules/multistep.smk).

At every distinct initial point of the arm's seeds (the sweep's `init_seeds`), the theory inputs of the
training section (adameps.theory_inputs.arm_inputs: full-batch gradient g, per-example gradient standard
deviation sigma, Hessian H: exact for softmax regression, finite differences with eigenvalues floored for
the MLP) and the diagonal of H. The statistics do not depend on eps: one job per arm, read from the arm's
first sweep (its settings and initial points).
Writes results/multistep/<arm>_stats.npz: g, sigma, h_diag (concatenated over the points), point (the
index of each coordinate's point), init_points, n_seeds (seeds starting at each point).
"""

import _common


import numpy as np

from adameps import digits
from adameps import theory_inputs as ti

log = _common.setup(snakemake)
sweep = _common.read_json(snakemake.input.sweep)
cfg, model = sweep["params"]["problem"], sweep["model"]
extra = {"hidden": cfg["hidden"]} if model == "mlp" else {"init_scale": cfg.get("init_scale", 0.0)}
points, counts = np.unique(np.asarray(sweep["init_seeds"], int), return_counts=True)
data = digits.load_digits_data()
parts = []
for p in points:
    inp = ti.arm_inputs(data, model, int(p), l2=cfg["l2"], **extra)
    hd = np.diag(inp.H).copy()
    log.info("%s, init point %d: %d live coordinates, diag H in [%.3g, %.3g], %s", sweep["problem"], p,
             hd.size, hd.min(), hd.max(), inp.info)
    parts.append((inp.g, inp.sigma, hd))
_common.write_npz(snakemake.output[0], g=np.concatenate([x[0] for x in parts]),
                  sigma=np.concatenate([x[1] for x in parts]), h_diag=np.concatenate([x[2] for x in parts]),
                  point=np.concatenate([np.full(x[0].size, i) for i, x in enumerate(parts)]),
                  init_points=points, n_seeds=counts)
