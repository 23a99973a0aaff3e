"""The machinery that builds the paper, kept apart from the maths of :mod:`adameps`.

* :mod:`adameps.pipeline.config`: checks on the pipeline configuration that JSON Schema cannot express;
* :mod:`adameps.pipeline.numbers`: how a computed value becomes a LaTeX macro;
* :mod:`adameps.pipeline.latexlog`: what in a LaTeX / BibTeX log fails the paper build.

Nothing in the maths modules imports from here.
"""
