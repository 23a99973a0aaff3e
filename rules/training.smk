# Section "Real training" (paper/sections/training.tex): measured eta*(B, eps) of real optimisers
# on the noisy quadratic model and on digits, against the one-step theory.

TRAIN = config["train"]["problems"]
BUDGET_CFG = config["train"]["step_budget"]
LR_CURVES = config["train"]["lr_curves"]


# (step_budget and lr_curves name existing arms: checked with the config, adameps.pipeline.config.check_training.)
# The step-budget arms: the named arm with `steps` replaced, at the budget's eps values.
BUDGET = {
    f"{BUDGET_CFG['problem']}_steps{s}": {**TRAIN[BUDGET_CFG["problem"]], "steps": s, "log10_eps": BUDGET_CFG["log10_eps"]}
    for s in BUDGET_CFG["steps"]
}
ARMS = {**TRAIN, **BUDGET}
TRAIN_JSON = [f"results/train/{arm}_eps{tag}.json" for arm, cfg in ARMS.items() for tag in eps_tags(cfg)]
LR_CURVES_SWEEP = f"results/train/{LR_CURVES['problem']}_eps{eps_tags(TRAIN[LR_CURVES['problem']])[LR_CURVES['eps_index']]}"

RESULTS += ["results/train.json"]
FIGURES += ["train", "train_scatter", "train_budget", "train_lr_curves"]
TABLES += ["train_metrics"]


# One job per (arm, eps) so the sweeps spread over cores or a cluster, named by the eps value
# (results/train/nqm_eps-8.json) and given only its own settings: adding an eps adds one job and
# reruns no other. An arm is a problem (nqm, softmax, mlp: the part of its name before "_") with
# one optimiser; SignSGD, SGD and Adam-atan2 have no eps: one job each (results/train/nqm_sgd_epsnone.json).
# The step-budget arms rerun one arm for 1, 10, 100 ... steps.
rule train_sweep:
    input:
        library=LIBRARY,
    output:
        csv="results/train/{problem}_eps{eps}.csv",
        json="results/train/{problem}_eps{eps}.json",
    wildcard_constraints:
        problem="|".join(sorted(ARMS, key=len, reverse=True)),
        eps=r"none|-?[0-9.e+-]+",
    params:
        problem=lambda w: sweep_params(ARMS[w.problem], w.eps),
        model=lambda w: train_model(w.problem),
        seeds=config["train"]["seeds"],
        beta1=config["train"]["beta1"],
        beta2=config["train"]["beta2"],
        lr_search=config["train"]["lr_search"],
        vary_init=config["train"]["vary_init"],
    log:
        log_of("train_sweep_{problem}_eps{eps}"),
    benchmark:
        benchmark_of("train_sweep_{problem}_eps{eps}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=lambda w: ARMS[w.problem].get("mem_mb", 4000 if train_model(w.problem) == "mlp" else 2000),
        runtime=lambda w: ARMS[w.problem].get("runtime", 60 if train_model(w.problem) == "mlp" else 30),
    script:
        "../src/scripts/train_sweep.py"


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
        compare=config["train"]["compare"],
    log:
        log_of("train_summary"),
    benchmark:
        benchmark_of("train_summary")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/train_summary.py"


rule fig_train:
    input:
        npz="results/train.npz",
        multistep="results/multistep.npz",  # rules/multistep.smk: from the sweeps, never from these figures
        library=LIBRARY,
    output:
        pdf="figures/train.pdf",
        png=report("figures/train.png", caption="../report/train.rst", category="Real training"),
        scatter_pdf="figures/train_scatter.pdf",
        scatter_png=report("figures/train_scatter.png", caption="../report/train_scatter.rst", category="Real training"),
        budget_pdf="figures/train_budget.pdf",
        budget_png=report("figures/train_budget.png", caption="../report/train_budget.rst", category="Real training"),
    params:
        arms=list(TRAIN),
        optimizers={arm: cfg["optimizer"] for arm, cfg in TRAIN.items()},
        budget=BUDGET_CFG,
    log:
        log_of("fig_train"),
    benchmark:
        benchmark_of("fig_train")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/fig_train.py"


rule fig_train_lr_curves:
    input:
        csv=f"{LR_CURVES_SWEEP}.csv",
        json=f"{LR_CURVES_SWEEP}.json",
        library=LIBRARY,
    output:
        pdf="figures/train_lr_curves.pdf",
        png=report("figures/train_lr_curves.png", caption="../report/train_lr_curves.rst", category="Real training"),
    log:
        log_of("fig_train_lr_curves"),
    benchmark:
        benchmark_of("fig_train_lr_curves")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/fig_train_lr_curves.py"


rule table_train_metrics:
    input:
        json="results/train.json",
        library=LIBRARY,
    output:
        "paper/generated/table_train_metrics.tex",
    params:
        arms=list(TRAIN),
        optimizers={arm: cfg["optimizer"] for arm, cfg in TRAIN.items()},
        n_rows={arm: n_train_jobs(cfg) for arm, cfg in TRAIN.items()},
    log:
        log_of("table_train_metrics"),
    benchmark:
        benchmark_of("table_train_metrics")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/table_train_metrics.py"
