"""The docstring examples of the library run and give what they show (numpydoc ``Examples`` sections).

Every module's doctests run here.  The modules of ``DOCUMENTED`` must also give every public
function and class (``__all__``) an ``Examples`` section with at least one ``>>>`` line; a module
joins the list once all of its public names have one.
"""

import doctest
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from conftest import require_torch

import adameps

# adameps.__main__ runs the command line when imported: no examples there.
MODULES = sorted(m.name for m in pkgutil.walk_packages(adameps.__path__, "adameps.") if m.name != "adameps.__main__")
DOCUMENTED = [
    "adameps.update_maps",
    "adameps.moments",
    "adameps.scurves",
    "adameps.approx",
    "adameps.problems",
    "adameps.measure",
    "adameps.montecarlo",
    "adameps.optimizers",
    "adameps.training",
    "adameps.digits",
    "adameps.lr_fit",
    "adameps.one_step_mc",
    "adameps.pipeline.archive",
    "adameps.pipeline.latexlog",
    "adameps.pipeline.numbers",
    "adameps.hessian",
    "adameps.practical",
    "adameps.optimal_lr",
    "adameps.theory_inputs",
    "adameps.pipeline.config",
    "adameps.plotting",
    "adameps.moments_fast",
]


# Modules whose examples build torch models: skipped where the set-up left torch out (`make TORCH=0`,
# the fast subset under a second Python), a failure under CI otherwise (conftest.require_torch).
TORCH_MODULES = {"adameps.torch_stats", "adameps.lm"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    if name in TORCH_MODULES:
        require_torch()
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with np.printoptions(legacy=False):
        for test in finder.find(module, name, globs={"np": np, **vars(module)}):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} fail (run: python -m doctest -v)"


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_public_name_has_an_example(name):
    module = importlib.import_module(name)
    missing = [n for n in module.__all__
               if (inspect.isfunction(getattr(module, n)) or inspect.isclass(getattr(module, n)))
               and ">>>" not in (inspect.getdoc(getattr(module, n)) or "")]
    assert not missing, f"{name}: no Examples section in {missing}"


def test_the_top_level_api_has_examples():
    """The functions and classes exported by ``import adameps`` carry a runnable example."""
    missing = [n for n in adameps.__all__ if callable(getattr(adameps, n))
               and ">>>" not in (inspect.getdoc(getattr(adameps, n)) or "")]
    assert not missing, f"public functions without a doctest example: {missing}"


def test_top_level_names_do_not_hide_submodules():
    """`import adameps.x` must keep working: no exported name equals a submodule's name."""
    subs = {m.name.rsplit(".", 1)[1] for m in pkgutil.iter_modules(adameps.__path__, "adameps.")}
    assert not subs & set(adameps.__all__)
    for name in subs - {"__main__", "torch_stats", "cli"}:
        assert importlib.import_module(f"adameps.{name}").__name__ == f"adameps.{name}"
