"""Every docstring example of the library runs and prints what it shows (numpydoc 'Examples')."""

import doctest
import importlib
import pkgutil

import pytest
from conftest import require_torch

import adameps

MODULES = sorted(m.name for m in pkgutil.iter_modules(adameps.__path__, "adameps.") if m.name != "adameps.__main__")


@pytest.mark.parametrize("name", ["adameps", *MODULES])
def test_doctests(name):
    if name == "adameps.torch_stats":
        require_torch()
    module = importlib.import_module(name)
    res = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert res.failed == 0, f"{res.failed} of {res.attempted} doctest examples failed in {name}"


def test_the_public_api_has_examples():
    """The functions exported at top level carry a runnable example."""
    missing = [n for n in adameps.__all__ if callable(getattr(adameps, n)) and n != "SURGE_MIN_STRENGTH"
               and ">>>" not in (getattr(adameps, n).__doc__ or "")]
    assert not missing, f"public functions without a doctest example: {missing}"


def test_top_level_names_do_not_hide_submodules():
    """`import adameps.x` must keep working: no exported name equals a submodule's name."""
    subs = {m.name.rsplit(".", 1)[1] for m in pkgutil.iter_modules(adameps.__path__, "adameps.")}
    assert not subs & set(adameps.__all__)
    for name in subs - {"__main__", "torch_stats", "cli"}:
        assert importlib.import_module(f"adameps.{name}").__name__ == f"adameps.{name}"
