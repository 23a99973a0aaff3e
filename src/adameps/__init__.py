"""adameps: how Adam's epsilon changes the learning-rate / batch-size scaling law.

Pure, vectorised numpy/scipy functions (no file I/O).  Symbols follow the paper:
``a = g*sqrt(B)/sigma``, ``b = eps*sqrt(B)/sigma``, ``m1``, ``m2``, ``eta_star``,
``kappa2``, ``beta``.

The public API, for a model's measured ``g``, ``sigma`` and Hessian ``H`` (an (N, N) array, a 1-D
diagonal or a :class:`Hessian` operator):

>>> import adameps
>>> g, sigma, hdiag = [0.1, -0.2, 0.05], [1.0, 2.0, 0.5], [1.0, 2.0, 3.0]
>>> adameps.eta_star(g, hdiag, sigma, 1e-8, [16, 256]).round(4)
array([0.0181, 0.0519])
>>> round(adameps.eps_switch(g, hdiag, sigma, 1e-8, 1.0, 64)["factor_progress"], 4)
2.5376

The moments m1, m2 of the update maps are ``adameps.moments.moments(kind, a, b)`` (not
re-exported here: the name would hide the module ``adameps.moments``).

PyTorch statistics (``g``, ``sigma``, ``diag H`` of an ``nn.Module``) are in
:mod:`adameps.torch_stats` (imports torch; not imported here).  Command line: ``adameps --help``.
"""

from adameps.hessian import Hessian, as_hessian
from adameps.optimal_lr import (
    SURGE_MIN_STRENGTH,
    b_noise,
    eta_star,
    eta_star_limit_large_B,
    eta_star_mean_field,
    eta_star_sgd,
    one_step_terms,
    surge_peak,
    surge_strength,
)
from adameps.practical import eps_switch, predict, prepare_inputs

__version__ = "0.1.0"

__all__ = [
    "Hessian",
    "as_hessian",
    "eta_star",
    "eta_star_sgd",
    "eta_star_mean_field",
    "eta_star_limit_large_B",
    "one_step_terms",
    "b_noise",
    "surge_peak",
    "surge_strength",
    "SURGE_MIN_STRENGTH",
    "prepare_inputs",
    "predict",
    "eps_switch",
]
