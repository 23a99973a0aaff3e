"""Checks on how the paper reports generated values (used by tests/test_reported_values.py on small
examples and by tests/test_pipeline.py on the built tree):

- no range prints with equal endpoints (``[\\A, \\B]``, ``\\A to \\B``, ``\\A < x < \\B``, ``between \\A and \\B``
  where both macros format to the same text);
- no maximum that lies on the edge of its grid (results value ``<key>_on_edge`` = 1) is cited without
  the mark ``\\gridedge`` right after it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from adameps.pipeline.numbers import macro_name

MACRO = r"\\([A-Za-z]+)"
_RANGE_PATTERNS = [
    re.compile(r"\[\s*\$?\s*" + MACRO + r"\s*\$?\s*,\s*\$?\s*" + MACRO + r"\s*\$?\s*\]"),
    re.compile(MACRO + r"\s*\$?\s*(?:to|--)\s*\$?\s*" + MACRO + r"(?![A-Za-z])"),
    re.compile(r"between\s*\$?\s*" + MACRO + r"\s*\$?\s*and\s*\$?\s*" + MACRO + r"(?![A-Za-z])"),
    re.compile(MACRO + r"\s*<\s*\\?[A-Za-z]+\s*<\s*" + MACRO + r"(?![A-Za-z])"),
]


def macro_bodies(numbers_tex: str) -> dict:
    """``{name: printed body}`` of every ``\\newcommand{\\name}{body}`` line of numbers.tex."""
    return dict(re.findall(r"^\\newcommand\{\\(\w+)\}\{(.*)\}\s*$", numbers_tex, re.M))


def strip_comments(tex: str) -> str:
    return re.sub(r"(?<!\\)%.*", "", tex)


def degenerate_ranges(tex: str, bodies: dict) -> list:
    """Ranges in ``tex`` whose two ends are generated macros that print the same text."""
    tex = strip_comments(tex)
    bad = []
    for pattern in _RANGE_PATTERNS:
        for m in pattern.finditer(tex):
            a, b = m.group(1), m.group(2)
            if a in bodies and b in bodies and a != b and bodies[a] == bodies[b]:
                bad.append(f"{m.group(0)!r}: both ends print {bodies[a]!r}")
    return bad


def edge_macros(results_dir: Path) -> set:
    """Macro names of the values whose ``<key>_on_edge`` flag is 1 in ``results_dir/*.json``."""
    names = set()
    for path in sorted(Path(results_dir).glob("*.json")):
        doc = json.loads(path.read_text())
        for key, entry in doc["values"].items():
            if key.endswith("_on_edge") and entry["value"] == 1:
                names.add(macro_name(doc["namespace"], key[: -len("_on_edge")]))
    return names


def unmarked_edge_citations(tex: str, names: set) -> list:
    """Citations of the macros ``names`` in ``tex`` not followed by ``\\gridedge`` (after ``}``, ``$`` or blanks)."""
    tex = strip_comments(tex)
    bad = []
    for name in sorted(names):
        for m in re.finditer(rf"\\{name}(?![A-Za-z])", tex):
            if not re.match(r"[\s}$]*\\gridedge", tex[m.end():]):
                bad.append(f"\\{name} at ...{tex[max(0, m.start() - 40):m.end() + 20]!r}...")
    return bad
