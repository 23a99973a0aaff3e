# Section "Moments" (paper/sections/moments.tex): the first two moments m1, m2 of the update
# under Gaussian noise, exact (with their mpmath accuracy) and in the post's approximations.

RESULTS += ["results/moments.json", "results/accuracy.json"]
FIGURES += ["moments_m1", "moments_m2", "moment_errors"]
TABLES += ["moment_errors"]


rule moments:
    input:
        library=LIBRARY,
    output:
        json="results/moments.json",
        npz="results/moments.npz",
    params:
        **config["moments"],
    log:
        log_of("moments"),
    benchmark:
        benchmark_of("moments")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/moments.py"


rule moments_accuracy:
    input:
        table="data/moments_mpmath.json",
        library=LIBRARY,
    output:
        json="results/accuracy.json",
    log:
        log_of("moments_accuracy"),
    benchmark:
        benchmark_of("moments_accuracy")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/moments_accuracy.py"


rule fig_moments:
    input:
        npz="results/moments.npz",
        library=LIBRARY,
    output:
        pdf="figures/moments_{moment}.pdf",
        png=report("figures/moments_{moment}.png", caption="../report/moments.rst", category="Moments"),
    wildcard_constraints:
        moment="m1|m2",
    params:
        moment="{moment}",
    log:
        log_of("fig_moments_{moment}"),
    benchmark:
        benchmark_of("fig_moments_{moment}")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/fig_moments.py"


rule fig_moment_errors:
    input:
        npz="results/moments.npz",
        library=LIBRARY,
    output:
        pdf="figures/moment_errors.pdf",
        png=report("figures/moment_errors.png", caption="../report/moment_errors.rst", category="Moments"),
    log:
        log_of("fig_moment_errors"),
    benchmark:
        benchmark_of("fig_moment_errors")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/fig_moment_errors.py"


rule table_moment_errors:
    input:
        json="results/moments.json",
        library=LIBRARY,
    output:
        "paper/generated/table_moment_errors.tex",
    log:
        log_of("table_moment_errors"),
    benchmark:
        benchmark_of("table_moment_errors")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/table_moment_errors.py"
