"""The workflow's layout, asked of the dry-run DAG (fast): the root Snakefile includes one rules
file per paper section in paper order, and every rule runs the script of its own name."""

import re

from conftest import ROOT, dag_jobs


def paper_sections() -> list[str]:
    """The sections paper/paper.tex inputs, in order."""
    return re.findall(r"^\\input\{sections/(\w+)\}", (ROOT / "paper/paper.tex").read_text(), re.M)


def included_rules_files() -> list[str]:
    return re.findall(r'^include: "rules/(\w+)\.smk"', (ROOT / "Snakefile").read_text(), re.M)


def test_rules_files_follow_the_paper():
    """rules/common.smk first, then one file per paper section that has rules, in the paper's
    order, then rules/paper.smk (the numbers, the PDF and the bundle); no rules file left out."""
    included = included_rules_files()
    assert included[0] == "common" and included[-1] == "paper", included
    sections = included[1:-1]
    order = paper_sections()
    assert all(s in order for s in sections), f"rules files {sections} without a paper section of that name"
    assert sections == sorted(sections, key=order.index), f"rules files {sections} not in paper order {order}"
    on_disk = sorted(p.stem for p in (ROOT / "rules").glob("*.smk"))
    assert sorted(included) == on_disk, f"rules files not included by the Snakefile: {set(on_disk) - set(included)}"


def test_every_rule_runs_the_script_of_its_name():
    """Each rule of the DAG has src/scripts/<rule>.py, whose docstring says so, and its rules file
    names exactly that script."""
    rules = {job["rule"] for job in dag_jobs()} - {"all"}
    assert len(rules) > 10
    text = {p.stem: p.read_text() for p in (ROOT / "rules").glob("*.smk")}
    for rule in sorted(rules):
        script = ROOT / "src/scripts" / f"{rule}.py"
        assert script.is_file(), f"rule {rule}: no src/scripts/{rule}.py"
        assert script.read_text().startswith(f'"""Rule `{rule}`'), f"{script.name}: docstring must start with Rule `{rule}`"
        body = next((re.split(r"^rule ", t, flags=re.M) for t in text.values() if f"\nrule {rule}:" in t), None)
        assert body, f"rule {rule} is in no rules file"
        block = next(b for b in body if b.startswith(f"{rule}:"))
        assert f'script:\n        "../src/scripts/{rule}.py"' in block, f"rule {rule} does not run src/scripts/{rule}.py"


def test_scripts_are_thin():
    """Scripts do not edit sys.path or silence the linter: Snakemake puts their folder on the path,
    `_common` chooses the figure backend and the library's path, and pyproject.toml declares the
    `snakemake` object Snakemake injects."""
    for script in sorted((ROOT / "src/scripts").glob("*.py")):
        if script.name == "_common.py":
            continue
        source = script.read_text()
        assert "sys.path" not in source, f"{script.name} edits sys.path"
        assert "noqa: E402" not in source and "noqa: F821" not in source, f"{script.name} has import-order noqa"
        assert "matplotlib.use(" not in source, f"{script.name} chooses the backend (_common does)"


def test_no_script_shadows_a_stdlib_module():
    """Snakemake runs a script with its folder first on sys.path, so src/scripts/x.py would replace
    the standard library's module x for the script and everything it imports (numbers.py did)."""
    import sys

    names = sorted(p.stem for p in (ROOT / "src/scripts").glob("*.py"))
    shadowing = [n for n in names if n in sys.stdlib_module_names]
    assert not shadowing, f"src/scripts/{shadowing[0]}.py has the name of a standard-library module: rename it"
