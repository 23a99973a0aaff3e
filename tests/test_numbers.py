"""The one number formatter and the macro naming rule."""

import pytest

from adameps.pipeline.numbers import format_number, macro_name


@pytest.mark.parametrize(
    ("value", "fmt", "digits", "expected"),
    [
        (0.0213456, "sig", 3, "0.0213"),
        (0.2102, "sig", 3, "0.210"),
        (1.1283791670955126, "sig", 4, "1.128"),
        (9.996, "sig", 3, "10.0"),
        (123456.0, "sig", 3, r"1.23\times 10^{5}"),
        (1.5e-7, "sig", 2, r"1.5\times 10^{-7}"),
        (-0.108, "sig", 3, "-0.108"),
        (0.0, "sig", 3, "0"),
        (1.5e-7, "sci", 2, r"1.5\times 10^{-7}"),
        (3.0, "sci", 2, "3.0"),
        (0.99999, "sci", 2, "1.0"),
        (0.12345, "fixed", 2, "0.12"),
        (12345, "int", 3, r"12\,345"),
        (42.0, "int", 3, "42"),
        (0.0123, "pct", 2, r"1.2\%"),
    ],
)
def test_format_number(value, fmt, digits, expected):
    assert format_number(value, fmt, digits) == rf"\ensuremath{{{expected}}}"


@pytest.mark.parametrize(
    ("value", "fmt", "digits", "match"),
    [
        (float("nan"), "sig", 3, "finite"),
        (float("inf"), "sig", 3, "finite"),
        ("0.1", "sig", 3, "real number"),
        (True, "sig", 3, "real number"),
        (0.5, "int", 3, "integral"),
        (0.5, "eng", 3, "fmt"),
        (0.5, "sig", 0, "digits"),
    ],
)
def test_format_number_rejects_bad_input(value, fmt, digits, match):
    with pytest.raises(ValueError, match=match):
        format_number(value, fmt, digits)


def test_macro_name():
    assert macro_name("scurves", "softsign_max_abs_error") == "ScurvesSoftsignMaxAbsError"
    assert macro_name("moments", "m1_post_max") == "MomentsMOnePostMax"
    assert macro_name("eta", "b_peak_10") == "EtaBPeakOneZero"
    for bad in ("2m", "Max", "a__b", "_a", "a_", "", "a-b", "m1.5"):
        with pytest.raises(ValueError, match="key"):
            macro_name("scurves", bad)


@pytest.mark.parametrize("fmt, digits", [("sci", 1), ("sig", 3), ("pct", 2), ("int", 3)])
def test_grid_edge_mark_compiles_after_every_format(tmp_path, fmt, digits):
    r"""A macro body ``format_number(...)\gridedge`` (a maximum on the edge of its grid) compiles with
    paper.tex's own ``\gridedge`` in text and in math, also after a power of ten (``10^{-3}`` then the
    mark's superscript: a double superscript unless the mark has a base of its own)."""
    import re
    import shutil
    import subprocess

    from conftest import ROOT, require_tex

    require_tex()
    define = re.search(r"^\\newcommand\{\\gridedge\}.*$", (ROOT / "paper/paper.tex").read_text(), re.M).group(0)
    body = format_number(1e-3 if fmt != "int" else 1000, fmt, digits) + r"\gridedge"
    (tmp_path / "t.tex").write_text("\\documentclass{article}\n" + define + "\n\\newcommand{\\V}{" + body + "}\n"
                                    "\\begin{document}at most \\V{} and $x = \\V$.\\end{document}\n")
    proc = subprocess.run([shutil.which("pdflatex"), "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
