# Section "S-curves" (paper/sections/scurves.tex): erf(x/sqrt 2) and the post's two stand-ins,
# x/sqrt(x^2 + pi/4) (softsign) and clip, with their exact worst errors.

RESULTS += ["results/scurves.json"]
FIGURES += ["scurves"]


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
        log_of("scurves"),
    benchmark:
        benchmark_of("scurves")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/scurves.py"


rule fig_scurves:
    input:
        npz="results/scurves.npz",
        library=LIBRARY,
    output:
        pdf="figures/scurves.pdf",
        png=report("figures/scurves.png", caption="../report/scurves.rst", category="S-curves"),
    log:
        log_of("fig_scurves"),
    benchmark:
        benchmark_of("fig_scurves")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/fig_scurves.py"
