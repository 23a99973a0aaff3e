"""The members of the stand-in bundle of tests/test_archive.py (stdlib only: other Pythons import it)."""

MTIME = 1731888000
# A stand-in for the bundle: text, binary and an empty member, names out of order.
MEMBERS = {
    "sections/b.tex": b"\\section{B}\n" * 200,
    "paper.tex": "\\documentclass{article} % \u03b5\n".encode() * 50,
    "figures/f.pdf": bytes(range(256)) * 40,
    "generated/empty.tex": b"",
}
