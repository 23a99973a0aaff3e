"""Rule `scurves`: erf and the post's two S-curve approximations, with their exact worst errors.

Writes results/scurves.json (named scalars -> paper macros) and results/scurves.npz (curves).
"""

import _common

import numpy as np
from scipy import special

from adameps import scurves

log = _common.setup(snakemake)
p = snakemake.params

x = np.linspace(-p.x_max, p.x_max, p.n_grid)
curves = {"x": x, "erf": special.erf(x)}
values = {
    "erf_slope": _common.value(scurves.ERF_SLOPE, "slope k = 2/sqrt(pi) of erf at 0", digits=4),
}
worst_by_kind = {}
for kind in scurves.ERF_APPROXIMATIONS:
    curves[kind] = scurves.erf_approx(kind, x)
    worst = worst_by_kind[kind] = scurves.erf_approx_max_error(kind)
    log.info("%s: max |error| = %.17g at x = %.17g", kind, worst.abs_error, worst.x)
    values[f"{kind}_max_abs_error"] = _common.value(
        worst.abs_error, f"max over the real line of |{kind} approximation - erf(x)|", digits=3
    )
    values[f"{kind}_argmax"] = _common.value(
        worst.x, f"x > 0 where the {kind} approximation's error is largest (odd: also at -x)", digits=3
    )
    values[f"{kind}_max_signed_error"] = _common.value(
        worst.signed_error, "approx - erf at that x (sign says which side the approximation errs)", digits=3
    )

values["clip_to_softsign_error_ratio"] = _common.value(
    worst_by_kind["clip"].abs_error / worst_by_kind["softsign"].abs_error,
    "worst error of the clip form divided by the worst error of the softsign form",
    digits=2,
)

_common.write_results(
    snakemake.output.json, namespace="scurves", snakemake=snakemake, script=__file__, values=values
)
_common.write_npz(snakemake.output.npz, **curves)
