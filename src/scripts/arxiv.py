"""Rule `arxiv`: an arXiv-ready source bundle that compiles with pdflatex alone.

Layout inside the tarball: paper.tex (graphics path pointed at figures/), sections/*.tex,
generated/*.tex, figures/*.pdf and paper.bbl (so arXiv needs no BibTeX run). Members are
sorted with fixed owner, mode and mtime, so the tarball is byte-reproducible.
"""

from pathlib import Path

import _common

import gzip
import io
import tarfile

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
    members[f"figures/{Path(path).name}"] = Path(path).read_bytes()
members["paper.bbl"] = Path(inp.bbl).read_bytes()

raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
    for name in sorted(members):
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(members[name]), 0o644, int(snakemake.params.mtime)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        tar.addfile(info, io.BytesIO(members[name]))
        log.info("%s (%d bytes)", name, len(members[name]))
# gzip with mtime 0 and no file name in the header: same bytes on every build.
_common.write_bytes(snakemake.output[0], gzip.compress(raw.getvalue(), compresslevel=9, mtime=0))
