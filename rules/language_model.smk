# Section "A language model" (paper/sections/language_model.tex): a byte-level transformer on the King James Bible (adameps.lm): the post's premise (does eps
# dominate, when, where), the tuned eta*(B, eps) of whole runs, switching eps mid-run, and Malladi's
# square-root rule. Needs torch and the corpus (tools/ensure-corpus.sh).

LM = config["lm"]
LM_SCRIPTS = ["src/scripts/_lm.py"]
LM_EPS = LM["sweep"]["log10_eps"]
LM_TAGS = [f"{x:g}" for x in LM_EPS]
LM_SWEEPS = [lm_sweep_file(x) for x in LM_EPS]
# What every language-model job reads: the training settings, without the measurements' own sections.
LM_COMMON = {k: v for k, v in LM.items() if k not in ("sweep", "budget", "premise", "switch", "one_step", "sqrt_rule", "theory")}
# The sweep repeated at other token budgets (lm.budget): one lm_sweep job per budget.
LM_BUDGET = LM["budget"]
LM_BUDGET_SWEEPS = [lm_sweep_file(LM_BUDGET["log10_eps"], n) for n in LM_BUDGET["token_budgets"]]


if len(LM["sweep"]["lr_centre"]) != len(LM_EPS):
    raise ValueError(f"config key 'lm.sweep.lr_centre' needs one value per lm.sweep.log10_eps ({len(LM_EPS)}), "
                     f"got {len(LM['sweep']['lr_centre'])}")
for _key, _val, _allowed in (("lm.premise.B", [LM["premise"]["B"]], LM["sweep"]["B"]),
                             ("lm.switch.B", [LM["switch"]["B"]], LM["sweep"]["B"]),
                             ("lm.sqrt_rule.B", LM["sqrt_rule"]["B"], LM["sweep"]["B"]),
                             ("lm.premise.log10_eps_train", LM["premise"]["log10_eps_train"], LM_EPS),
                             ("lm.switch.log10_eps_from", [LM["switch"]["log10_eps_from"]], LM_EPS),
                             ("lm.sqrt_rule.log10_eps_ref", [LM["sqrt_rule"]["log10_eps_ref"]], LM_EPS),
                             ("lm.budget.B", LM_BUDGET["B"], LM["sweep"]["B"]),
                             ("lm.budget.log10_eps", [LM_BUDGET["log10_eps"]], LM_EPS),
                             ("lm.sweep.log10_eps (the one-step test's run has eps = 1e-8)", [-8], LM_EPS)):
    if not set(_val) <= set(_allowed):
        raise ValueError(f"config key '{_key}' = {_val} must be among {_allowed} (the sweeps' values), "
                         "since it uses their tuned learning rates")
if LM["token_budget"] in LM_BUDGET["token_budgets"]:
    raise ValueError(f"config key 'lm.budget.token_budgets' = {LM_BUDGET['token_budgets']} must not contain "
                     f"lm.token_budget ({LM['token_budget']}): the main sweep already measures that budget")
if LM["sqrt_rule"]["fractions"][-1] != 1:
    raise ValueError("config key 'lm.sqrt_rule.fractions' must end with 1 (the end of training)")
LM_RESULTS = ["results/lm_corpus.json", "results/lm_lr.json", "results/lm_premise.json", "results/lm_switch.json",
              "results/lm_sqrt_rule.json", "results/lm_one_step.json", "results/lm_theory.json"]
LM_FIGURES = ["lm_premise", "lm_grad_stats", "lm_eta", "lm_budget", "lm_switch", "lm_sqrt_rule", "lm_one_step"]
RESULTS += LM_RESULTS
FIGURES += LM_FIGURES


rule lm_corpus:
    input:
        library=LIBRARY,
    output:
        npz="results/lm/corpus.npz",
        json="results/lm_corpus.json",
    params:
        corpus=LM["corpus"],
    log:
        log_of("lm_corpus"),
    benchmark:
        benchmark_of("lm_corpus")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/lm_corpus.py"


rule lm_sweep:
    input:
        corpus="results/lm/corpus.npz",
        library=LIBRARY + LM_SCRIPTS,
    output:
        # {budget} is empty for the main sweep, "_tokens<n>" for lm.budget's token budget n.
        json="results/lm/sweep_eps{eps}{budget}.json",
    wildcard_constraints:
        eps="|".join(LM_TAGS),
        budget="|".join([""] + [f"_tokens{n}" for n in LM_BUDGET["token_budgets"]]),
    params:
        lm=lambda w: {**LM_COMMON, "token_budget": lm_budget_tokens(w.budget)},
        sweep=lambda w: {**lm_sweep_params(w.eps), **({"B": LM_BUDGET["B"]} if w.budget else {})},
    log:
        log_of("lm_sweep_eps{eps}{budget}"),
    benchmark:
        benchmark_of("lm_sweep_eps{eps}{budget}")
    threads: LM["threads"]
    # The sweeps first, then the longest analysis (lm_one_step): on 2 cores an analysis started
    # before the last sweep left lm_theory, which needs every sweep, alone at the end (11.1 min for
    # the LM part against 1018 CPU-s).
    priority: 2
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
        budget_sweeps=LM_BUDGET_SWEEPS,
        library=LIBRARY,
    output:
        json="results/lm_lr.json",
        npz="results/lm/lr.npz",
    log:
        log_of("lm_lr_summary"),
    benchmark:
        benchmark_of("lm_lr_summary")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/lm_lr_summary.py"


rule lm_theory:
    input:
        corpus="results/lm/corpus.npz",
        sweeps=LM_SWEEPS,
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm_theory.json",
        npz="results/lm/theory.npz",
    params:
        lm={**lm_params("theory"), "sweep": {k: LM["sweep"][k] for k in ("B", "log10_eps")}},
    log:
        log_of("lm_theory"),
    benchmark:
        benchmark_of("lm_theory")
    threads: LM["threads"]
    conda:
        CONDA_ENV
    resources:
        mem_mb=4000,
        runtime=lm_runtime(15),
    script:
        "../src/scripts/lm_theory.py"


rule lm_premise:
    input:
        corpus="results/lm/corpus.npz",
        sweeps=lm_sweeps(*LM["premise"]["log10_eps_train"]),
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm_premise.json",
        npz="results/lm/premise.npz",
    params:
        lm=lm_params("premise"),
    log:
        log_of("lm_premise"),
    benchmark:
        benchmark_of("lm_premise")
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
        sweeps=lm_sweeps(LM["switch"]["log10_eps_from"]),
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm_switch.json",
        npz="results/lm/switch.npz",
    params:
        lm={**lm_params("switch"), "one_step": {k: LM["one_step"][k] for k in ("P", "n_probes")}},
    log:
        log_of("lm_eps_switch"),
    benchmark:
        benchmark_of("lm_eps_switch")
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
        sweeps=lm_sweeps(LM["sqrt_rule"]["log10_eps_ref"]),
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm_sqrt_rule.json",
        npz="results/lm/sqrt_rule.npz",
    params:
        lm=lm_params("sqrt_rule"),
    log:
        log_of("lm_sqrt_rule"),
    benchmark:
        benchmark_of("lm_sqrt_rule")
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
        sweeps=lm_sweeps(-8),
        library=LIBRARY + LM_SCRIPTS,
    output:
        json="results/lm_one_step.json",
        rows="results/lm/one_step.json",
    params:
        lm={**lm_params("one_step"), "premise": {"B": LM["premise"]["B"]}},
    log:
        log_of("lm_one_step"),
    benchmark:
        benchmark_of("lm_one_step")
    threads: LM["threads"]
    priority: 1
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
        theory="results/lm/theory.npz",
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
        budget_pdf="figures/lm_budget.pdf",
        budget_png=report("figures/lm_budget.png", caption="../report/lm_budget.rst", category="Language model"),
        switch_pdf="figures/lm_switch.pdf",
        switch_png=report("figures/lm_switch.png", caption="../report/lm_switch.rst", category="Language model"),
        sqrt_pdf="figures/lm_sqrt_rule.pdf",
        sqrt_png=report("figures/lm_sqrt_rule.png", caption="../report/lm_sqrt_rule.rst", category="Language model"),
        one_step_pdf="figures/lm_one_step.pdf",
        one_step_png=report("figures/lm_one_step.png", caption="../report/lm_one_step.rst", category="Language model"),
    log:
        log_of("fig_lm"),
    benchmark:
        benchmark_of("fig_lm")
    conda:
        CONDA_ENV
    script:
        "../src/scripts/fig_lm.py"
