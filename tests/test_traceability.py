"""Every number in the paper comes from code: hand-written LaTeX holds no computed literals,
every figure's caption links to the script that drew it, every macro comes from a results key."""

import re
from pathlib import Path

import pytest

from conftest import ROOT, dag_jobs, dag_outputs
from test_report import dag_figures

PAPER = ROOT / "paper"
ALLOWLIST = PAPER / "literal-allowlist.txt"

# A decimal (0.5, .5, 12.25) or scientific-notation (1e-8, 2.5E+3) literal.
LITERAL = re.compile(r"(?<![\w.])(?:\d+\.\d+|\.\d+|\d+(?:\.\d+)?[eE][-+]?\d+)(?![\w.])")
# Lengths are layout, not results: 0.48\linewidth, 1.5pt, 0.9em.
DIMENSION = re.compile(
    r"\s*(?:pt|bp|mm|cm|in|em|ex|sp|\\(?:linewidth|textwidth|columnwidth|textheight|baselineskip))\b"
)


def hand_written_tex():
    return sorted(p for p in PAPER.rglob("*.tex") if not {"generated", "build"} & set(p.relative_to(PAPER).parts))


def strip_comment(line: str) -> str:
    return re.split(r"(?<!\\)%", line, maxsplit=1)[0]


def allowed_literals() -> set[str]:
    """The allow-list: one literal per line, each with a comment saying why it is not a computed value."""
    allowed = set()
    for n, line in enumerate(ALLOWLIST.read_text().splitlines(), 1):
        body, _, why = line.partition("#")
        if body.strip():
            assert why.strip(), f"{ALLOWLIST.name}:{n}: every allowed literal needs a comment saying why"
            allowed.add(body.strip())
    return allowed


def find_literals(text: str) -> list[tuple[int, str]]:
    hits = []
    for n, line in enumerate(text.splitlines(), 1):
        code = strip_comment(line)
        for m in LITERAL.finditer(code):
            if not DIMENSION.match(code, m.end()):
                hits.append((n, m.group()))
    return hits


def test_scanner_catches_literals():
    text = "error 0.108 at x=1.33, eps 1e-8 and 2.5E+3; width 0.48\\linewidth, 1.5pt % 0.7 in a comment\n\\% 0.25"
    assert [lit for _, lit in find_literals(text)] == ["0.108", "1.33", "1e-8", "2.5E+3", "0.25"]


def test_no_computed_literals_in_hand_written_tex():
    files = hand_written_tex()
    assert files, "no hand-written .tex found"
    allowed = allowed_literals()
    offenders = [
        f"{p.relative_to(ROOT)}:{n}: {lit}"
        for p in files
        for n, lit in find_literals(p.read_text())
        if lit not in allowed
    ]
    assert not offenders, "decimal literals in hand-written LaTeX (use a generated macro):\n" + "\n".join(offenders)


FIGURE_ENV = re.compile(r"\\begin\{figure\*?\}(.*?)\\end\{figure\*?\}", re.S)


def test_every_figure_links_to_an_existing_script():
    figures = [m.group(1) for p in hand_written_tex() for m in FIGURE_ENV.finditer(p.read_text())]
    assert figures, "no figures found"
    for body in figures:
        links = re.findall(r"\\scriptlink\{([^}]*)\}", body)
        assert links, f"figure without \\scriptlink in its caption:\n{body}"
        for script in links:
            assert (ROOT / script).is_file(), f"\\scriptlink to missing file {script}"


def _rules():
    """The workflow's rules, as Snakemake parses them (with the test configuration)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, ResourceSettings, StorageSettings

    with SnakemakeApi() as api:
        wf = api.workflow(resource_settings=ResourceSettings(), storage_settings=StorageSettings(),
                          config_settings=ConfigSettings(configfiles=[ROOT / "config/test.yaml"]),
                          snakefile=ROOT / "Snakefile", workdir=ROOT)
        return list(wf._workflow.rules)


def test_every_figure_caption_names_the_script_of_the_rule_that_draws_it():
    rules = _rules()
    checked = 0
    for p in hand_written_tex():
        for body in (m.group(1) for m in FIGURE_ENV.finditer(p.read_text())):
            links = set(re.findall(r"\\scriptlink\{([^}]*)\}", body))
            for fig in re.findall(r"\\includegraphics(?:\[[^]]*\])?\{([^}]*)\}", body):
                target = f"figures/{Path(fig).stem}.pdf"
                producers = [r for r in rules if r.is_producer(target)]
                assert len(producers) == 1, f"{p.name}: {target} is made by {[r.name for r in producers]}"
                # A rule's script path is relative to its rules file (rules/*.smk).
                script = f"src/scripts/{Path(producers[0].script).name}"
                assert script in links, (f"{p.name}: the caption of {fig} names {sorted(links)}, but rule "
                                         f"{producers[0].name} draws it with {script}")
                checked += 1
    assert checked >= 5


def test_every_included_figure_is_built_by_the_dag():
    built = set(dag_figures())
    for p in hand_written_tex():
        for fig in re.findall(r"\\includegraphics(?:\[[^]]*\])?\{([^}]*)\}", p.read_text()):
            assert Path(fig).stem in built, f"{p.name} includes {fig}, which no rule builds"


def test_every_input_table_is_built_by_the_dag():
    built = {re.fullmatch(r"paper/generated/table_([\w-]+)\.tex", p).group(1)
             for p in dag_outputs(dag_jobs(), r"paper/generated/table_[\w-]+\.tex")}
    tables = [t for p in hand_written_tex() for t in re.findall(r"\\input\{generated/table_([\w-]+)\}", p.read_text())]
    assert "eta_kappa2" in tables, "expected the eta section's tables"
    for table in tables:
        assert table in built, f"paper inputs generated/table_{table}, which no job of the DAG writes"


@pytest.mark.parametrize("path", ["README.md"])
def test_readme_names_where_the_pdf_is(path):
    assert "paper/paper.pdf" in (ROOT / path).read_text()
