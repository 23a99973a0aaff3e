"""adameps: how Adam's epsilon changes the learning-rate / batch-size scaling law.

Pure, vectorised numpy/scipy functions (no file I/O).  Symbols follow the paper:
``a = g*sqrt(B)/sigma``, ``b = eps*sqrt(B)/sigma``, ``m1``, ``m2``, ``eta_star``,
``kappa2``, ``beta``.
"""

__version__ = "0.1.0"
