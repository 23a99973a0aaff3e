"""adameps.pipeline.latexlog: what in a LaTeX / BibTeX log fails the paper build."""

import pytest

from adameps.pipeline.latexlog import blg_problems, log_problems

# Excerpts in the shapes pdfTeX and BibTeX write them (the log wraps at 79 columns).
LOG = r"""(./sections/moments.tex
Overfull \hbox (0.49055pt too wide) in paragraph at lines 15--22
\T1/lmr/m/n/10.95 We treat four maps $\OML/lmm/m/it/10.95 '$\T1/lmr/m/n/10.95 :
 []

Overfull \hbox (12.0pt too wide) in paragraph at lines 40--41
[]\T1/lmr/m/n/10.95 averylongunbreakableword
Underfull \hbox (badness 10000) in paragraph at lines 50--51
Overfull \vbox (3.5pt too high) has occurred while \output is active []
LaTeX Warning: Reference `fig:missing' on page 3 undefined on input line 7
1.
Package hyperref Warning: Token not allowed in a PDF string (Unicode):
(hyperref)                removing `math shift' on input line 3.
LaTeX Font Warning: Font shape `T1/lmtt/b/n' undefined
pdfTeX warning (ext4): destination with the same identifier (name{page.1}) has been already used
"""


def test_log_problems_finds_each_kind_in_order():
    found = log_problems(LOG, max_overfull_pt=1.0)
    assert len(found) == 6, found
    assert found[0].startswith("Overfull \\hbox (12.0pt > 1.0pt) in paragraph at lines 40--41")
    assert found[1].startswith("Overfull \\vbox (3.5pt > 1.0pt)")
    assert found[2].startswith("LaTeX Warning: Reference `fig:missing'")
    assert found[3].startswith("Package hyperref Warning: Token not allowed")
    assert found[4].startswith("LaTeX Font Warning: Font shape")
    assert found[5].startswith("pdfTeX warning (ext4)")


@pytest.mark.parametrize("limit, n_overfull", [(0.0, 3), (0.5, 2), (3.5, 1), (12.0, 0)])
def test_overfull_limit_is_strict_and_in_points(limit, n_overfull):
    found = [p for p in log_problems(LOG, max_overfull_pt=limit) if p.startswith("Overfull")]
    assert len(found) == n_overfull


def test_clean_log_and_underfull_boxes_pass():
    assert log_problems("This is pdfTeX\nUnderfull \\hbox (badness 10000) in paragraph\n[1] [2]\n") == []


def test_bad_limit_is_named():
    with pytest.raises(ValueError, match="max_overfull_pt.*-1"):
        log_problems(LOG, max_overfull_pt=-1)
    with pytest.raises(ValueError, match="max_overfull_pt.*nan"):
        log_problems(LOG, max_overfull_pt=float("nan"))


def test_blg_problems():
    blg = "Database file #1: references.bib\nWarning--empty journal in mccandlish2018\n" \
          "Warning--I didn't find a database entry for \"foo\"\n(There were 2 warnings)\n"
    assert blg_problems(blg) == ["Warning--empty journal in mccandlish2018",
                                 "Warning--I didn't find a database entry for \"foo\""]
    assert blg_problems("Database file #1: references.bib\n") == []
