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
# named value into one LaTeX macro (`numbers`), lists those the text calls (`numbers_table`,
# appendix), compiles paper/ with latexmk failing on any LaTeX warning (`paper`), and packs the
# arXiv sources (`arxiv`). Each rule runs src/scripts/<rule>.py.
# Run: `snakemake --cores 4` (the profile in profiles/default is picked up automatically; it also
# holds the default resources of a job, so a rule declares resources only where it needs more).

from snakemake.utils import min_version, validate

from adameps.config import check_finite, check_less

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/schema/config.schema.yaml")
check_finite(config)
check_less(config, "moments.log10_b_min", "moments.log10_b_max")
check_less(config, "eta.eps.log10_min", "eta.eps.log10_max")
check_less(config, "eta.B.log10_min", "eta.B.log10_max")
check_less(config, "eta.sqrt_rule.log10_B_ref", "eta.sqrt_rule.log10_B_window")
check_less(config, "eta.sqrt_rule.log10_B_window", "eta.sqrt_rule.log10_B_max")
check_less(config, "eta.no_surge.log10_B_min", "eta.no_surge.log10_B_max")

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
include: "rules/paper.smk"  # numbers, the appendix list, the PDF, the arXiv bundle
