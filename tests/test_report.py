"""The Snakemake HTML report's annotations, checked statically (fast).  The report itself is built
and checked in tests/test_pipeline.py::test_html_report_every_figure_captioned_by_section, on the
tree that module has already built.

Convention: each figure's PNG output is wrapped in ``report(..., caption="report/<figure>.rst",
category=<paper section>)``; the category is the section of the paper whose .tex includes the
figure (SECTION_CATEGORY)."""

import ast
import re

from conftest import ROOT

# paper/sections/<stem>.tex -> report category
SECTION_CATEGORY = {
    "scurves": "S-curves",
    "moments": "Moments",
    "eta": "Optimal learning rate",
    "training": "Real training",
}


def snakefile_figures(snakefile: str) -> list[str]:
    """The Snakefile's FIGURES list (every figure the paper includes)."""
    return ast.literal_eval(re.search(r"^FIGURES = (\[[^\]]*\])", snakefile, re.M).group(1))


def figure_sections(root=ROOT) -> dict[str, str]:
    """Figure name -> report category, from the \\includegraphics of each paper section."""
    out = {}
    for tex in sorted((root / "paper/sections").glob("*.tex")):
        for fig in re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+?)(?:\.pdf)?\}", tex.read_text()):
            assert tex.stem in SECTION_CATEGORY, f"{tex.name} includes {fig}: add its report category here"
            out[fig] = SECTION_CATEGORY[tex.stem]
    return out


def rule_script(snakefile: str, rule: str) -> str:
    block = re.split(r"^rule ", snakefile, flags=re.M)
    body = next(b for b in block if b.startswith(f"{rule}:"))
    return re.search(r'\n    script:\n\s+"([^"]+)"', body).group(1)


def test_report_annotations_point_at_captions_and_sections():
    snakefile = (ROOT / "Snakefile").read_text()
    assert re.search(r'^report: "report/workflow.rst"$', snakefile, re.M)
    annotations = re.findall(r'report\(\s*"([^"]+)",\s*caption="([^"]+)",\s*category="([^"]+)"', snakefile)
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
    for fig in snakefile_figures(snakefile):
        hits = [cat for pat, cat in annotated.items() if re.fullmatch(re.escape(pat).replace(r"\*", r"\w+"),
                                                                      f"figures/{fig}.png")]
        assert hits, f"figures/{fig}.png is not wrapped in report(...) in the Snakefile"
        assert fig in sections, f"{fig} is in FIGURES but no paper section includes {fig}.pdf"
        assert hits == [sections[fig]], f"{fig}: category {hits} but the paper has it in {sections[fig]!r}"
