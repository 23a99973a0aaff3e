"""Checks on the pipeline configuration, run by the Snakefile before any job is scheduled.

:func:`validate_config` is the one entry point: it reads numbers written as strings (YAML 1.1
reads ``1e-4`` as text; ``--config`` reads nested values as text), validates against
``config/schema/config.schema.yaml`` with a strict ``integer`` (``1201.0`` and ``1.2e+3`` are
not integers), and then checks what JSON Schema cannot express: NaN and infinities (every
comparison with NaN is false, so NaN passes any range check), orderings between keys, the
cross-references of the training section, constraints of the problem builders (``rank < n``),
and the work a configuration asks for (grid points, n², sweep size × steps) against the
stated limits of the ``limits`` section.  Every failure is one short line naming the config
key and what to write instead; no job has started, so nothing is written or deleted.

The module also holds the two start-up steps that let a rerun recover from a hard kill
(SIGKILL, the OOM killer, a power cut): :func:`recover_stale_lock` and
:func:`remove_partial_files`.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "SCHEMA",
    "ConfigError",
    "iter_leaves",
    "check_finite",
    "check_less",
    "load_yaml",
    "validate_schema",
    "n_train_jobs",
    "check_training",
    "check_families",
    "train_work",
    "arm_model",
    "check_limits",
    "validate_config",
    "recover_stale_lock",
    "remove_partial_files",
    "main",
]

SCHEMA = "config/schema/config.schema.yaml"


class ConfigError(ValueError):
    """A configuration the pipeline cannot run; the message names the key(s).

    Examples
    --------
    >>> issubclass(ConfigError, ValueError)  # callers that catch ValueError see it too
    True
    """


def iter_leaves(obj, path=""):
    """Yield ``(dotted.key.path, value)`` for every scalar in a nested mapping/list.

    Examples
    --------
    >>> list(iter_leaves({"eta": {"eps": {"n": 19}, "table_eps": [0.1, 1.0]}}))
    [('eta.eps.n', 19), ('eta.table_eps[0]', 0.1), ('eta.table_eps[1]', 1.0)]
    """
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from iter_leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, Sequence) and not isinstance(obj, (str, bytes)):
        for i, v in enumerate(obj):
            yield from iter_leaves(v, f"{path}[{i}]")
    else:
        yield path, obj


def check_finite(config: Mapping) -> None:
    """Raise ``ValueError`` naming the first key whose value is a NaN or infinite float.

    Examples
    --------
    >>> try:
    ...     check_finite({"eta": {"surge_min_strength": float("nan")}})
    ... except ConfigError as e:
    ...     print(e)
    config key 'eta.surge_min_strength' must be a finite number, got nan
    """
    for path, value in iter_leaves(config):
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"config key '{path}' must be a finite number, got {value!r}")


def _get(config: Mapping, dotted: str):
    node = config
    for part in dotted.split("."):
        node = node[part]
    return node


def check_less(config: Mapping, lower: str, upper: str) -> None:
    """Raise ``ValueError`` naming both keys unless ``config[lower] < config[upper]`` (dotted key paths).

    Examples
    --------
    >>> try:
    ...     check_less({"eta": {"B": {"log10_min": 3.0, "log10_max": 1.0}}}, "eta.B.log10_min", "eta.B.log10_max")
    ... except ConfigError as e:
    ...     print(e)
    config key 'eta.B.log10_min' (3.0) must be less than 'eta.B.log10_max' (1.0)
    """
    lo, hi = _get(config, lower), _get(config, upper)
    if not lo < hi:
        raise ConfigError(f"config key '{lower}' ({lo!r}) must be less than '{upper}' ({hi!r})")


# ---------------------------------------------------------------- YAML and the schema
def load_yaml(path):
    """The YAML file at ``path``; a syntax error is a :class:`ConfigError` naming the file, line and column.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "overlay.yaml"
    >>> _ = path.write_text("eta:\\n  nqm_draws: 5\\n")
    >>> load_yaml(path)
    {'eta': {'nqm_draws': 5}}
    >>> _ = path.write_text("eta:\\n  nqm_draws: [5\\n")
    >>> try:
    ...     load_yaml(path)
    ... except ConfigError as e:
    ...     print(str(e).replace(str(path), "overlay.yaml"))
    overlay.yaml:3:1: YAML syntax error: expected ',' or ']', but got '<stream end>'
    """
    import yaml

    try:
        return yaml.safe_load(Path(path).read_text())
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: YAML syntax error: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: YAML syntax error: {e}") from None


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_INT = re.compile(r"[-+]?\d+")


def _key(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _validator(schema):
    # jsonschema imports its optional "iri" format checker, rfc3987_syntax (installed here through
    # jupyterlab -> jupyter-events -> jsonschema[format-nongpl]), which compiles 38 grammars on
    # import: 4 of the 9 s of every `snakemake -n` on 2 cores, and of every SLURM job step
    # (python-jsonschema/jsonschema#1428). The schema uses no "format", so the checker is never
    # wanted here: where jsonschema is not loaded yet, it loads without it (an import of a module
    # set to None in sys.modules raises ImportError, which jsonschema takes as "not installed";
    # the entry is taken out again, so a later import of rfc3987_syntax itself still works).
    blocked = "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None
    try:
        from jsonschema import Draft202012Validator, validators
    finally:
        if blocked:
            del sys.modules["rfc3987_syntax"]

    # JSON Schema counts 1201.0 as an integer; a config's integers are counts and sizes, so
    # only a written integer is one (bool is not: true is no count either).
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, x: isinstance(x, int) and not isinstance(x, bool))
    return validators.extend(Draft202012Validator, type_checker=checker)(schema)


def _wants_number(expected) -> bool:
    expected = [expected] if isinstance(expected, str) else expected
    return bool({"number", "integer"} & set(expected))


def _read_numbers(config, validator) -> None:
    """Turn the strings that are number literals into numbers where the schema asks for a number:
    YAML 1.1 (PyYAML) reads ``1e-4`` (no decimal point) as the string '1e-4', and Snakemake's
    ``--config key={nested: 5}`` reads every nested value as a string."""
    for _ in range(1000):
        changed = False
        for error in validator.iter_errors(config):
            if (error.validator == "type" and isinstance(error.instance, str) and _wants_number(error.validator_value)
                    and _NUMBER.fullmatch(error.instance.strip()) and error.absolute_path):
                text = error.instance.strip()
                parent = config
                *head, last = error.absolute_path
                for p in head:
                    parent = parent[p]
                parent[last] = int(text) if _INT.fullmatch(text) else float(text)
                changed = True
                break
        if not changed:
            return


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _message(error, schema) -> str:
    """One short line for a schema violation: the key, what is wrong, what to write instead."""
    key, v, inst, val = _key(error.absolute_path), error.validator, error.instance, error.validator_value
    here = f"config key '{key}'"
    if v == "additionalProperties":
        sub = error.schema
        allowed = sorted(sub.get("properties", {}))
        unknown = [k for k in inst if k not in allowed
                   and not any(re.search(p, k) for p in sub.get("patternProperties", {}))]
        names = ", ".join(repr(k) for k in unknown)
        if sub.get("patternProperties"):
            pats = " or ".join(sub["patternProperties"])
            return f"{here}: {names} is not a valid name here: names must match {pats}"
        if not error.absolute_path:
            return (f"unknown top-level config key {names} ({names} was unexpected); the top level of the config "
                    "takes: " + ", ".join(allowed))
        return f"{here}: unknown key {names} ({names} was unexpected); '{key}' takes: " + ", ".join(allowed)
    if v == "type":
        want = val if isinstance(val, str) else " or ".join(val)
        hint = ""
        if want == "integer" and isinstance(inst, float) and inst.is_integer():
            hint = f"; write {int(inst)}"
        elif want == "integer" and isinstance(inst, str):
            hint = "; write a whole number, e.g. 101"
        elif _wants_number(val) and isinstance(inst, str):
            hint = "; write a number, e.g. 3 or 1.0e-4"
        return f"{here} = {inst!r} must be {_article(want)} {want}{hint}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[v]
        hint = ""
        if v == "maximum" and isinstance(inst, int):
            hint = " (the largest size the schema allows)"
        return f"{here} = {inst!r} must be {op} {val!r}{hint}"
    if v == "enum":
        return f"{here} = {inst!r} must be one of: {', '.join(map(str, val))}"
    if v == "required":
        return f"{here}: {error.message}"
    if v == "not" and isinstance(val, Mapping) and "required" in val:
        extra = ", ".join(val["required"])
        why = f" (optimizer {inst['optimizer']!r} has no eps)" if isinstance(inst, Mapping) and "optimizer" in inst else ""
        return f"{here} must not set {extra}{why}: remove it"
    if v == "pattern":
        return f"{here} = {inst!r} does not match {val!r}"
    text = error.message
    return f"{here}: {text if len(text) <= 160 else text[:157] + '...'}"


def validate_schema(config: dict, schema_path=SCHEMA) -> None:
    """Validate ``config`` against the schema (reading number strings first, integers strict);
    :class:`ConfigError` listing each violation on one line.

    Examples
    --------
    >>> import tempfile
    >>> schema = Path(tempfile.mkdtemp()) / "schema.yaml"
    >>> _ = schema.write_text("type: object\\nproperties:\\n  n: {type: integer, minimum: 1}\\n")
    >>> config = {"n": "12"}  # as --config n=12 gives it: a string
    >>> validate_schema(config, schema)
    >>> config
    {'n': 12}
    >>> try:
    ...     validate_schema({"n": 0}, schema)
    ... except ConfigError as e:
    ...     print(e)
    invalid configuration (config/schema/config.schema.yaml documents every key):
      config key 'n' = 0 must be >= 1
    """
    schema = load_yaml(schema_path)
    validator = _validator(schema)
    _read_numbers(config, validator)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = list(dict.fromkeys(_message(e, schema) for e in errors))
        more = f"\n  ... and {len(lines) - 10} more" if len(lines) > 10 else ""
        raise ConfigError("invalid configuration (config/schema/config.schema.yaml documents every key):\n  "
                          + "\n  ".join(lines[:10]) + more)


# ---------------------------------------------------------------- what the schema cannot say
EPS_OPTIMIZERS = ("adam", "softsign")


def n_train_jobs(arm: Mapping) -> int:
    """One ``train_sweep`` job per eps of an adam or softsign arm; one for an arm without eps.

    Examples
    --------
    >>> n_train_jobs({"optimizer": "adam", "log10_eps": [-8, -3, 0]}), n_train_jobs({"optimizer": "sgd"})
    (3, 1)
    """
    return len(arm["log10_eps"]) if arm["optimizer"] in EPS_OPTIMIZERS else 1


def check_training(config: Mapping) -> None:
    """The cross-references of ``train``: step_budget and lr_curves name existing arms, arm names stay
    distinct as macro keys (the underscores dropped) and do not collide with step-budget arms.

    Examples
    --------
    >>> train = {"problems": {"nqm": {"optimizer": "adam", "log10_eps": [-8.0]}},
    ...          "step_budget": {"problem": "nqm", "steps": [10]}, "lr_curves": {"problem": "nqm", "eps_index": 1}}
    >>> try:
    ...     check_training({"train": train})
    ... except ConfigError as e:
    ...     print(e)
    config key 'train.lr_curves' = {'problem': 'nqm', 'eps_index': 1}: eps_index must be one of the arm's eps
    indices (0 to 0)
    """
    train = config["train"]
    arms = train["problems"]
    budget, curves = train["step_budget"], train["lr_curves"]
    if budget["problem"] not in arms or arms[budget["problem"]]["optimizer"] not in EPS_OPTIMIZERS:
        raise ConfigError(
            f"config key 'train.step_budget.problem' = {budget['problem']!r} must name an adam or softsign "
            f"arm of train.problems ({', '.join(a for a in arms if arms[a]['optimizer'] in EPS_OPTIMIZERS)})")
    if curves["problem"] not in arms:
        raise ConfigError(f"config key 'train.lr_curves.problem' = {curves['problem']!r} must name an arm of "
                          f"train.problems ({', '.join(arms)})")
    if curves["eps_index"] >= n_train_jobs(arms[curves["problem"]]):
        raise ConfigError(
            f"config key 'train.lr_curves' = {dict(curves)!r}: eps_index must be one of the arm's eps indices "
            f"(0 to {n_train_jobs(arms[curves['problem']]) - 1})")
    budget_arms = {f"{budget['problem']}_steps{s}" for s in budget["steps"]}
    seen = {}
    for arm in [*arms, *sorted(budget_arms)]:
        if arm in arms and arm in budget_arms:
            raise ConfigError(f"config key 'train.problems.{arm}': the name is taken by a step-budget arm "
                              f"(train.step_budget); choose another")
        k = arm.replace("_", "")
        if k in seen:
            raise ConfigError(f"config key 'train.problems.{arm}': the name is '{seen[k]}' without its underscores "
                              "(the two would share paper macros); choose another")
        seen[k] = arm


def check_families(config: Mapping) -> None:
    """Constraints of the problem builders (adameps.problems) that JSON Schema cannot state.

    Examples
    --------
    >>> check_families({"eta": {"families": {"low_rank_dominated": {"n": 300, "rank": 1}}}})
    >>> try:
    ...     check_families({"eta": {"families": {"low_rank_dominated": {"n": 300, "rank": 300}}}})
    ... except ConfigError as e:
    ...     print(e)
    config key 'eta.families.low_rank_dominated.rank' = 300 must be less than
    'eta.families.low_rank_dominated.n' = 300; write a rank of at most 299
    """
    low = config["eta"]["families"].get("low_rank_dominated")
    if low is not None:
        n, rank = low.get("n", 300), low.get("rank", 1)
        if not rank < n:
            raise ConfigError(f"config key 'eta.families.low_rank_dominated.rank' = {rank} must be less than "
                              f"'eta.families.low_rank_dominated.n' = {n}; write a rank of at most {n - 1}")


# The problem builders' defaults, used where a family's config omits n.
_FAMILY_N = 300
_DIGITS_FEATURES, _DIGITS_CLASSES = 64, 10


def train_work(arm: Mapping, train: Mapping, model: str) -> float:
    """The work of one ``train_sweep`` job of ``arm`` in multiply-adds (order of magnitude):
    per batch size, (coarse + fine) learning rates × seeds × steps × the cost of one step
    (n for the NQM; B × parameters for the digits models).

    Examples
    --------
    >>> train = {"lr_search": {"coarse": 7, "fine": 5}, "seeds": 2}
    >>> train_work({"n": 500, "steps": 100, "B": [1, 16]}, train, "nqm")  # 12 lr x 2 seeds x 100 steps x 2 x 500
    2400000.0
    """
    search = train["lr_search"]
    runs = (search["coarse"] + search["fine"]) * train["seeds"] * arm["steps"]
    if model == "nqm":
        per_step = [arm["n"]] * len(arm["B"])
    else:
        hidden = arm.get("hidden")
        params = (_DIGITS_FEATURES * hidden + hidden + hidden * _DIGITS_CLASSES + _DIGITS_CLASSES if hidden
                  else _DIGITS_FEATURES * _DIGITS_CLASSES + _DIGITS_CLASSES)
        per_step = [B * params for B in arm["B"]]
    return float(runs * sum(per_step))


def arm_model(arm: str) -> str:
    """The model an arm trains: the part of its name before the first "_" (nqm, softmax, mlp).

    Examples
    --------
    >>> arm_model("mlp_wide"), arm_model("nqm")
    ('mlp', 'nqm')
    """
    return arm.split("_")[0]


def _sci(x) -> str:
    if isinstance(x, int) and x < 10**6:
        return str(x)
    return f"{x:.6g}" if x < 1e6 else f"{x:.2e}"


def check_limits(config: Mapping) -> None:
    """The work and memory a configuration asks for against ``limits`` (the schema says how to raise
    them): moments grid points, n² and sweep points of each eta family, work per training job and
    the number of training jobs.

    Examples
    --------
    >>> config = load_yaml(Path(__file__).parents[3] / "config/config.yaml")
    >>> check_limits(config)
    >>> config["eta"]["families"]["nqm"]["n"] = 10**5
    >>> try:
    ...     check_limits(config)
    ... except ConfigError as e:
    ...     print(str(e).split(";")[0])
    config key eta.families.nqm.n = 100000: n² (entries of the dense H) = 1.00e+10 exceeds
    limits.eta_matrix_entries = 2.50e+07
    """
    lim = config["limits"]

    def over(what: str, value: float, limit_key: str, fix: str):
        if value > lim[limit_key]:
            raise ConfigError(
                f"{what} = {_sci(value)} exceeds limits.{limit_key} = {_sci(lim[limit_key])}; {fix}, or raise "
                f"limits.{limit_key} in an overlay config (--configfile) on a machine that can take it "
                "(config/schema/config.schema.yaml, 'limits')")

    m = config["moments"]
    over(f"config keys moments.n_a × moments.n_b = {m['n_a']} × {m['n_b']}", m["n_a"] * m["n_b"],
         "moments_grid_points", "make the grid smaller")
    eta = config["eta"]
    for family, kw in eta["families"].items():
        n = kw.get("n", _FAMILY_N)
        over(f"config key eta.families.{family}.n = {n}: n² (entries of the dense H)", n * n,
             "eta_matrix_entries", f"make eta.families.{family}.n smaller")
        over(f"config keys eta.eps.n × eta.B.n × eta.families.{family}.n = {eta['eps']['n']} × {eta['B']['n']} × {n}",
             eta["eps"]["n"] * eta["B"]["n"] * n, "eta_sweep_points", "make the eps or B grid smaller")
        sq = eta["sqrt_rule"]
        over(f"config keys len(eta.sqrt_rule.b) × eta.sqrt_rule.n_B × eta.families.{family}.n = "
             f"{len(sq['b'])} × {sq['n_B']} × {n}", len(sq["b"]) * sq["n_B"] * n, "eta_sweep_points",
             "make eta.sqrt_rule.n_B smaller")
    train = config["train"]
    jobs = 0
    for arm, cfg in train["problems"].items():
        jobs += n_train_jobs(cfg)
        over(f"config key train.problems.{arm}: the work of one sweep job ((coarse + fine) lr × seeds × steps × "
             "step cost, summed over B)", train_work(cfg, train, arm_model(arm)), "train_work_per_job",
             f"use fewer seeds, steps or batch sizes in train.problems.{arm}")
    budget = train["step_budget"]
    base = train["problems"][budget["problem"]]
    for s in budget["steps"]:
        over(f"config key train.step_budget.steps = {s} (arm {budget['problem']}): the work of one sweep job",
             train_work({**base, "steps": s}, train, arm_model(budget["problem"])), "train_work_per_job", "use fewer steps in train.step_budget.steps")
    jobs += len(budget["steps"]) * len(budget["log10_eps"])
    over("the number of train_sweep jobs (eps values of each arm, plus step budgets × their eps)", jobs,
         "train_jobs", "give fewer eps values (log10_eps) or step budgets")


ORDERED = [
    ("moments.log10_b_min", "moments.log10_b_max"),
    ("eta.eps.log10_min", "eta.eps.log10_max"),
    ("eta.B.log10_min", "eta.B.log10_max"),
    ("eta.sqrt_rule.log10_B_ref", "eta.sqrt_rule.log10_B_window"),
    ("eta.sqrt_rule.log10_B_window", "eta.sqrt_rule.log10_B_max"),
    ("eta.no_surge.log10_B_min", "eta.no_surge.log10_B_max"),
]


def validate_config(config: dict, schema_path=SCHEMA) -> None:
    """Every check of the configuration, in order; :class:`ConfigError` naming the key on the first
    failure.  Numbers written as strings are turned into numbers in place.

    Examples
    --------
    >>> root = Path(__file__).parents[3]
    >>> config = load_yaml(root / "config/config.yaml")
    >>> config["eta"]["surge_min_strength"] = "1e-3"  # YAML 1.1 reads 1e-3 as text
    >>> validate_config(config, root / SCHEMA)
    >>> config["eta"]["surge_min_strength"]
    0.001
    """
    check_finite(config)  # first: NaN passes every range check, and inf would read as "must be <= 100"
    validate_schema(config, schema_path)
    for lower, upper in ORDERED:
        check_less(config, lower, upper)
    check_training(config)
    check_families(config)
    check_limits(config)


# ---------------------------------------------------------------- recovery after a hard kill
def _live_snakemake(workdir: Path) -> list[tuple[int, str]]:
    """Other live Snakemake processes (pid, command line) whose working directory is ``workdir``:
    this process and its ancestors (``make``, a wrapper) excluded; processes we may not inspect
    (other users') skipped."""
    import psutil

    me = psutil.Process()
    skip = {me.pid, *(p.pid for p in me.parents())}
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmd = proc.info["cmdline"] or []
            if proc.pid in skip or not any("snakemake" in part for part in cmd):
                continue
            if Path(proc.cwd()).resolve() == workdir:
                found.append((proc.pid, " ".join(cmd)))
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            continue
    return found


def recover_stale_lock(workdir=".", log=print) -> bool:
    """Remove Snakemake's lock files (``.snakemake/locks/*.lock``) if no Snakemake process is running
    in ``workdir``: a lock whose owner is gone (SIGKILL, the OOM killer, a power cut) otherwise makes
    every rerun fail until ``snakemake --unlock``.  A lock held by a live process is left alone (so
    two concurrent runs still exclude each other).  Returns whether a stale lock was removed.

    Examples
    --------
    >>> import tempfile
    >>> work = Path(tempfile.mkdtemp())
    >>> (work / ".snakemake/locks").mkdir(parents=True)
    >>> (work / ".snakemake/locks/0.input.lock").touch()
    >>> recover_stale_lock(work, log=lambda message: None), sorted((work / ".snakemake/locks").iterdir())
    (True, [])
    """
    workdir = Path(workdir).resolve()
    locks = sorted((workdir / ".snakemake" / "locks").glob("*.lock"))
    if not locks:
        return False
    live = _live_snakemake(workdir)
    if live:
        log(f"Snakemake's lock is held by a running Snakemake in this directory (pid {live[0][0]}: "
            f"{live[0][1][:120]}); not removing it.")
        return False
    for lock in locks:
        lock.unlink(missing_ok=True)
    log(f"Removed a stale Snakemake lock (.snakemake/locks, {len(locks)} files): no Snakemake process runs in "
        "this directory any more (killed?). The build continues; jobs it killed are redone (rerun-incomplete).")
    return True


PARTIAL_DIRS = ("results", "figures", "paper", "dist")


def remove_partial_files(workdir=".", log=print) -> list[str]:
    """Delete the temporary files (``.<name>.<random>.part``, see ``_common.atomic_path``) that a hard
    kill leaves in the output directories, if no other Snakemake runs in ``workdir`` (whose jobs could
    be writing them). Returns the removed paths.

    Examples
    --------
    >>> import tempfile
    >>> work = Path(tempfile.mkdtemp())
    >>> (work / "results").mkdir()
    >>> (work / "results/.eta_nqm.json.x1.part").touch()
    >>> remove_partial_files(work, log=lambda message: None)
    ['results/.eta_nqm.json.x1.part']
    """
    workdir = Path(workdir).resolve()
    parts = sorted(p for d in PARTIAL_DIRS for p in (workdir / d).rglob(".*.part") if p.is_file())
    if not parts or _live_snakemake(workdir):
        return []
    removed = []
    for p in parts:
        p.unlink(missing_ok=True)
        removed.append(p.relative_to(workdir).as_posix())
    log(f"Removed {len(removed)} partial file(s) left by an interrupted run: {', '.join(removed[:5])}"
        + (" ..." if len(removed) > 5 else ""))
    return removed


def _merge(base: dict, overlay: Mapping) -> None:
    """Read ``overlay`` on top of ``base`` key by key, as Snakemake merges ``--configfile``."""
    for k, v in overlay.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v


def main(argv=None) -> int:
    """``python -m adameps.pipeline.config [OVERLAY.yaml ...]``: check config/config.yaml with the overlays read
    on top, as the Snakefile does, without Snakemake (whose message for a YAML error in a
    ``--configfile`` names neither the file nor the line).

    Examples
    --------
    >>> import contextlib
    >>> with contextlib.chdir(Path(__file__).parents[3]):
    ...     status = main([])
    config/config.yaml: valid
    >>> status
    0
    """
    import sys

    paths = list(sys.argv[1:] if argv is None else argv)
    try:
        config = load_yaml("config/config.yaml")
        for path in paths:
            overlay = load_yaml(path)
            if not isinstance(overlay, Mapping):
                raise ConfigError(f"{path}: a config file must be a mapping of keys at the top level")
            _merge(config, overlay)
        validate_config(config)
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"config/config.yaml{''.join(' + ' + p for p in paths)}: valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
