"""What in a LaTeX / BibTeX log makes the paper build fail.

The paper is built with latexmk, which already stops on errors and (with ``-Werror``) on
undefined references and citations. This module finds what latexmk lets through:

* an overfull box wider (``\\hbox``) or taller (``\\vbox``) than ``max_overfull_pt``;
* any ``LaTeX Warning``, ``LaTeX Font Warning``, ``Package <p> Warning``, ``Class <c> Warning``
  or ``pdfTeX warning`` (undefined or multiply defined labels, floats too large, font
  substitutions, duplicate PDF destinations, ...);
* any BibTeX warning (``Warning--`` in the ``.blg``: missing fields, empty authors, ...).

Pure functions on the text of the logs; the paper rule reads the files.
"""

from __future__ import annotations

import re

__all__ = ["log_problems", "blg_problems"]

# TeX wraps its log at 79 columns; each pattern needs only the start of the message.
_OVERFULL = re.compile(r"^Overfull \\([hv])box \((\d+(?:\.\d+)?)pt too (?:wide|high)\)(.*)$", re.M)
_WARNING = re.compile(r"^((?:LaTeX|Package|Class)(?: [\w.-]+)? Warning: .*|pdfTeX warning.*)$", re.M)
_BIBTEX = re.compile(r"^(Warning--.*)$", re.M)


def log_problems(text: str, max_overfull_pt: float = 1.0) -> list[str]:
    r"""Problems in a LaTeX ``.log``: overfull boxes beyond ``max_overfull_pt`` points and every
    LaTeX/package/class/pdfTeX warning, in order of appearance, one message each.

    Examples
    --------
    >>> log = "Overfull \\hbox (0.5pt too wide) in paragraph\nLaTeX Warning: Reference `x' undefined.\n"
    >>> log_problems(log)
    ["LaTeX Warning: Reference `x' undefined."]
    >>> log_problems(log, max_overfull_pt=0.1)[0]
    'Overfull \\hbox (0.5pt > 0.1pt) in paragraph'
    """
    if not max_overfull_pt >= 0:
        raise ValueError(f"max_overfull_pt must be >= 0, got {max_overfull_pt!r}")
    found = []
    for m in _OVERFULL.finditer(text):
        if float(m.group(2)) > max_overfull_pt:
            found.append((m.start(), f"Overfull \\{m.group(1)}box ({m.group(2)}pt > {max_overfull_pt}pt){m.group(3)}"))
    found += [(m.start(), m.group(1).strip()) for m in _WARNING.finditer(text)]
    return [msg for _, msg in sorted(found)]


def blg_problems(text: str) -> list[str]:
    r"""BibTeX warnings in a ``.blg`` (``Warning--...`` lines).

    Examples
    --------
    >>> blg_problems("Database file #1: refs.bib\nWarning--empty year in su2024\n")
    ['Warning--empty year in su2024']
    """
    return [m.group(1).strip() for m in _BIBTEX.finditer(text)]
