"""The Snakemake HTML report's annotations, checked statically (fast).  The report itself is built
and checked in tests/test_pipeline.py::test_html_report_every_figure_captioned_by_section, on the
tree that module has already built.

Convention: each figure's PNG output is wrapped in ``report(..., caption="../report/<figure>.rst",
category=<paper section>)`` in its section's rules file (caption paths are relative to that file);
the category is the section of the paper whose .tex includes the figure (SECTION_CATEGORY)."""

import re

from conftest import ROOT, dag_jobs, dag_outputs

# paper/sections/<stem>.tex -> report category
SECTION_CATEGORY = {
    "scurves": "S-curves",
    "moments": "Moments",
    "eta": "Optimal learning rate",
    "training": "Real training",
}


def dag_figures(jobs=None) -> list[str]:
    """Every figure the DAG draws (figures/<name>.pdf, for the paper), by name."""
    return [re.fullmatch(r"figures/([\w-]+)\.pdf", p).group(1)
            for p in dag_outputs(jobs if jobs is not None else dag_jobs(), r"figures/[\w-]+\.pdf")]


def workflow_text(root=ROOT) -> str:
    """The root Snakefile and every rules file, concatenated (for the report(...) annotations,
    which the dry run does not print)."""
    return "\n".join(p.read_text() for p in [root / "Snakefile", *sorted((root / "rules").glob("*.smk"))])


def figure_sections(root=ROOT) -> dict[str, str]:
    """Figure name -> report category, from the \\includegraphics of each paper section."""
    out = {}
    for tex in sorted((root / "paper/sections").glob("*.tex")):
        for fig in re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+?)(?:\.pdf)?\}", tex.read_text()):
            assert tex.stem in SECTION_CATEGORY, f"{tex.name} includes {fig}: add its report category here"
            out[fig] = SECTION_CATEGORY[tex.stem]
    return out


def rule_script(rule: str) -> str:
    """The script a rule runs: every rule runs src/scripts/<rule>.py (tests/test_workflow.py)."""
    return f"src/scripts/{rule}.py"


def test_report_annotations_point_at_captions_and_sections():
    snakefile = workflow_text()
    assert re.search(r'^report: "report/workflow.rst"$', snakefile, re.M)
    annotations = re.findall(r'report\(\s*"([^"]+)",\s*caption="\.\./([^"]+)",\s*category="([^"]+)"', snakefile)
    assert annotations
    used = set()
    for path, caption, category in annotations:
        assert path.startswith("figures/") and path.endswith(".png"), path
        assert (ROOT / caption).is_file(), f"{path}: caption file {caption} is missing"
        assert category in SECTION_CATEGORY.values(), f"{path}: category {category!r} is not a paper section"
        used.add(caption)
    unused = {p.relative_to(ROOT).as_posix() for p in (ROOT / "report").glob("*.rst")} - used - {"report/workflow.rst"}
    assert not unused, f"caption files no rule uses: {sorted(unused)}"
    # every figure of the paper is annotated, in the category of the section that includes it
    sections = figure_sections()
    annotated = {re.sub(r"\{\w+\}", "*", path): category for path, _, category in annotations}
    for fig in dag_figures():
        hits = [cat for pat, cat in annotated.items() if re.fullmatch(re.escape(pat).replace(r"\*", r"\w+"),
                                                                      f"figures/{fig}.png")]
        assert hits, f"figures/{fig}.png is not wrapped in report(...) in rules/*.smk"
        assert fig in sections, f"{fig} is in FIGURES but no paper section includes {fig}.pdf"
        assert hits == [sections[fig]], f"{fig}: category {hits} but the paper has it in {sections[fig]!r}"
