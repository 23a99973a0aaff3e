# The map of the whole computation:
#
#   config/config.yaml ──► results/*.json|npz ──► figures/*.pdf|png ──┐
#                                  │                                  ├──► paper/paper.pdf
#                                  └──► paper/generated/numbers*.tex ─┘
#
# Analysis rules compute named values (results/<namespace>.json) and arrays (.npz) with the
# library in src/adameps; figure and table rules draw from those files; rule `numbers` turns
# every named value into one LaTeX macro, `numbers_table` lists those the text calls (appendix);
# rule `paper` compiles paper/ with latexmk and fails on any LaTeX warning.
# Run: `snakemake --cores 4` (the profile in profiles/default is picked up automatically).

import glob

from snakemake.utils import min_version, validate

from adameps.pipeline.config import check_finite, check_less

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


# Fixed build date, so two clean builds produce byte-identical PDFs.
SOURCE_DATE_EPOCH = 1731888000  # 2024-11-18, the date of the source post

# The paper build fails on any LaTeX/BibTeX warning and on boxes overfull by more than this.
MAX_OVERFULL_PT = 1.0

# The code every script runs besides itself: the library and the scripts' shared I/O. An input of
# every rule, so that a change to it reruns what it could change (Snakemake's own "code" trigger
# sees only the rule's script).
LIBRARY = sorted(glob.glob("src/adameps/**/*.py", recursive=True)) + ["src/scripts/_common.py"]

# With `--sdm conda` every job runs in this environment: the pins of requirements.lock, inline.
CONDA_ENV = "envs/pipeline.yaml"

# Every results file whose named values become paper macros.
FAMILIES = sorted(config["eta"]["families"])
TRAIN = config["train"]["problems"]
BUDGET_CFG = config["train"]["step_budget"]
LR_CURVES = config["train"]["lr_curves"]


def train_model(arm):
    """The problem an arm trains on: the part of its name before the first "_"."""
    return arm.split("_")[0]


def n_train_jobs(cfg):
    """One job per eps; SignSGD, SGD and Adam-atan2 have no eps: one job."""
    return len(cfg["log10_eps"]) if cfg["optimizer"] in ("adam", "softsign") else 1


if BUDGET_CFG["problem"] not in TRAIN or TRAIN[BUDGET_CFG["problem"]]["optimizer"] not in ("adam", "softsign"):
    raise ValueError(
        f"train.step_budget.problem = {BUDGET_CFG['problem']!r} must name an adam or softsign arm of "
        f"train.problems ({', '.join(TRAIN)})"
    )
if LR_CURVES["problem"] not in TRAIN or LR_CURVES["eps_index"] >= n_train_jobs(TRAIN[LR_CURVES["problem"]]):
    raise ValueError(
        f"train.lr_curves = {dict(LR_CURVES)!r} must name an arm of train.problems ({', '.join(TRAIN)}) "
        "and one of its eps indices"
    )
# The step-budget arms: the named arm with `steps` replaced, at the budget's eps values.
BUDGET = {
    f"{BUDGET_CFG['problem']}_steps{s}": {**TRAIN[BUDGET_CFG["problem"]], "steps": s, "log10_eps": BUDGET_CFG["log10_eps"]}
    for s in BUDGET_CFG["steps"]
}
ARMS = {**TRAIN, **BUDGET}
TRAIN_JSON = [f"results/train/{arm}_eps{k}.json" for arm, cfg in ARMS.items() for k in range(n_train_jobs(cfg))]
RESULTS = ["results/scurves.json", "results/moments.json", "results/accuracy.json", "results/train.json"] + expand(
    "results/eta_{family}.json", family=FAMILIES
) + ["results/eta_realistic.json", "results/eta_sqrt_rule.json", "results/eta_no_surge.json"]
# Every figure the paper includes (PDF) and the notebooks/report show (PNG).
FIGURES = [
    "scurves",
    "moments_m1",
    "moments_m2",
    "moment_errors",
    "eta_curves",
    "eta_peaks",
    "eta_limits",
    "eta_sqrt_rule",
    "train",
    "train_scatter",
    "train_budget",
    "train_lr_curves",
]
TABLES = ["moment_errors", "eta_kappa2", "eta_peaks", "eta_realistic", "train_metrics"]
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
    input:
        library=LIBRARY,
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
        library=LIBRARY,
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
    input:
        library=LIBRARY,
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
        library=LIBRARY,
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
        library=LIBRARY,
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
        library=LIBRARY,
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
        library=LIBRARY,
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
    input:
        library=LIBRARY,
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
        table_eps=config["eta"]["table_eps"],
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
        library=LIBRARY,
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


# Where realistic eps values sit against each family's gradient scale (question 5).
rule eta_realistic:
    input:
        library=LIBRARY,
    output:
        json="results/eta_realistic.json",
    params:
        families=FAMILIES,
        problems={f: config["eta"]["families"][f] for f in FAMILIES},
        realistic=config["eta"]["realistic"],
        B=config["eta"]["B"],
    log:
        "logs/eta_realistic.log",
    benchmark:
        "logs/benchmarks/eta_realistic.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/eta_realistic.py"


# Malladi et al. 2022's square-root rule: eps ∝ B^(-1/2) against fixed eps.
rule eta_sqrt_rule:
    input:
        library=LIBRARY,
    output:
        json="results/eta_sqrt_rule.json",
        npz="results/eta_sqrt_rule.npz",
    params:
        families=FAMILIES,
        problems={f: config["eta"]["families"][f] for f in FAMILIES},
        sqrt_rule=config["eta"]["sqrt_rule"],
    log:
        "logs/eta_sqrt_rule.log",
    benchmark:
        "logs/benchmarks/eta_sqrt_rule.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/eta_sqrt_rule.py"


rule fig_eta_sqrt_rule:
    input:
        npz="results/eta_sqrt_rule.npz",
        library=LIBRARY,
    output:
        pdf="figures/eta_sqrt_rule.pdf",
        png=report("figures/eta_sqrt_rule.png", caption="report/eta_sqrt_rule.rst", category="Optimal learning rate"),
    params:
        families=FAMILIES,
    log:
        "logs/fig_eta_sqrt_rule.log",
    benchmark:
        "logs/benchmarks/fig_eta_sqrt_rule.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/fig_eta_sqrt_rule.py"


# The post's condition u^T H u > tr H holds, and yet no surge: a two-coordinate instance.
rule eta_no_surge:
    input:
        library=LIBRARY,
    output:
        json="results/eta_no_surge.json",
    params:
        no_surge=config["eta"]["no_surge"],
        surge_min_strength=config["eta"]["surge_min_strength"],
    log:
        "logs/eta_no_surge.log",
    benchmark:
        "logs/benchmarks/eta_no_surge.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "src/scripts/eta_no_surge.py"


rule table_eta:
    input:
        eta=expand("results/eta_{family}.json", family=FAMILIES),
        realistic="results/eta_realistic.json",
        library=LIBRARY,
    output:
        kappa2="paper/generated/table_eta_kappa2.tex",
        peaks="paper/generated/table_eta_peaks.tex",
        realistic="paper/generated/table_eta_realistic.tex",
    params:
        families=FAMILIES,
    log:
        "logs/table_eta.log",
    benchmark:
        "logs/benchmarks/table_eta.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "src/scripts/table_eta.py"


# ---------------------------------------------------------------- real training: measured eta*(B, eps)
# One job per (arm, eps) so the sweeps spread over cores or a cluster. An arm is a problem
# (nqm, softmax, mlp: the part of its name before "_") with one optimiser; SignSGD, SGD and
# Adam-atan2 have no eps: one job each. The step-budget arms rerun one arm for 1, 10, 100 ... steps.
rule train_sweep:
    input:
        library=LIBRARY,
    output:
        csv="results/train/{problem}_eps{k}.csv",
        json="results/train/{problem}_eps{k}.json",
    wildcard_constraints:
        problem="|".join(sorted(ARMS, key=len, reverse=True)),
        k=r"\d+",
    params:
        problem=lambda w: ARMS[w.problem],
        model=lambda w: train_model(w.problem),
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
        mem_mb=lambda w: ARMS[w.problem].get("mem_mb", 4000 if train_model(w.problem) == "mlp" else 2000),
        runtime=lambda w: ARMS[w.problem].get("runtime", 60 if train_model(w.problem) == "mlp" else 30),
    script:
        "src/scripts/train_sweep.py"


rule train_summary:
    input:
        sweeps=TRAIN_JSON,
        library=LIBRARY,
    output:
        json="results/train.json",
        npz="results/train.npz",
    params:
        arms=list(TRAIN),
        budget=BUDGET_CFG,
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
        library=LIBRARY,
    output:
        pdf="figures/train.pdf",
        png=report("figures/train.png", caption="report/train.rst", category="Real training"),
        scatter_pdf="figures/train_scatter.pdf",
        scatter_png=report("figures/train_scatter.png", caption="report/train_scatter.rst", category="Real training"),
        budget_pdf="figures/train_budget.pdf",
        budget_png=report("figures/train_budget.png", caption="report/train_budget.rst", category="Real training"),
    params:
        arms=list(TRAIN),
        budget=BUDGET_CFG,
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


rule fig_train_lr_curves:
    input:
        csv=f"results/train/{LR_CURVES['problem']}_eps{LR_CURVES['eps_index']}.csv",
        json=f"results/train/{LR_CURVES['problem']}_eps{LR_CURVES['eps_index']}.json",
        library=LIBRARY,
    output:
        pdf="figures/train_lr_curves.pdf",
        png=report("figures/train_lr_curves.png", caption="report/train_lr_curves.rst", category="Real training"),
    log:
        "logs/fig_train_lr_curves.log",
    benchmark:
        "logs/benchmarks/fig_train_lr_curves.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "src/scripts/fig_train_lr_curves.py"


rule table_train_metrics:
    input:
        json="results/train.json",
        library=LIBRARY,
    output:
        "paper/generated/table_train_metrics.tex",
    params:
        arms=list(TRAIN),
        n_rows={arm: n_train_jobs(cfg) for arm, cfg in TRAIN.items()},
    log:
        "logs/table_train_metrics.log",
    benchmark:
        "logs/benchmarks/table_train_metrics.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "src/scripts/table_train_metrics.py"


# ---------------------------------------------------------------- numbers -> LaTeX macros
rule numbers:
    input:
        results=RESULTS,
        library=LIBRARY,
    output:
        macros="paper/generated/numbers.tex",
    params:
        repository_url=config["repository_url"],
        max_overfull_pt=MAX_OVERFULL_PT,
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


# The appendix table lists the values the hand-written text calls, so it follows the prose.
rule numbers_table:
    input:
        results=RESULTS,
        tex=[p for p in PAPER_SOURCES if p.endswith(".tex")],
        library=LIBRARY,
    output:
        table="paper/generated/numbers_table.tex",
    log:
        "logs/numbers_table.log",
    benchmark:
        "logs/benchmarks/numbers_table.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "src/scripts/render_numbers_table.py"


# ---------------------------------------------------------------- the paper
rule paper:
    input:
        PAPER_SOURCES,
        rules.numbers.output,
        rules.numbers_table.output,
        expand("paper/generated/table_{table}.tex", table=TABLES),
        expand("figures/{fig}.pdf", fig=FIGURES),
        library=LIBRARY,
    output:
        pdf="paper/paper.pdf",
        bbl="paper/build/paper.bbl",
    params:
        source_date_epoch=SOURCE_DATE_EPOCH,
        max_overfull_pt=MAX_OVERFULL_PT,
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
    script:
        "src/scripts/build_paper.py"


rule arxiv:
    input:
        tex=[p for p in PAPER_SOURCES if p.endswith(".tex")],
        generated=[*rules.numbers.output, *rules.numbers_table.output, *expand("paper/generated/table_{table}.tex", table=TABLES)],
        figures=expand("figures/{fig}.pdf", fig=FIGURES),
        bbl=rules.paper.output.bbl,
        library=LIBRARY,
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
