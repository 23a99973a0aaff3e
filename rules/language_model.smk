# ---------------------------------------------------------------- the language model (paper section language_model)
# A byte-level transformer on the King James Bible (adameps.lm): the post's premise (does eps
# dominate, when, where), the tuned eta*(B, eps) of whole runs, switching eps mid-run, and Malladi's
# square-root rule. Needs torch and the corpus (tools/ensure-corpus.sh).

LM = config["lm"]
LM_SCRIPTS = ["src/scripts/_lm.py"]
LM_EPS = LM["sweep"]["log10_eps"]
LM_SWEEPS = [f"results/lm/sweep_eps{k}.json" for k in range(len(LM_EPS))]
if len(LM["sweep"]["lr_centre"]) != len(LM_EPS):
    raise ValueError(f"config key 'lm.sweep.lr_centre' needs one value per lm.sweep.log10_eps ({len(LM_EPS)}), "
                     f"got {len(LM['sweep']['lr_centre'])}")
for _key, _val, _allowed in (("lm.premise.B", [LM["premise"]["B"]], LM["sweep"]["B"]),
                             ("lm.switch.B", [LM["switch"]["B"]], LM["sweep"]["B"]),
                             ("lm.sqrt_rule.B", LM["sqrt_rule"]["B"], LM["sweep"]["B"]),
                             ("lm.premise.log10_eps_train", LM["premise"]["log10_eps_train"], LM_EPS),
                             ("lm.switch.log10_eps_from", [LM["switch"]["log10_eps_from"]], LM_EPS),
                             ("lm.sqrt_rule.log10_eps_ref", [LM["sqrt_rule"]["log10_eps_ref"]], LM_EPS)):
    if not set(_val) <= set(_allowed):
        raise ValueError(f"config key '{_key}' = {_val} must be among {_allowed} (the sweeps' values), "
                         "since it uses their tuned learning rates")
if LM["sqrt_rule"]["fractions"][-1] != 1:
    raise ValueError("config key 'lm.sqrt_rule.fractions' must end with 1 (the end of training)")
LM_RESULTS = ["results/lm_corpus.json", "results/lm_lr.json", "results/lm_premise.json", "results/lm_switch.json",
              "results/lm_sqrt_rule.json", "results/lm_one_step.json"]
LM_FIGURES = ["lm_premise", "lm_grad_stats", "lm_eta", "lm_switch", "lm_sqrt_rule", "lm_one_step"]


def lm_runtime(minutes):
    return lambda w: minutes * (60 if LM["device"] == "cpu" and LM["token_budget"] > 10**6 else 1)


rule lm_corpus:
    input:
        library=LIBRARY,
    output:
        npz="results/lm/corpus.npz",
        json="results/lm_corpus.json",
    params:
        corpus=LM["corpus"],
    log:
        "logs/lm_corpus.log",
    benchmark:
        "logs/benchmarks/lm_corpus.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../src/scripts/lm_corpus.py"


rule lm_sweep:
    input:
        corpus="results/lm/corpus.npz",
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm/sweep_eps{k}.json",
    wildcard_constraints:
        k=r"\d+",
    params:
        lm=LM,
    log:
        "logs/lm_sweep_eps{k}.log",
    benchmark:
        "logs/benchmarks/lm_sweep_eps{k}.tsv"
    threads: LM["threads"]
    conda:
        CONDA_ENV
    resources:
        mem_mb=4000,
        runtime=lm_runtime(30),
    script:
        "../src/scripts/lm_sweep.py"


rule lm_lr_summary:
    input:
        sweeps=LM_SWEEPS,
        library=LIBRARY,
    output:
        json="results/lm_lr.json",
        npz="results/lm/lr.npz",
    log:
        "logs/lm_lr_summary.log",
    benchmark:
        "logs/benchmarks/lm_lr_summary.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../src/scripts/lm_lr_summary.py"


rule lm_premise:
    input:
        corpus="results/lm/corpus.npz",
        sweeps=LM_SWEEPS,
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm_premise.json",
        npz="results/lm/premise.npz",
    params:
        lm=LM,
    log:
        "logs/lm_premise.log",
    benchmark:
        "logs/benchmarks/lm_premise.tsv"
    threads: LM["threads"]
    conda:
        CONDA_ENV
    resources:
        mem_mb=4000,
        runtime=lm_runtime(15),
    script:
        "../src/scripts/lm_premise.py"


rule lm_eps_switch:
    input:
        corpus="results/lm/corpus.npz",
        sweeps=LM_SWEEPS,
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm_switch.json",
        npz="results/lm/switch.npz",
    params:
        lm=LM,
    log:
        "logs/lm_eps_switch.log",
    benchmark:
        "logs/benchmarks/lm_eps_switch.tsv"
    threads: LM["threads"]
    conda:
        CONDA_ENV
    resources:
        mem_mb=4000,
        runtime=lm_runtime(15),
    script:
        "../src/scripts/lm_eps_switch.py"


rule lm_sqrt_rule:
    input:
        corpus="results/lm/corpus.npz",
        sweeps=LM_SWEEPS,
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm_sqrt_rule.json",
        npz="results/lm/sqrt_rule.npz",
    params:
        lm=LM,
    log:
        "logs/lm_sqrt_rule.log",
    benchmark:
        "logs/benchmarks/lm_sqrt_rule.tsv"
    threads: LM["threads"]
    conda:
        CONDA_ENV
    resources:
        mem_mb=4000,
        runtime=lm_runtime(15),
    script:
        "../src/scripts/lm_sqrt_rule.py"


rule lm_one_step:
    input:
        corpus="results/lm/corpus.npz",
        sweeps=LM_SWEEPS,
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm_one_step.json",
        rows="results/lm/one_step.json",
    params:
        lm=LM,
    log:
        "logs/lm_one_step.log",
    benchmark:
        "logs/benchmarks/lm_one_step.tsv"
    threads: LM["threads"]
    conda:
        CONDA_ENV
    resources:
        mem_mb=6000,
        runtime=lm_runtime(20),
    script:
        "../src/scripts/lm_one_step.py"


rule fig_lm:
    input:
        one_step="results/lm/one_step.json",
        premise="results/lm/premise.npz",
        lr="results/lm/lr.npz",
        switch="results/lm/switch.npz",
        sqrt="results/lm/sqrt_rule.npz",
        library=LIBRARY,
    output:
        premise_pdf="figures/lm_premise.pdf",
        premise_png=report("figures/lm_premise.png", caption="../report/lm_premise.rst", category="Language model"),
        stats_pdf="figures/lm_grad_stats.pdf",
        stats_png=report("figures/lm_grad_stats.png", caption="../report/lm_grad_stats.rst", category="Language model"),
        eta_pdf="figures/lm_eta.pdf",
        eta_png=report("figures/lm_eta.png", caption="../report/lm_eta.rst", category="Language model"),
        switch_pdf="figures/lm_switch.pdf",
        switch_png=report("figures/lm_switch.png", caption="../report/lm_switch.rst", category="Language model"),
        sqrt_pdf="figures/lm_sqrt_rule.pdf",
        sqrt_png=report("figures/lm_sqrt_rule.png", caption="../report/lm_sqrt_rule.rst", category="Language model"),
        one_step_pdf="figures/lm_one_step.pdf",
        one_step_png=report("figures/lm_one_step.png", caption="../report/lm_one_step.rst", category="Language model"),
    log:
        "logs/fig_lm.log",
    benchmark:
        "logs/benchmarks/fig_lm.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../src/scripts/fig_lm.py"
