# The map of the whole computation:
#
#   config/config.yaml ──► results/*.json|npz ──► figures/*.pdf|png ──┐
#                                  │                                  ├──► paper/paper.pdf
#                                  └──► paper/generated/numbers*.tex ─┘
#
# Analysis rules compute named values (results/<namespace>.json) and arrays (.npz) with the
# library in src/adameps; figure rules draw from those files; rule `numbers` turns every
# named value into one LaTeX macro; rule `paper` compiles paper/ with latexmk.
# Run: `snakemake --cores 4` (the profile in profiles/default is picked up automatically).

import glob

from snakemake.utils import min_version, validate

from adameps.config import check_finite, check_less

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/schema/config.schema.yaml")
check_finite(config)
check_less(config, "moments.log10_b_min", "moments.log10_b_max")
check_less(config, "eta.eps.log10_min", "eta.eps.log10_max")
check_less(config, "eta.B.log10_min", "eta.B.log10_max")

# `snakemake --report report.html`: every figure (its PNG) with a caption from report/<figure>.rst,
# grouped by paper section (category); the report's front page is report/workflow.rst.
report: "report/workflow.rst"


# Fixed build date, so two clean builds produce byte-identical PDFs.
SOURCE_DATE_EPOCH = 1731888000  # 2024-11-18, the date of the source post

# With `--sdm conda` every job runs in this environment: the pins of requirements.lock, inline.
CONDA_ENV = "envs/pipeline.yaml"

# Every results file whose named values become paper macros.
FAMILIES = sorted(config["eta"]["families"])
TRAIN = config["train"]["problems"]
RESULTS = ["results/scurves.json", "results/moments.json", "results/accuracy.json", "results/train.json"] + expand(
    "results/eta_{family}.json", family=FAMILIES
)
# Every figure the paper includes (PDF) and the notebooks/report show (PNG).
FIGURES = ["scurves", "moments_m1", "moments_m2", "moment_errors", "eta_curves", "eta_peaks", "eta_limits", "train"]
TABLES = ["moment_errors"]
PAPER_SOURCES = sorted(glob.glob("paper/*.tex") + glob.glob("paper/sections/*.tex")) + [
    "paper/references.bib",
    "paper/latexmkrc",
]


rule all:
    input:
        "paper/paper.pdf",
        "dist/arxiv-source.tar.gz",


# ---------------------------------------------------------------- S-curves (the post's first figure)
rule scurves:
    output:
        json="results/scurves.json",
        npz="results/scurves.npz",
    params:
        x_max=config["scurves"]["x_max"],
        n_grid=config["scurves"]["n_grid"],
    log:
        "logs/scurves.log",
    benchmark:
        "logs/benchmarks/scurves.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "src/scripts/scurves.py"


rule fig_scurves:
    input:
        npz="results/scurves.npz",
    output:
        pdf="figures/scurves.pdf",
        png=report("figures/scurves.png", caption="report/scurves.rst", category="S-curves"),
    log:
        "logs/fig_scurves.log",
    benchmark:
        "logs/benchmarks/fig_scurves.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/fig_scurves.py"


# ---------------------------------------------------------------- moments of the update (m1, m2)
rule moments:
    output:
        json="results/moments.json",
        npz="results/moments.npz",
    params:
        **config["moments"],
    log:
        "logs/moments.log",
    benchmark:
        "logs/benchmarks/moments.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/moments_grid.py"


rule moments_accuracy:
    input:
        table="data/moments_mpmath.json",
    output:
        json="results/accuracy.json",
    log:
        "logs/moments_accuracy.log",
    benchmark:
        "logs/benchmarks/moments_accuracy.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "src/scripts/moments_accuracy.py"


rule fig_moments:
    input:
        npz="results/moments.npz",
    output:
        pdf="figures/moments_{moment}.pdf",
        png=report("figures/moments_{moment}.png", caption="report/moments.rst", category="Moments"),
    wildcard_constraints:
        moment="m1|m2",
    params:
        moment="{moment}",
    log:
        "logs/fig_moments_{moment}.log",
    benchmark:
        "logs/benchmarks/fig_moments_{moment}.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/fig_moments.py"


rule fig_moment_errors:
    input:
        npz="results/moments.npz",
    output:
        pdf="figures/moment_errors.pdf",
        png=report("figures/moment_errors.png", caption="report/moment_errors.rst", category="Moments"),
    log:
        "logs/fig_moment_errors.log",
    benchmark:
        "logs/benchmarks/fig_moment_errors.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/fig_moment_errors.py"


rule table_moment_errors:
    input:
        json="results/moments.json",
    output:
        "paper/generated/table_moment_errors.tex",
    log:
        "logs/table_moment_errors.log",
    benchmark:
        "logs/benchmarks/table_moment_errors.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "src/scripts/table_moment_errors.py"


# ---------------------------------------------------------------- optimal learning rate eta_star(B)
rule eta_sweep:
    output:
        json="results/eta_{family}.json",
        npz="results/eta_{family}.npz",
    wildcard_constraints:
        family="|".join(FAMILIES),
    params:
        problem=lambda w: config["eta"]["families"][w.family],
        eps=config["eta"]["eps"],
        B=config["eta"]["B"],
        surge_min_strength=config["eta"]["surge_min_strength"],
    log:
        "logs/eta_sweep_{family}.log",
    benchmark:
        "logs/benchmarks/eta_sweep_{family}.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "src/scripts/eta_sweep.py"


rule fig_eta:
    input:
        npz=expand("results/eta_{family}.npz", family=FAMILIES),
    output:
        curves_pdf="figures/eta_curves.pdf",
        curves_png=report("figures/eta_curves.png", caption="report/eta_curves.rst", category="Optimal learning rate"),
        peaks_pdf="figures/eta_peaks.pdf",
        peaks_png=report("figures/eta_peaks.png", caption="report/eta_peaks.rst", category="Optimal learning rate"),
        limits_pdf="figures/eta_limits.pdf",
        limits_png=report("figures/eta_limits.png", caption="report/eta_limits.rst", category="Optimal learning rate"),
    params:
        families=FAMILIES,
    log:
        "logs/fig_eta.log",
    benchmark:
        "logs/benchmarks/fig_eta.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/fig_eta.py"


# ---------------------------------------------------------------- real training: measured eta*(B, eps)
# One job per (problem, eps) so the sweeps spread over cores or a cluster.
rule train_sweep:
    output:
        csv="results/train/{problem}_eps{k}.csv",
        json="results/train/{problem}_eps{k}.json",
    wildcard_constraints:
        problem="|".join(TRAIN),
        k=r"\d+",
    params:
        problem=lambda w: TRAIN[w.problem],
        seeds=config["train"]["seeds"],
        beta1=config["train"]["beta1"],
        beta2=config["train"]["beta2"],
        lr_search=config["train"]["lr_search"],
    log:
        "logs/train_sweep_{problem}_eps{k}.log",
    benchmark:
        "logs/benchmarks/train_sweep_{problem}_eps{k}.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "src/scripts/train_sweep.py"


rule train_summary:
    input:
        [
            f"results/train/{problem}_eps{k}.json"
            for problem, cfg in TRAIN.items()
            for k in range(len(cfg["log10_eps"]))
        ],
    output:
        json="results/train.json",
        npz="results/train.npz",
    params:
        problems=list(TRAIN),
    log:
        "logs/train_summary.log",
    benchmark:
        "logs/benchmarks/train_summary.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/train_summary.py"


rule fig_train:
    input:
        npz="results/train.npz",
    output:
        pdf="figures/train.pdf",
        png=report("figures/train.png", caption="report/train.rst", category="Real training"),
    params:
        problems=list(TRAIN),
    log:
        "logs/fig_train.log",
    benchmark:
        "logs/benchmarks/fig_train.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/fig_train.py"


# ---------------------------------------------------------------- numbers -> LaTeX macros
rule numbers:
    input:
        RESULTS,
    output:
        macros="paper/generated/numbers.tex",
        table="paper/generated/numbers_table.tex",
    params:
        repository_url=config["repository_url"],
    log:
        "logs/numbers.log",
    benchmark:
        "logs/benchmarks/numbers.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "src/scripts/render_numbers.py"


# ---------------------------------------------------------------- the paper
rule paper:
    input:
        PAPER_SOURCES,
        rules.numbers.output,
        expand("paper/generated/table_{table}.tex", table=TABLES),
        expand("figures/{fig}.pdf", fig=FIGURES),
    output:
        pdf="paper/paper.pdf",
        bbl="paper/build/paper.bbl",
    params:
        source_date_epoch=SOURCE_DATE_EPOCH,
    log:
        "logs/paper.log",
    benchmark:
        "logs/benchmarks/paper.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        # latexmkrc makes pdflatex non-interactive and turns undefined references,
        # citations and macros into errors; the copy is atomic so a failed build
        # leaves no paper.pdf behind.
        "(cd paper && export SOURCE_DATE_EPOCH={params.source_date_epoch} FORCE_SOURCE_DATE=1"
        " && latexmk -r latexmkrc paper.tex && cp build/paper.pdf .paper.pdf.part"
        " && mv .paper.pdf.part paper.pdf) > {log} 2>&1"


rule arxiv:
    input:
        tex=[p for p in PAPER_SOURCES if p.endswith(".tex")],
        generated=[*rules.numbers.output, *expand("paper/generated/table_{table}.tex", table=TABLES)],
        figures=expand("figures/{fig}.pdf", fig=FIGURES),
        bbl=rules.paper.output.bbl,
    output:
        "dist/arxiv-source.tar.gz",
    params:
        mtime=SOURCE_DATE_EPOCH,
    log:
        "logs/arxiv.log",
    benchmark:
        "logs/benchmarks/arxiv.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "src/scripts/arxiv_bundle.py"
