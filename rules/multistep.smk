# Section "Many steps" (paper/sections/multistep.tex): the multi-step theory of the tuned learning rate
# on the noisy quadratic model (adameps.multistep), held against the training sweeps of rules/training.smk;
# on the digits arms applied to the diagonal of the measured statistics. The training figures
# (rule fig_train) draw these predictions: results flow from here to them, never back.

MS = config["multistep"]
NQM_ARMS = {arm: cfg for arm, cfg in ARMS.items() if train_model(arm) == "nqm"}
MS_JSON = [f"results/multistep/{arm}_eps{tag}.json" for arm, cfg in NQM_ARMS.items() for tag in eps_tags(cfg)]
NQM_TRAIN_JSON = [f"results/train/{arm}_eps{tag}.json" for arm, cfg in NQM_ARMS.items() for tag in eps_tags(cfg)]
# The digits arms (all Adam): the theory on the diagonal of their measured statistics.
DIGITS_ARMS = {arm: cfg for arm, cfg in TRAIN.items() if train_model(arm) != "nqm"}
MS_DIGITS_JSON = [f"results/multistep/{arm}_eps{tag}.json" for arm, cfg in DIGITS_ARMS.items() for tag in eps_tags(cfg)]
DIGITS_TRAIN_JSON = [f"results/train/{arm}_eps{tag}.json" for arm, cfg in DIGITS_ARMS.items() for tag in eps_tags(cfg)]
if MS["budget"]["problem"] not in TRAIN or train_model(MS["budget"]["problem"]) != "nqm":
    raise ValueError(
        f"multistep.budget.problem = {MS['budget']['problem']!r} must name an NQM arm of train.problems "
        f"({', '.join(a for a in TRAIN if train_model(a) == 'nqm')})"
    )

RESULTS += ["results/multistep.json"]
FIGURES += ["multistep_train", "multistep_budget"]


# One job per NQM training sweep: the multi-step prediction at that sweep's (arm, eps, step budget).
rule multistep_predict:
    input:
        sweep="results/train/{problem}_eps{eps}.json",
        library=LIBRARY,
    output:
        "results/multistep/{problem}_eps{eps}.json",
    wildcard_constraints:
        problem="|".join(sorted(NQM_ARMS, key=len, reverse=True)),
        eps=r"none|-?[0-9.e+-]+",
    params:
        search=MS["search"],
        check=MS["check"],
    log:
        log_of("multistep_predict_{problem}_eps{eps}"),
    benchmark:
        benchmark_of("multistep_predict_{problem}_eps{eps}")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/multistep_predict.py"


# One job per digits arm: g, sigma and diag H at each initial point of its seeds (eps-independent).
rule multistep_digits_stats:
    input:
        sweep=digits_stats_sweep,
        library=LIBRARY,
    output:
        "results/multistep/{problem}_stats.npz",
    wildcard_constraints:
        problem="|".join(sorted(DIGITS_ARMS, key=len, reverse=True)),
    log:
        log_of("multistep_digits_stats_{problem}"),
    benchmark:
        benchmark_of("multistep_digits_stats_{problem}")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/multistep_digits_stats.py"


# One job per digits sweep: the multi-step prediction of the diagonal model at the sweep's (eps, step budget).
rule multistep_predict_digits:
    input:
        sweep="results/train/{problem}_eps{eps}.json",
        stats="results/multistep/{problem}_stats.npz",
        library=LIBRARY,
    output:
        "results/multistep/{problem}_eps{eps}.json",
    wildcard_constraints:
        problem="|".join(sorted(DIGITS_ARMS, key=len, reverse=True)),
        eps=r"-?[0-9.e+-]+",
    params:
        search=MS["search"],
    log:
        log_of("multistep_predict_digits_{problem}_eps{eps}"),
    benchmark:
        benchmark_of("multistep_predict_digits_{problem}_eps{eps}")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/multistep_predict_digits.py"


rule multistep_budget:
    input:
        library=LIBRARY,
    output:
        npz="results/multistep_budget.npz",
    params:
        problem=TRAIN[MS["budget"]["problem"]],
        budget=MS["budget"],
        search=MS["search"],
        beta1=config["train"]["beta1"],
        beta2=config["train"]["beta2"],
    log:
        log_of("multistep_budget"),
    benchmark:
        benchmark_of("multistep_budget")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/multistep_budget.py"


rule multistep_summary:
    input:
        sweeps=NQM_TRAIN_JSON + DIGITS_TRAIN_JSON,
        predictions=MS_JSON + MS_DIGITS_JSON,
        budget="results/multistep_budget.npz",
        library=LIBRARY,
    output:
        json="results/multistep.json",
        npz="results/multistep.npz",
    params:
        arms=list(NQM_ARMS) + list(DIGITS_ARMS),
        train_arms=list(TRAIN),
        nqm_arms=[a for a in TRAIN if train_model(a) == "nqm"],
        targets=MS["targets"],
    log:
        log_of("multistep_summary"),
    benchmark:
        benchmark_of("multistep_summary")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/multistep_summary.py"


rule fig_multistep:
    input:
        summary="results/multistep.npz",
        budget="results/multistep_budget.npz",
        library=LIBRARY,
    output:
        train_pdf="figures/multistep_train.pdf",
        train_png=report("figures/multistep_train.png", caption="../report/multistep_train.rst", category="Many steps"),
        budget_pdf="figures/multistep_budget.pdf",
        budget_png=report("figures/multistep_budget.png", caption="../report/multistep_budget.rst", category="Many steps"),
    params:
        arms=[a for a in TRAIN if train_model(a) == "nqm"],
        budget_problem=BUDGET_CFG["problem"],
    log:
        log_of("fig_multistep"),
    benchmark:
        benchmark_of("fig_multistep")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/fig_multistep.py"
