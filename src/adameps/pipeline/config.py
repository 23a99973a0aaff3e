"""Checks on the pipeline configuration that JSON Schema cannot express.

JSON Schema's ``minimum``/``maximum`` compare with ``<``, and every comparison with
NaN is false, so a NaN passes any range check.  The Snakefile therefore runs
:func:`check_finite` after ``validate`` and before any rule is scheduled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def iter_leaves(obj, path=""):
    """Yield ``(dotted.key.path, value)`` for every scalar in a nested mapping/list."""
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from iter_leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, Sequence) and not isinstance(obj, (str, bytes)):
        for i, v in enumerate(obj):
            yield from iter_leaves(v, f"{path}[{i}]")
    else:
        yield path, obj


def check_finite(config: Mapping) -> None:
    """Raise ``ValueError`` naming the first key whose value is a NaN or infinite float."""
    for path, value in iter_leaves(config):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"config key '{path}' must be a finite number, got {value!r}")


def _get(config: Mapping, dotted: str):
    node = config
    for part in dotted.split("."):
        node = node[part]
    return node


def check_less(config: Mapping, lower: str, upper: str) -> None:
    """Raise ``ValueError`` naming both keys unless ``config[lower] < config[upper]`` (dotted key paths)."""
    lo, hi = _get(config, lower), _get(config, upper)
    if not lo < hi:
        raise ValueError(f"config key '{lower}' ({lo!r}) must be less than '{upper}' ({hi!r})")
