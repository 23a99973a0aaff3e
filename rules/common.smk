# Constants and helpers every rules file uses (the Snakemake workflow template's common.smk):
# kept apart from the rules, so each section file reads as its list of steps.

import glob


# Fixed build date, so two clean builds produce byte-identical PDFs.
SOURCE_DATE_EPOCH = 1731888000  # 2024-11-18, the date of the source post

# The paper build fails on any LaTeX/BibTeX warning and on boxes overfull by more than this.
MAX_OVERFULL_PT = 1.0

# The code every script runs besides itself: the library and the scripts' shared I/O. An input of
# every rule, so that a change to it reruns what it could change (Snakemake's own "code" trigger
# sees only the rule's script).
LIBRARY = sorted(glob.glob("src/adameps/**/*.py", recursive=True)) + ["src/scripts/_common.py"]

# With `--sdm conda` every job runs in this environment: the pins of requirements.lock, inline.
# (Relative to the rules file that names it, as Snakemake reads conda:, script: and caption paths.)
CONDA_ENV = "../envs/pipeline.yaml"


def log_of(job):
    """logs/<job>.log: the log of one job (a rule's name, with its wildcards where it has any)."""
    return f"logs/{job}.log"


def benchmark_of(job):
    """logs/benchmarks/<job>.tsv: Snakemake's run-time and memory benchmark of one job."""
    return f"logs/benchmarks/{job}.tsv"


# What the sections contribute, filled in by their rules files: every results file whose named
# values become paper macros, every figure the paper includes (PDF; the notebooks and the report
# show its PNG), every generated table (paper/generated/table_<name>.tex).
RESULTS = []
FIGURES = []
TABLES = []


# Training arms (rules/training.smk). The problem an arm trains on: the part of its name before
# the first "_" (one home with the config checks).
from adameps.pipeline.config import arm_model as train_model


def eps_tags(cfg, key="train.problems"):
    """The eps part of each sweep job's file name, one job per eps: log10(eps) as the config writes
    it ("-8", "0", "-5.5"), or "none" for an optimiser without eps (SignSGD, SGD, Adam-atan2)."""
    if cfg["optimizer"] not in ("adam", "softsign"):
        return ["none"]
    tags = [f"{x:g}" for x in cfg["log10_eps"]]
    if len(set(tags)) != len(tags):
        raise ValueError(f"{key}: log10_eps {cfg['log10_eps']} has two values that print alike ({tags}); "
                         "give each eps once, to at most 6 significant digits")
    return tags


def n_train_jobs(cfg):
    """One job per eps; SignSGD, SGD and Adam-atan2 have no eps: one job."""
    return len(eps_tags(cfg))


def sweep_params(cfg, tag):
    """The settings of one sweep job: its arm's, with the list `log10_eps` replaced by the job's own
    value (None without eps), so that adding an eps to an arm leaves every other job as it was."""
    job = {k: v for k, v in cfg.items() if k != "log10_eps"}
    job["log10_eps"] = None if tag == "none" else cfg["log10_eps"][eps_tags(cfg).index(tag)]
    return job


def digits_stats_sweep(wildcards):
    """A digits arm's first sweep (rules/multistep.smk): its settings and initial points, shared by every eps."""
    return f"results/train/{wildcards.problem}_eps{eps_tags(TRAIN[wildcards.problem])[0]}.json"


# Language-model jobs (rules/language_model.smk, which defines LM, LM_EPS, LM_TAGS, LM_COMMON).
def lm_sweep_params(tag):
    """One sweep job's settings: its own eps and first grid centre, so that adding an eps reruns no other job."""
    i = LM_TAGS.index(tag)
    job = {k: v for k, v in LM["sweep"].items() if k not in ("log10_eps", "lr_centre")}
    return {**job, "log10_eps": LM_EPS[i], "lr_centre": LM["sweep"]["lr_centre"][i]}


def lm_budget_tokens(budget):
    """The token budget of an lm_sweep job: lm.token_budget, or n for the wildcard "_tokens<n>"."""
    return int(budget.removeprefix("_tokens")) if budget else LM["token_budget"]


def lm_sweep_file(log10_eps, tokens=None):
    """The output of one lm_sweep job: the sweep at eps = 10**log10_eps and lm.token_budget, or at
    token budget `tokens` (one of lm.budget.token_budgets)."""
    return f"results/lm/sweep_eps{log10_eps:g}{'' if tokens is None else f'_tokens{tokens}'}.json"


def lm_sweeps(*log10_eps):
    """The sweep files a language-model job reads: only those whose tuned learning rates it uses, so
    it can start as soon as they are done."""
    return [lm_sweep_file(x) for x in sorted(set(log10_eps))]


def lm_params(section):
    return {**LM_COMMON, section: LM[section], "sweep": {"refine_ratio": LM["sweep"]["refine_ratio"]}}


def lm_runtime(minutes):
    return lambda w: minutes * (60 if LM["device"] == "cpu" and LM["token_budget"] > 10**6 else 1)
