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

import adameps

MODULES = sorted(m.name for m in pkgutil.walk_packages(adameps.__path__, "adameps."))
DOCUMENTED = [
    "adameps.update_maps",
    "adameps.moments",
    "adameps.scurves",
    "adameps.approx",
    "adameps.pipeline.archive",
    "adameps.pipeline.latexlog",
    "adameps.pipeline.numbers",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
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
