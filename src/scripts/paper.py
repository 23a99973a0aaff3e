"""Rule `paper`: compile paper/ with latexmk, then fail on what latexmk lets through.

latexmkrc makes pdflatex non-interactive and turns undefined references, citations and macros
into errors. After it, adameps.pipeline.latexlog finds every remaining LaTeX/package/class/pdfTeX warning,
every BibTeX warning and every box overfull by more than `max_overfull_pt`; any of them fails
the rule. The PDF is copied into place atomically, so a failed build leaves no paper.pdf behind.
"""

import sys
from pathlib import Path

import _common

import os
import re
import shutil
import subprocess

from adameps.pipeline.latexlog import blg_problems, log_problems

log = _common.setup(snakemake)
p = snakemake.params
build = Path("paper/build")  # latexmkrc's $out_dir
# A fixed date (and no build-time metadata, see paper.tex) makes two clean builds byte-identical.
env = {**os.environ, "SOURCE_DATE_EPOCH": str(p.source_date_epoch), "FORCE_SOURCE_DATE": "1"}
RERUN = "Rerun to get cross-references right"


def latexmk(*flags):
    proc = subprocess.run(["latexmk", *flags, "-r", "latexmkrc", "paper.tex"], cwd="paper", env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.info("latexmk %s(exit %d):\n%s", " ".join(flags) + " " if flags else "", proc.returncode, proc.stdout)
    return proc


proc = latexmk()
# latexmk can stop one pdflatex run before the labels settle (seen in fresh test-config builds:
# three runs, the log still asking for a rerun, the next run clean). Force up to two more cycles;
# a warning that survives them is reported below like any other.
for _ in range(2):
    tex_log = build / "paper.log"
    if proc.returncode or not tex_log.exists() or RERUN not in tex_log.read_text(errors="replace"):
        break
    proc = latexmk("-g")
if proc.returncode:
    # -file-line-error makes each TeX error one "./file.tex:line: message" line: quote them.
    tex_log = build / "paper.log"
    errors = re.findall(r"^\S+\.tex:\d+: .*$", tex_log.read_text(errors="replace"), re.M) if tex_log.exists() else []
    sys.exit(f"latexmk failed (exit {proc.returncode}); see {snakemake.log[0]} and {tex_log}"
             + "".join(f"\n  {e}" for e in errors))

problems = [f"paper.log: {x}" for x in log_problems((build / "paper.log").read_text(errors="replace"),
                                                    p.max_overfull_pt)]
problems += [f"paper.blg: {x}" for x in blg_problems((build / "paper.blg").read_text(errors="replace"))]
for x in problems:
    log.error("%s", x)
if problems:
    sys.exit(f"{len(problems)} LaTeX/BibTeX problem(s), listed in {snakemake.log[0]}:\n" + "\n".join(problems))
log.info("no warnings, no box overfull by more than %spt", p.max_overfull_pt)
with _common.atomic_path(snakemake.output.pdf) as tmp:
    shutil.copyfile(build / "paper.pdf", tmp)
