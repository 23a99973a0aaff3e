"""The whole DAG, end to end, on the small test config: builds the PDF, leaves nothing to do,
rebuilds byte-identically from clean, rebuilds only the PDF when only prose changes, and makes
the HTML report."""

import ast
import base64
import json
import os
import re
import subprocess
import sys
import tarfile

import pytest
import yaml

from adameps.pipeline.numbers import format_number, macro_name
from conftest import copy_built, dag_jobs, output_hashes, snakemake
from reported_values import degenerate_ranges, edge_macros, macro_bodies
from test_report import dag_figures, figure_sections, rule_script

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(built_tree, tmp_path_factory):
    """A copy of the session's one clean build of the test config (conftest.built_tree), which this
    module's tests may change (a library edit, the HTML report)."""
    return copy_built(built_tree, tmp_path_factory.mktemp("build1") / "repo")


def key_code_matches(code: str, key: str) -> bool:
    """``code`` (a string or f-string expression) can produce ``key``: literal parts equal, each
    ``{...}`` standing for any characters (an empty suffix such as ``{suffix}`` = "" included)."""
    def pattern(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return re.escape(node.value)
        if isinstance(node, ast.JoinedStr):
            return "".join(re.escape(v.value) if isinstance(v, ast.Constant) else ".*" for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # f"{k}_max" + "_on_edge"
            left, right = pattern(node.left), pattern(node.right)
            return None if left is None or right is None else left + right
        return None

    p = pattern(ast.parse(code, mode="eval").body)
    return p is not None and re.fullmatch(p, key) is not None


def test_pdf_and_macros(built):
    pdf = built / "paper/paper.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    macros = (built / "paper/generated/numbers.tex").read_text()
    # Every named value of every results file is a macro with the formatted value and its provenance.
    n = 0
    for path in sorted((built / "results").glob("*.json")):
        doc = json.loads(path.read_text())
        for key, entry in doc["values"].items():
            name = macro_name(doc["namespace"], key)
            body = format_number(entry["value"], entry["fmt"], entry["digits"])
            edge = doc["values"].get(key + "_on_edge")
            if edge and edge["value"] == 1:
                body += r"\gridedge"  # a maximum on the edge of its grid carries the mark
            assert f"\\newcommand{{\\{name}}}{{{body}}}" in macros
            assert f"% {doc['namespace']}.{key} <- rule {doc['rule']}, script {doc['script']}:" in macros
            # The comment names the line that set the value and the key as written there (grep finds it).
            file, line = entry["source"].rsplit(":", 1)
            assert file == doc["script"]
            # Values.add_grid_max and add_interval add a suffix to the key as the call writes it
            head = re.sub(r' \+ "_(on_edge|lo|hi)"$', "", entry["key_code"])
            assert head in (built / file).read_text().splitlines()[int(line) - 1], entry
            assert key_code_matches(entry["key_code"], key), (key, entry["key_code"])
            assert f"script {entry['source']}, key {entry['key_code']}, {path.relative_to(built)}" in macros
            n += 1
    assert n == len(re.findall(r"^\\newcommand\{\\(?!ScriptBase|PaperMaxOverfullPt)", macros, re.M)) and n > 0
    # The appendix table lists exactly those the hand-written text calls.
    tex = "".join(re.sub(r"(?<!\\)%.*", "", p.read_text())
                  for p in [*built.glob("paper/*.tex"), *built.glob("paper/sections/*.tex")])
    defined = set(re.findall(r"^\\newcommand\{\\(\w+)\}", macros, re.M)) - {"ScriptBase", "PaperMaxOverfullPt"}
    called = {name for name in defined if re.search(rf"\\{name}(?![A-Za-z])", tex)}
    table = (built / "paper/generated/numbers_table.tex").read_text()
    listed = set(re.findall(r"\\texttt\{\\textbackslash (\w+)\}", table))
    assert listed == called and len(called) > 10
    assert f"calls {len(called)} of the {n} generated values" in table
    # The built PDF's log has no undefined references or citations.
    log = (built / "paper/build/paper.log").read_text(errors="replace")
    assert "undefined" not in log.lower().replace("infwarerr", "")


def test_reported_ranges_and_grid_maxima(built):
    """No generated range prints with equal endpoints, and every maximum that sits on the edge of its
    grid prints the mark \\gridedge wherever it is cited (its macro carries it)."""
    bodies = macro_bodies((built / "paper/generated/numbers.tex").read_text())
    texts = {p: p.read_text() for p in [*built.glob("paper/*.tex"), *built.glob("paper/sections/*.tex"),
                                        *built.glob("paper/generated/table_*.tex")]}
    names = edge_macros(built / "results")
    assert names, "expected some grid maxima on the edge of their grids in the test build"
    assert all(bodies[name].endswith(r"\gridedge") for name in names)
    others = [name for name, body in bodies.items() if body.endswith(r"\gridedge") and name not in names]
    assert not others, f"marked as on the edge but not flagged: {others}"
    bad = [f"{p.name}: {b}" for p, t in texts.items() for b in degenerate_ranges(t, bodies)]
    assert not bad, "\n".join(bad)


def test_every_job_has_log_and_benchmark(built):
    """Every job the DAG plans (but the target `all`) names a log and a benchmark file, and resources;
    and the build wrote them: one log and one benchmark per job."""
    jobs = [job for job in dag_jobs(built) if job["rule"] != "all"]
    assert len({job["rule"] for job in jobs}) > 3
    for job in jobs:
        for field in ("log", "benchmark", "resources"):
            assert field in job, f"job of rule {job['rule']} has no {field}"
        assert (built / job["log"]).is_file(), f"rule {job['rule']}: no {job['log']} after the build"
        assert (built / job["benchmark"]).is_file(), f"rule {job['rule']}: no {job['benchmark']} after the build"


def test_nothing_to_do_after_build(built):
    proc = snakemake(built, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_library_change_reruns_what_uses_it(built):
    """Snakemake's "code" trigger sees only a rule's script; the library is an input of every rule,
    so an edit to it reruns the analysis (here: a line added to src/adameps/scurves.py, dry run;
    Snakemake compares the content, so a mere touch would not count)."""
    lib = built / "src/adameps/scurves.py"
    source, stat = lib.read_text(), lib.stat()
    try:
        lib.write_text(source + "\n# an edit\n")
        proc = snakemake(built, "-n")
        planned = set(re.findall(r"^(?:local)?rule (\w+):", proc.stdout + proc.stderr, re.M))
        assert {"scurves", "fig_scurves", "moments", "eta_sweep", "train_sweep", "macros", "paper"} <= planned, \
            proc.stdout + proc.stderr
    finally:
        lib.write_text(source)
        os.utime(lib, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    dry = snakemake(built, "-n")
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_adding_an_eps_reruns_only_its_own_sweep(built, tmp_path):
    """One training job per eps value with only its own settings: adding an eps to an arm plans that
    one sweep (and what summarises all sweeps), not the arm's other sweeps."""
    cfg = yaml.safe_load((built / "config/test.yaml").read_text())
    arm = next(a for a, c in cfg["train"]["problems"].items() if c["optimizer"] == "adam")
    eps = cfg["train"]["problems"][arm]["log10_eps"]
    overlay = tmp_path / "one_more_eps.yaml"
    overlay.write_text(yaml.safe_dump({"train": {"problems": {arm: {"log10_eps": [*eps, -4]}}}}))
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--configfile", "config/test.yaml", str(overlay)],
                          cwd=built, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    sweeps = re.findall(r"^rule train_sweep:\n(?:    .*\n)*?    output: (results/train/\S+)\.csv", out, re.M)
    assert sweeps == [f"results/train/{arm}_eps-4"], out


def test_lint_is_clean(built):
    proc = snakemake(built, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Lints for" not in proc.stdout + proc.stderr


def test_html_report_every_figure_captioned_by_section(built):
    """`snakemake --report report.html` shows every figure of FIGURES (its PNG, byte for byte) with
    its rendered caption, in the category of the paper section that includes it."""
    before = output_hashes(built)
    snakemake(built, "--report", "report.html")
    assert output_hashes(built) == before  # making the report changes no output
    html = (built / "report.html").read_text()
    results = json.loads(re.search(r"^\s*var results = (\{.*\});$", html, re.M).group(1))
    categories = json.loads(re.search(r"^\s*var categories = (\{.*\});$", html, re.M).group(1))
    in_category = {path: cat for cat, subcats in categories.items() for paths in subcats.values() for path in paths}
    sections = figure_sections(built)
    captions = {}
    for fig in dag_figures(dag_jobs(built)):
        key = f"figures/{fig}.png"
        assert key in results, f"{key} is not in the report: wrap the output in report(...)"
        res = results[key]
        assert res["mime_type"] == "image/png"
        # data:image/png;charset=utf8;filename=scurves.png;base64,<the PNG>
        head, data = res["data_uri"].split(",", 1)
        assert head.startswith("data:image/png;") and head.endswith(";base64")
        assert base64.b64decode(data) == (built / key).read_bytes()
        # the caption is rendered (Jinja, then reStructuredText) and names the script that drew it
        text = re.sub(r"<[^>]+>", "", res["caption"])
        assert "{{" not in text and "{%" not in text and "snakemake." not in text, text
        assert rule_script(res["job_properties"]["rule"]) in text, (fig, text)
        captions[fig] = text
        assert in_category.get(key) == sections[fig], f"{fig}: in {in_category.get(key)!r}, paper: {sections[fig]!r}"
    assert len(set(captions.values())) == len(captions), "two figures share one caption text"
    # the front page: report/workflow.rst with the configuration filled in
    desc = json.loads(re.search(r"^\s*var workflow_desc = (.*);$", html, re.M).group(1))
    assert "scaling law" in desc and "{{" not in desc
    families = yaml.safe_load((built / "config/test.yaml").read_text())["eta"]["families"]
    assert "problem families " + ", ".join(families) in desc


def test_clean_rebuild_is_byte_identical(built_tree, second_build):
    first, second = built_tree[1], second_build[1]
    assert first.keys() == second.keys()
    assert "paper/paper.pdf" in first and "figures/scurves.pdf" in first and "results/scurves.json" in first
    differ = [k for k in first if first[k] != second[k]]
    assert not differ, f"outputs differ between two clean builds: {differ}"


def test_prose_change_rebuilds_only_the_pdf_and_its_number_list(built):
    before = {p: (built / p).stat().st_mtime_ns for p in output_hashes(built)}
    intro = built / "paper/sections/introduction.tex"
    intro.write_text(intro.read_text() + "\nA sentence added by the test.\n")
    proc = snakemake(built, "--cores", "1")
    ran = set(re.findall(r"^rule (\w+):", proc.stdout + proc.stderr, re.M)) | set(
        re.findall(r"localrule (\w+):", proc.stdout + proc.stderr)
    )
    # The PDF, the arXiv bundle (which carries the prose) and the appendix list of the numbers the
    # prose calls are rebuilt; no analysis, figure or macro.
    assert ran - {"all"} == {"numbers_table", "paper", "arxiv"}, proc.stdout + proc.stderr
    after = {p: (built / p).stat().st_mtime_ns for p in before}
    changed = {p for p in before if before[p] != after[p]}
    assert changed == {"paper/generated/numbers_table.tex", "paper/paper.pdf", "dist/arxiv-source.tar.gz"}


def test_arxiv_bundle_compiles_with_pdflatex_alone(built, tmp_path):
    """The bundle unpacked into an empty directory compiles with pdflatex only (no BibTeX, no
    pipeline): figures, generated numbers and the .bbl are all inside."""
    with tarfile.open(built / "dist/arxiv-source.tar.gz") as tar:
        names = tar.getnames()
        tar.extractall(tmp_path, filter="data")
    assert {"paper.tex", "paper.bbl", "generated/numbers.tex"} <= set(names)
    assert any(n.startswith("figures/") and n.endswith(".pdf") for n in names)
    for _ in range(2):  # the second pass resolves cross-references
        proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
                              cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-3000:]
    log = (tmp_path / "paper.log").read_text(errors="replace")
    assert not re.search(r"(Citation|Reference) `[^']*' on page \d+ undefined", log), log[-3000:]
    assert (tmp_path / "paper.pdf").read_bytes().startswith(b"%PDF")


def test_claims_checked_on_the_results(built):
    """Rule `claims` evaluates every claim of paper/claims.yaml on the build's results; a false one
    is marked in the PDF under false_claims: mark (the test config) and stops the build, naming it
    and its values, under false_claims: fail (the default config)."""
    claims = yaml.safe_load((built / "paper/claims.yaml").read_text())
    tex = (built / "paper/generated/claims.tex").read_text()
    n_false = len(re.findall(r"\\csname claimfails@", tex))
    assert f"% {len(claims)} claims checked, {n_false} false." in tex
    for cid in claims:
        assert (f"% {cid}: holds" in tex) != (f"\\csname claimfails@{cid}\\endcsname" in tex), cid
    # A claim that is false on any results: marked, then fatal.
    yml, intro = built / "paper/claims.yaml", built / "paper/sections/introduction.tex"
    saved = yml.read_text(), intro.read_text()
    try:
        yml.write_text(saved[0] + "test-never-true:\n  says: a negative number of batch sizes\n  holds: LmlrNB < 0\n")
        intro.write_text(saved[1] + "\nA claim that cannot hold.\\claim{test-never-true}\n")
        snakemake(built, "--cores", "1")
        assert "\\csname claimfails@test-never-true\\endcsname" in (built / "paper/generated/claims.tex").read_text()
        text = subprocess.run(["pdftotext", str(built / "paper/paper.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        # (the id may be broken across lines after a hyphen)
        assert "[claim test-never-true does not hold on these results]" in re.sub(r"-\s+", "-", " ".join(text.split()))
        pdf_before = (built / "paper/paper.pdf").read_bytes()
        # Under `fail` a value the test config does not generate would stop the rule first (as it
        # should): check the false claim beside one that holds.
        yml.write_text("lm-nb-positive:\n  says: some batch sizes\n  holds: LmlrNB > 0\n"
                       "test-never-true:\n  says: a negative number of batch sizes\n  holds: LmlrNB < 0\n")
        proc = snakemake(built, "--cores", "1", "--config", "false_claims=fail", "--forcerun", "claims", check=False)
        assert proc.returncode != 0
        log = (built / "logs/claims.log").read_text()
        assert ("1 claim(s) of the paper do not hold on these results: test-never-true (a negative number of "
                "batch sizes: LmlrNB < 0, with LmlrNB = ") in log
        assert (built / "paper/paper.pdf").read_bytes() == pdf_before  # the PDF was not rebuilt or removed
    finally:
        yml.write_text(saved[0])
        intro.write_text(saved[1])
        snakemake(built, "--cores", "1")
    assert "test-never-true" not in (built / "paper/generated/claims.tex").read_text()


def test_overfull_box_fails_the_build(built):
    """A paragraph that sticks out of the text block stops rule `paper`, naming the box, and leaves
    no paper.pdf behind. (Runs last in this module: it restores the tree and rebuilds.)"""
    intro = built / "paper/sections/introduction.tex"
    prose = intro.read_text()
    try:
        intro.write_text(prose + "\n\\noindent " + "Unbreakable" * 12 + "\n")
        proc = snakemake(built, "--cores", "1", check=False)
        assert proc.returncode != 0
        log = (built / "logs/paper.log").read_text()
        assert re.search(r"Overfull \\hbox \([\d.]+pt > 1\.0pt\) in paragraph", log), log[-2000:]
        assert not (built / "paper/paper.pdf").exists()
    finally:
        intro.write_text(prose)
        snakemake(built, "--cores", "1")
    assert (built / "paper/paper.pdf").read_bytes().startswith(b"%PDF")
