"""File I/O shared by the pipeline's scripts: the one results format, deterministic writers.

The library (``adameps``) does no I/O; everything that touches disk lives here so
that each script stays a thin ``read inputs -> call library -> write outputs``.

Results format (``results/<namespace>.json``)::

    {
      "format": "adameps.results/1",
      "namespace": "scurves",               # macro prefix: \\Scurves...
      "rule": "scurves",                    # the Snakemake rule that wrote it
      "script": "src/scripts/scurves.py",   # the script that computed it
      "params": {...},                      # the config slice it was computed from
      "values": {                           # named scalars, each one becomes a macro
        "softsign_max_abs_error": {
          "value": 0.0123, "fmt": "sig", "digits": 3,
          "description": "max over x of |x/sqrt(x^2+pi/4) - erf(x)|"
        }
      }
    }

Arrays (curves, grids) go in a sibling ``.npz`` written by :func:`write_npz`.
Every writer writes to a temporary file in the target directory and renames it
into place, so an interrupted job never leaves a half-written output behind.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import matplotlib
import numpy as np

# The library is importable without `pip install -e .` (e.g. in the per-rule conda
# environment of `--sdm conda`, which holds only the pinned third-party packages).
_SRC = str(Path(__file__).resolve().parents[1])
if _SRC not in sys.path:
    sys.path.insert(1, _SRC)

# Every script imports this module first, so figures are drawn off-screen (no display on a build
# or cluster node) without each script choosing a backend before pyplot.
matplotlib.use("Agg")

RESULTS_FORMAT = "adameps.results/1"

# A fixed timestamp for zip members (the zip format cannot store dates before 1980).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def setup(snakemake) -> logging.Logger:
    """Send this job's logging and warnings to the rule's ``log:`` file and return a logger."""
    logging.basicConfig(
        filename=snakemake.log[0],
        filemode="w",
        level=logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.captureWarnings(True)
    log = logging.getLogger(snakemake.rule)

    def excepthook(*exc):
        # The traceback belongs in the rule's log too, not only on the terminal.
        log.critical("uncaught exception", exc_info=exc)
        sys.__excepthook__(*exc)

    sys.excepthook = excepthook
    return log


def script_path(file: str) -> str:
    """Path of a script relative to the workflow directory (the working directory of every job)."""
    return Path(file).resolve().relative_to(Path.cwd().resolve()).as_posix()


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes(path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def value(v, description: str, fmt: str = "sig", digits: int = 3) -> dict:
    """One named scalar of a results file (see the module docstring)."""
    v = float(v) if not isinstance(v, int) else v
    return {"value": v, "fmt": fmt, "digits": digits, "description": description}


class Values(dict):
    """The named scalars of one results file; ``add`` refuses to set a key twice."""

    def __init__(self, digits: int = 3):
        super().__init__()
        self.digits = digits

    def add(self, key: str, v, description: str, fmt: str = "sig", digits: int | None = None) -> None:
        if key in self:
            raise ValueError(f"results value {key!r} set twice")
        self[key] = value(v, description, fmt, self.digits if digits is None else digits)


def write_results(path, *, namespace: str, snakemake, script: str, values: dict, params=None) -> None:
    """Write a results JSON in the format above (keys sorted, so the bytes are reproducible)."""
    doc = {
        "format": RESULTS_FORMAT,
        "namespace": namespace,
        "rule": snakemake.rule,
        "script": script_path(script),
        "params": params if params is not None else dict(snakemake.params.items()),
        "values": values,
    }
    write_bytes(path, (json.dumps(doc, indent=2, sort_keys=True, allow_nan=False) + "\n").encode())


def read_results(path) -> dict:
    doc = json.loads(Path(path).read_text())
    if doc.get("format") != RESULTS_FORMAT:
        raise ValueError(f"{path}: not a results file of format {RESULTS_FORMAT!r}")
    return doc


def macro_ref(doc: dict, key: str) -> str:
    """``\\NamespaceKey``: the macro rule `numbers` defines for value ``key`` of results ``doc``,
    for generated tables to cite; KeyError if the results file has no such value."""
    from adameps.numbers import macro_name

    if key not in doc["values"]:
        raise KeyError(f"results namespace {doc['namespace']!r} has no value {key!r}")
    return "\\" + macro_name(doc["namespace"], key)


def read_macros(paths) -> list[dict]:
    """Every named value of the results files at ``paths`` as one macro each: ``name``, formatted
    ``body``, ``description`` and its source (``path``, ``namespace``, ``key``, ``rule``, ``script``),
    ordered by file, then key, so the output does not depend on the order of ``paths``."""
    from adameps.numbers import format_number, macro_name

    macros, seen = [], {}
    for path in sorted(paths):
        doc = read_results(path)
        for key in sorted(doc["values"]):
            entry = doc["values"][key]
            name = macro_name(doc["namespace"], key)
            if name in seen:
                raise ValueError(f"macro \\{name} defined twice: {seen[name]} and {path}:{key}")
            seen[name] = f"{path}:{key}"
            macros.append({"name": name, "body": format_number(entry["value"], entry["fmt"], entry["digits"]),
                           "description": entry["description"], "path": str(path), "namespace": doc["namespace"],
                           "key": key, "rule": doc["rule"], "script": doc["script"]})
    return macros


def write_npz(path, **arrays) -> None:
    """Like ``np.savez_compressed`` but byte-reproducible: fixed member order and timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue())
    write_bytes(path, buf.getvalue())


def save_figure(fig, pdf_path, png_path) -> None:
    """Save ``fig`` as vector PDF (paper) and PNG (notebooks, report), with no timestamps."""
    for path, fmt, metadata in (
        (pdf_path, "pdf", {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}),
        (png_path, "png", {"Software": None}),
    ):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, metadata=metadata)
