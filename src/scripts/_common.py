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
          "description": "max over x of |x/sqrt(x^2+pi/4) - erf(x)|",
          "source": "src/scripts/scurves.py:30",      # the line that set it
          "key_code": "f\"{kind}_max_abs_error\""   # its key as the code writes it (grep for it)
        }
      }
    }

Arrays (curves, grids) go in a sibling ``.npz`` written by :func:`write_npz`.
Every writer writes to a temporary file in the target directory and renames it
into place, so an interrupted job never leaves a half-written output behind.

Every script reads an intermediate through one of the readers here (:func:`read_json`,
:func:`read_results`, :func:`read_npz`, :func:`read_csv`), and each reader checks the file
against what its producer promised, so that a file damaged after it was written (a full disk,
a killed copy, a truncation) stops the build with a message naming the file instead of silently
drawing a figure from part of it:

- JSON: it parses, and has the keys the consumer reads;
- ``.npz``: the zip's central directory and every member's CRC-32 (a truncated or altered
  file fails both), and a missing array names the file;
- CSV: nothing checks a CSV truncated at a line boundary except its length, so its producer
  records the data rows and the sha256 (:func:`csv_record`) in the JSON written beside it and
  :func:`read_csv` checks both.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import functools
import hashlib
import itertools
import io
import json
import logging
import os
import sys
import tempfile
import zipfile
import zlib
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


@functools.lru_cache(maxsize=None)
def _parsed(filename: str):
    """A script's text and its calls by (line, column), each call with its parent node, for
    :func:`_call_site` (parsed once per file: a summary script sets thousands of values)."""
    text = Path(filename).read_text()
    tree = ast.parse(text)
    calls = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node
        if isinstance(node, ast.Call):
            calls.setdefault((node.lineno, node.col_offset), node)
    return text, calls


def _call_site() -> tuple[str, str | None]:
    """``("script:line", key code)`` of the first caller outside this file: where a value is set.

    The key code is the expression that names the value as the script writes it (a string or an
    f-string, e.g. ``f"{K}_hessian_negative_fraction"``): the first argument of ``Values.add``, the
    subscript of ``values[...] = value(...)`` or the dict key of ``{"...": value(...)}``.  Python
    3.11's instruction positions locate the call exactly, also in a multi-line statement."""
    frame = sys._getframe(1)
    while frame.f_code.co_filename == __file__:
        frame = frame.f_back
    filename = frame.f_code.co_filename
    # The executing instruction's source position (what inspect.getframeinfo reports, without its
    # search of sys.modules for the frame's module, which cost 20% of a summary script).
    lineno, _, col, _ = next(itertools.islice(frame.f_code.co_positions(), frame.f_lasti // 2, None))
    # Snakemake runs a copy of the script (.snakemake/scripts/tmp*.py: its preamble, then the
    # script) with __file__ set to the script itself: report the script's path and line.
    return _site(filename, frame.f_globals.get("__file__", filename), lineno, col)


@functools.lru_cache(maxsize=None)
def _site(filename: str, real: str, lineno: int, col: int) -> tuple[str, str | None]:
    """:func:`_call_site`'s answer for the call at (lineno, col) of ``filename`` (run as ``real``)."""
    try:
        text, calls = _parsed(filename)
        offset = 0
        if real != filename:
            own = Path(real).read_text()
            if not text.endswith(own):
                return script_path(real), None
            offset = text[: len(text) - len(own)].count("\n")
    except (OSError, SyntaxError):
        return script_path(real), None
    where = f"{script_path(real)}:{lineno - offset}"
    call = calls.get((lineno, col))
    if call is None:
        return where, None
    parent = getattr(call, "parent", None)
    if isinstance(parent, ast.Assign) and isinstance(parent.targets[0], ast.Subscript):
        node = parent.targets[0].slice
    elif isinstance(parent, ast.Dict):
        node = parent.keys[parent.values.index(call)]
    elif call.args:
        node = call.args[0]
    else:
        return where, None
    return where, ast.get_source_segment(text, node)


def value(v, description: str, fmt: str = "sig", digits: int = 3) -> dict:
    """One named scalar of a results file (see the module docstring), with the line that set it."""
    v = float(v) if not isinstance(v, int) else v
    source, key_code = _call_site()
    return {"value": v, "fmt": fmt, "digits": digits, "description": description, "source": source,
            "key_code": key_code}


class Values(dict):
    """The named scalars of one results file; ``add`` refuses to set a key twice."""

    def __init__(self, digits: int = 3):
        super().__init__()
        self.digits = digits

    def add(self, key: str, v, description: str, fmt: str = "sig", digits: int | None = None) -> None:
        if key in self:
            raise ValueError(f"results value {key!r} set twice")
        self[key] = value(v, description, fmt, self.digits if digits is None else digits)

    def add_interval(self, key: str, v, lo, hi, description: str, fmt: str = "sig", digits: int | None = None,
                     interval: str = "95% bootstrap interval over replicates") -> None:
        """Add an estimate ``key`` with the ends ``<key>_lo``, ``<key>_hi`` of its interval.

        All three print with the same digits: ``digits``, or up to three more where fewer would print
        two different ends as the same text (a range ``[2.3, 2.3]`` states less than the numbers know).
        """
        d = base = self.digits if digits is None else digits
        if fmt != "int" and lo < hi:
            from adameps.pipeline.numbers import format_number  # the macros' own formatter

            while d < base + 3 and format_number(float(lo), fmt, d) == format_number(float(hi), fmt, d):
                d += 1
        self.add(key, v, description, fmt, d)
        self.add(key + "_lo", lo, f"{description}: lower end of the {interval}", fmt, d)
        self.add(key + "_hi", hi, f"{description}: upper end of the {interval}", fmt, d)
        if self[key]["key_code"]:  # the call's key with the suffix added here, e.g. f"{k}_ratio" + "_lo"
            for end in ("_lo", "_hi"):
                self[key + end]["key_code"] = self[key]["key_code"] + f' + "{end}"'

    def add_grid_max(self, key: str, v, on_edge: bool, description: str, fmt: str = "sig",
                     digits: int | None = None) -> None:
        """Add a maximum taken over a grid, with ``<key>_on_edge`` (1 if it lies on the grid's edge).

        A maximum on the edge is a grid value, not a supremum; its description says so, and
        wherever the paper cites its macro the citation is followed by ``\\gridedge`` (tested).
        """
        if on_edge:
            description += " (on the edge of its grid: a grid value, not a supremum)"
        self.add(key, v, description, fmt, digits)
        self.add(key + "_on_edge", int(bool(on_edge)), f"1 if {key} lies on the edge of its grid", "int")
        if self[key]["key_code"]:  # the call's key with the suffix added here, e.g. f"{k}_max" + "_on_edge"
            self[key + "_on_edge"]["key_code"] = self[key]["key_code"] + ' + "_on_edge"'


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


class CorruptInput(ValueError):
    """An intermediate file is damaged or is not what its producer promised."""

    def __init__(self, path, why: str):
        self.path = str(path)
        super().__init__(f"{path}: {why}. The file is damaged or incomplete (a full disk? a killed copy?): "
                         f"delete it (rm {path}) and rerun; the rule that writes it rebuilds it.")


class Doc(dict):
    """A parsed JSON document that remembers its file, so a missing key names the file."""

    def __init__(self, path, data: dict):
        super().__init__(data)
        self.path = str(path)

    def __missing__(self, key):
        raise CorruptInput(self.path, f"has no key {key!r} (its keys: {', '.join(map(str, self))})")


def read_json(path, keys=()) -> Doc:
    """The JSON object at ``path``; :class:`CorruptInput` naming the file if it does not parse, is not
    an object, or lacks one of ``keys``."""
    try:
        data = json.loads(Path(path).read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CorruptInput(path, f"is not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise CorruptInput(path, f"holds a JSON {type(data).__name__}, not an object")
    doc = Doc(path, data)
    for key in keys:
        doc[key]  # noqa: B018  (raises CorruptInput naming the file)
    return doc


def read_results(path) -> Doc:
    """A results file (format above): valid JSON with a ``values`` entry per named scalar."""
    doc = read_json(path, keys=("format", "namespace", "rule", "script", "values"))
    if doc["format"] != RESULTS_FORMAT:
        raise CorruptInput(path, f"is not a results file of format {RESULTS_FORMAT!r}")
    for key, entry in doc["values"].items():
        if not isinstance(entry, dict) or not {"value", "fmt", "digits", "description"} <= entry.keys():
            raise CorruptInput(path, f"value {key!r} lacks one of value, fmt, digits, description")
    return doc


class Arrays(dict):
    """The arrays of one ``.npz``; a missing array names the file."""

    def __init__(self, path, data: dict):
        super().__init__(data)
        self.path = str(path)

    def __missing__(self, key):
        raise CorruptInput(self.path, f"has no array {key!r} (its arrays: {', '.join(sorted(self))})")


def read_npz(path, keys=()) -> Arrays:
    """Every array of the ``.npz`` at ``path``, read now (so every member's CRC-32 is checked);
    :class:`CorruptInput` naming the file if it is no readable zip of arrays or lacks one of ``keys``."""
    try:
        with np.load(path, allow_pickle=False) as d:
            data = {k: d[k] for k in d.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        raise CorruptInput(path, f"is not a readable .npz ({type(e).__name__}: {e})") from None
    arrays = Arrays(path, data)
    for key in keys:
        arrays[key]  # noqa: B018  (raises CorruptInput naming the file)
    return arrays


def read_pdf(path) -> bytes:
    """The bytes of the PDF at ``path``; :class:`CorruptInput` naming the file unless it starts with
    ``%PDF-`` and ends with an ``%%EOF`` marker (a truncated PDF loses its trailer)."""
    data = Path(path).read_bytes()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise CorruptInput(path, "is not a complete PDF (no %PDF- header or no %%EOF trailer)")
    return data


def csv_record(data: bytes) -> dict:
    """What a CSV's producer records beside it (in its JSON) for :func:`read_csv` to check:
    the number of data rows (lines after the header) and the sha256 of the bytes."""
    return {"rows": data.count(b"\n") - 1, "sha256": hashlib.sha256(data).hexdigest()}


def read_csv(path, record: dict, recorded_in) -> list[dict]:
    """The rows of the CSV at ``path`` (one dict per data row), checked against ``record``
    (:func:`csv_record` of the bytes its producer wrote, stored in ``recorded_in``):
    :class:`CorruptInput` naming the file on a different length, a different hash, a last line
    without its newline, or a row whose fields do not match the header."""
    data = Path(path).read_bytes()
    got = csv_record(data)
    if not data.endswith(b"\n"):
        raise CorruptInput(path, "ends in the middle of a line")
    if got["rows"] != record["rows"]:
        raise CorruptInput(path, f"has {got['rows']} data rows; its producer wrote {record['rows']} "
                                 f"(recorded in {recorded_in})")
    if got["sha256"] != record["sha256"]:
        raise CorruptInput(path, f"differs from what its producer wrote (sha256 recorded in {recorded_in})")
    try:
        reader = csv.DictReader(io.StringIO(data.decode()), strict=True)
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as e:
        raise CorruptInput(path, f"is not valid CSV ({e})") from None
    for i, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise CorruptInput(path, f"line {i} does not have the header's {len(reader.fieldnames)} fields")
    return rows


def macro_ref(doc: dict, key: str) -> str:
    """``\\NamespaceKey``: the macro rule `macros` defines for value ``key`` of results ``doc``,
    for generated tables to cite; KeyError if the results file has no such value."""
    from adameps.pipeline.numbers import macro_name

    if key not in doc["values"]:
        raise KeyError(f"{getattr(doc, 'path', 'results')} (namespace {doc['namespace']!r}) has no value {key!r}")
    return "\\" + macro_name(doc["namespace"], key)


def read_macros(paths) -> list[dict]:
    """Every named value of the results files at ``paths`` as one macro each: ``name``, ``value``,
    formatted ``body``, ``description`` and its source (``path``, ``namespace``, ``key``, ``rule``, ``script``),
    ordered by file, then key, so the output does not depend on the order of ``paths``."""
    from adameps.pipeline.numbers import format_number, macro_name

    macros, seen = [], {}
    for path in sorted(paths):
        doc = read_results(path)
        for key in sorted(doc["values"]):
            entry = doc["values"][key]
            name = macro_name(doc["namespace"], key)
            if name in seen:
                raise ValueError(f"macro \\{name} defined twice: {seen[name]} and {path}:{key}")
            seen[name] = f"{path}:{key}"
            macros.append({"name": name, "value": entry["value"],
                           "body": format_number(entry["value"], entry["fmt"], entry["digits"]),
                           "description": entry["description"], "path": str(path), "namespace": doc["namespace"],
                           "key": key, "rule": doc["rule"], "script": doc["script"],
                           "source": entry.get("source", doc["script"]), "key_code": entry.get("key_code")})
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
