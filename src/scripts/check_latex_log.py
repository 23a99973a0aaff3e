"""Fail the paper build on what latexmk lets through: overfull boxes beyond a limit, any LaTeX,
package, class or pdfTeX warning, and any BibTeX warning (see adameps.latexlog).

Usage (from rule `paper`): python src/scripts/check_latex_log.py BUILD/paper.log BUILD/paper.blg MAX_PT
"""

import sys
from pathlib import Path

from adameps.latexlog import blg_problems, log_problems

log, blg, max_pt = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
problems = [f"{log}: {p}" for p in log_problems(log.read_text(errors="replace"), max_pt)]
problems += [f"{blg}: {p}" for p in blg_problems(blg.read_text(errors="replace"))]
for p in problems:
    print(p, file=sys.stderr)
if problems:
    sys.exit(f"check_latex_log: {len(problems)} problem(s) in the LaTeX build (listed above); fix them")
print(f"check_latex_log: no warnings, no overfull box over {max_pt}pt")
