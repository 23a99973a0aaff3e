"""Rule `arxiv`: an arXiv-ready source bundle that compiles with pdflatex alone.

Layout inside the tarball: paper.tex (graphics path pointed at figures/), sections/*.tex,
generated/*.tex, figures/*.pdf and paper.bbl (so arXiv needs no BibTeX run). Built by
adameps.pipeline.archive.tar_gz_bytes: byte-reproducible, the same on Python 3.11-3.13.
"""

from pathlib import Path

import _common

from adameps.pipeline.archive import tar_gz_bytes

log = _common.setup(snakemake)
inp = snakemake.input

members = {}
for path in inp.tex:
    rel = Path(path).relative_to("paper").as_posix()
    text = Path(path).read_text()
    if rel == "paper.tex":
        if r"\graphicspath{{../figures/}}" not in text:
            raise ValueError(r"paper/paper.tex: expected \graphicspath{{../figures/}} to rewrite for the bundle")
        text = text.replace(r"\graphicspath{{../figures/}}", r"\graphicspath{{figures/}}")
    members[rel] = text.encode()
for path in inp.generated:
    members[f"generated/{Path(path).name}"] = Path(path).read_bytes()
for path in inp.figures:
    members[f"figures/{Path(path).name}"] = _common.read_pdf(path)
members["paper.bbl"] = Path(inp.bbl).read_bytes()

for name in sorted(members):
    log.info("%s (%d bytes)", name, len(members[name]))
# Sorted members with fixed owner, mode and mtime, gzip with a fixed header: the same bytes on
# every build and every Python version (adameps.pipeline.archive says why not gzip.compress).
_common.write_bytes(snakemake.output[0], tar_gz_bytes(members, int(snakemake.params.mtime)))
