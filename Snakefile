# The map of the whole computation:
#
#   config/config.yaml ──► results/*.json|npz ──► figures/*.pdf|png ──┐
#                                  │                                  ├──► paper/paper.pdf
#                                  └──► paper/generated/numbers*.tex ─┘
#
# The rules live in rules/<section>.smk, one file per paper section, included below in paper
# order: each section's analysis rules compute named values (results/<namespace>.json) and arrays
# (.npz) with the library in src/adameps, its figure and table rules draw from those files, and
# it adds what it contributes to RESULTS, FIGURES and TABLES. rules/paper.smk, last, turns every
# named value into one LaTeX macro (`macros`), checks the text's qualitative claims against those
# values (`claims`, paper/claims.yaml), lists those the text calls (`numbers_table`, appendix),
# compiles paper/ with latexmk failing on any LaTeX warning (`paper`), and packs the arXiv
# sources (`arxiv`). Each rule runs src/scripts/<rule>.py.
# Run: `snakemake --cores 4` (the profile in profiles/default is picked up automatically; it also
# holds the default resources of a job, so a rule declares resources only where it needs more).

import os

from snakemake.utils import min_version

from adameps.pipeline.config import load_yaml, recover_stale_lock, remove_partial_files, validate_config

min_version("9.0")

# A YAML syntax error in the default config names its line (Snakemake's own message does not;
# for an overlay given with --configfile, `python -m adameps.pipeline.config FILE` shows the line).
load_yaml("config/config.yaml")


configfile: "config/config.yaml"


# Every check of the configuration (schema with strict integers, NaN, key orderings, the training
# cross-references, rank < n, the work limits of `limits`): a bad value stops here, before any
# job, with one line naming the key and what to write instead (adameps.pipeline.config.validate_config).
validate_config(config)

# After a hard kill (SIGKILL, the OOM killer, a power cut) Snakemake's lock stays behind and every
# rerun would fail until `snakemake --unlock`: remove it if no Snakemake process runs here any more.
if workflow.is_main_process:
    recover_stale_lock()

# glibc's malloc hands every large freed block back to the kernel and page-faults it in again on
# the next allocation; the jobs allocate and free the same large arrays at every step, so that
# churn cost 28% of a digits training job in system time (1.8e6 page faults; 43 s -> 33 s wall
# with these settings, results byte-identical). mallopt(3)'s environment variables, read when
# each job's process starts (jobs inherit this environment, also under SLURM); a value the user
# sets wins. Other C libraries ignore them.
for _name, _value in (("MALLOC_MMAP_THRESHOLD_", "33554432"), ("MALLOC_TRIM_THRESHOLD_", "1073741824"),
                      ("MALLOC_TOP_PAD_", "268435456")):
    os.environ.setdefault(_name, _value)


onstart:
    # The temporary files (.<name>.<random>.part) of jobs a hard kill interrupted.
    remove_partial_files()


# `snakemake --report report.html`: every figure (its PNG) with a caption from report/<figure>.rst,
# grouped by paper section (category); the report's front page is report/workflow.rst.
report: "report/workflow.rst"


# Shared constants and helpers (rules/common.smk), then the target, then the sections.
include: "rules/common.smk"


rule all:
    input:
        "paper/paper.pdf",
        "dist/arxiv-source.tar.gz",


# The paper, section by section (paper/sections/<section>.tex):
include: "rules/scurves.smk"  # S-curves: erf and the post's two stand-ins
include: "rules/moments.smk"  # the moments m1, m2 of the update
include: "rules/eta.smk"  # the optimal learning rate eta*(B, eps)
include: "rules/training.smk"  # real training against the theory
include: "rules/multistep.smk"  # many steps: the multi-step theory against the same training
include: "rules/language_model.smk"  # a byte-level transformer on the King James Bible
include: "rules/paper.smk"  # macros, the appendix list, the PDF, the arXiv bundle
