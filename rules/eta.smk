# Section "The optimal learning rate" (paper/sections/eta.tex): eta*(B, eps) exact and in the mean
# field, the surge, the eps limits, realistic eps, the square-root rule, a no-surge instance.

FAMILIES = sorted(config["eta"]["families"])

RESULTS += expand("results/eta_{family}.json", family=FAMILIES) + [
    "results/eta_realistic.json",
    "results/eta_sqrt_rule.json",
    "results/eta_no_surge.json",
] + (["results/eta_nqm_draws.json"] if "nqm" in FAMILIES else [])
FIGURES += ["eta_curves", "eta_peaks", "eta_limits", "eta_sqrt_rule"]
TABLES += ["eta_kappa2", "eta_peaks", "eta_realistic"]


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
        window_points_per_decade=config["eta"]["surge_windows"]["points_per_decade"],
    log:
        log_of("eta_sweep_{family}"),
    benchmark:
        benchmark_of("eta_sweep_{family}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../src/scripts/eta_sweep.py"


rule fig_eta:
    input:
        npz=expand("results/eta_{family}.npz", family=FAMILIES),
        library=LIBRARY,
    output:
        curves_pdf="figures/eta_curves.pdf",
        curves_png=report("figures/eta_curves.png", caption="../report/eta_curves.rst", category="Optimal learning rate"),
        peaks_pdf="figures/eta_peaks.pdf",
        peaks_png=report("figures/eta_peaks.png", caption="../report/eta_peaks.rst", category="Optimal learning rate"),
        limits_pdf="figures/eta_limits.pdf",
        limits_png=report("figures/eta_limits.png", caption="../report/eta_limits.rst", category="Optimal learning rate"),
    params:
        families=FAMILIES,
    log:
        log_of("fig_eta"),
    benchmark:
        benchmark_of("fig_eta")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/fig_eta.py"


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
        log_of("eta_realistic"),
    benchmark:
        benchmark_of("eta_realistic")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/eta_realistic.py"


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
        log_of("eta_sqrt_rule"),
    benchmark:
        benchmark_of("eta_sqrt_rule")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/eta_sqrt_rule.py"


rule fig_eta_sqrt_rule:
    input:
        npz="results/eta_sqrt_rule.npz",
        library=LIBRARY,
    output:
        pdf="figures/eta_sqrt_rule.pdf",
        png=report("figures/eta_sqrt_rule.png", caption="../report/eta_sqrt_rule.rst", category="Optimal learning rate"),
    params:
        families=FAMILIES,
    log:
        log_of("fig_eta_sqrt_rule"),
    benchmark:
        benchmark_of("fig_eta_sqrt_rule")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/fig_eta_sqrt_rule.py"


# The post's condition u^T H u > tr H holds, and yet no surge: a two-coordinate instance; and an
# instance where eps creates a surge SignSGD does not have (problems.eps_creates_surge).
rule eta_no_surge:
    input:
        library=LIBRARY,
    output:
        json="results/eta_no_surge.json",
    params:
        no_surge=config["eta"]["no_surge"],
        surge_min_strength=config["eta"]["surge_min_strength"],
        eps_creates_surge=config["eta"]["eps_creates_surge"],
        window_points_per_decade=config["eta"]["surge_windows"]["points_per_decade"],
    log:
        log_of("eta_no_surge"),
    benchmark:
        benchmark_of("eta_no_surge")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/eta_no_surge.py"


# Whether the diagonal noisy quadratic model surges depends on its random initial point: the share of
# draws of theta0 whose exact eta*(B) surges, and the strength distribution.
rule eta_nqm_draws:
    input:
        library=LIBRARY,
    output:
        json="results/eta_nqm_draws.json",
        npz="results/eta_nqm_draws.npz",
    params:
        problem=lambda w: config["eta"]["families"]["nqm"],
        draws=config["eta"]["nqm_draws"],
        eps=config["eta"]["eps"],
        surge_min_strength=config["eta"]["surge_min_strength"],
        window_points_per_decade=config["eta"]["surge_windows"]["points_per_decade"],
    log:
        log_of("eta_nqm_draws"),
    benchmark:
        benchmark_of("eta_nqm_draws")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../src/scripts/eta_nqm_draws.py"


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
        log_of("table_eta"),
    benchmark:
        benchmark_of("table_eta")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/table_eta.py"
