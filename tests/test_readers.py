"""The scripts' readers of intermediates (src/scripts/_common.py) fail naming the file on a damaged
file: truncated JSON, npz and CSV (at a line boundary and mid-line), an altered CSV, a missing key."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src" / "scripts"))
import _common  # noqa: E402

CSV = b"B,lr,seed,final_loss\n1.0,0.1,0,2.5\n1.0,0.1,1,2.25\n256.0,0.1,0,1.5\n256.0,0.1,1,1.75\n"


class FakeSnakemake:
    rule = "test"
    params = {}


def test_csv_round_trip(tmp_path):
    path = tmp_path / "sweep.csv"
    path.write_bytes(CSV)
    record = _common.csv_record(CSV)
    assert record["rows"] == 4
    rows = _common.read_csv(path, record, recorded_in="sweep.json")
    assert [r["B"] for r in rows] == ["1.0", "1.0", "256.0", "256.0"]


@pytest.mark.parametrize("cut", ["line boundary", "mid-line", "header only", "empty"])
def test_truncated_csv_names_the_file(tmp_path, cut):
    path = tmp_path / "sweep.csv"
    end = {"line boundary": CSV.index(b"256.0"), "mid-line": CSV.index(b"256.0") + 3,
           "header only": CSV.index(b"\n") + 1, "empty": 0}[cut]
    path.write_bytes(CSV[:end])
    with pytest.raises(_common.CorruptInput, match=rf"^{path}: .*rm {path}"):
        _common.read_csv(path, _common.csv_record(CSV), recorded_in="sweep.json")


def test_altered_csv_names_the_file_and_the_record(tmp_path):
    path = tmp_path / "sweep.csv"
    path.write_bytes(CSV.replace(b"2.25", b"9.25"))
    with pytest.raises(_common.CorruptInput, match=r"sweep\.csv: differs .*sha256 recorded in sweep\.json"):
        _common.read_csv(path, _common.csv_record(CSV), recorded_in="sweep.json")


def test_csv_row_with_missing_field_names_the_line(tmp_path):
    bad = CSV.replace(b"1.0,0.1,1,2.25\n", b"1.0,0.1,1\n")
    path = tmp_path / "sweep.csv"
    path.write_bytes(bad)
    with pytest.raises(_common.CorruptInput, match=r"line 3 does not have the header's 4 fields"):
        _common.read_csv(path, _common.csv_record(bad), recorded_in="sweep.json")


def _results(tmp_path) -> Path:
    path = tmp_path / "scurves.json"
    _common.write_results(path, namespace="scurves", snakemake=FakeSnakemake, script=__file__,
                          values={"x": _common.value(1.5, "a value")})
    return path


def test_results_round_trip(tmp_path, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    doc = _common.read_results(_results(tmp_path))
    assert doc["values"]["x"]["value"] == 1.5
    assert _common.macro_ref(doc, "x") == "\\ScurvesX"


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99])
def test_truncated_json_names_the_file(tmp_path, monkeypatch, keep):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    path = _results(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(_common.CorruptInput, match=rf"^{path}: is not valid JSON"):
        _common.read_results(path)


def test_json_missing_key_names_the_file(tmp_path):
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps({"rows": []}))
    with pytest.raises(_common.CorruptInput, match=r"sweep\.json: has no key 'csv'"):
        _common.read_json(path, keys=("rows", "csv"))
    doc = _common.read_json(path)
    with pytest.raises(_common.CorruptInput, match=r"sweep\.json: has no key 'eps'"):
        doc["eps"]


def test_json_not_an_object(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    with pytest.raises(_common.CorruptInput, match=r"x\.json: holds a JSON list"):
        _common.read_json(path)


def _npz(tmp_path) -> Path:
    path = tmp_path / "curves.npz"
    _common.write_npz(path, x=np.linspace(0, 1, 1000), y=np.arange(1000.0) ** 2)
    return path


def test_npz_round_trip(tmp_path):
    d = _common.read_npz(_npz(tmp_path), keys=("x", "y"))
    assert d["y"][-1] == 999.0**2
    with pytest.raises(_common.CorruptInput, match=r"curves\.npz: has no array 'z' \(its arrays: x, y\)"):
        d["z"]


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_truncated_npz_names_the_file(tmp_path, keep):
    path = _npz(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(_common.CorruptInput, match=rf"^{path}: is not a readable \.npz"):
        _common.read_npz(path)


def test_altered_npz_member_fails_its_crc(tmp_path):
    path = _npz(tmp_path)
    data = bytearray(path.read_bytes())
    data[200] ^= 0xFF  # inside the first member's compressed data
    path.write_bytes(bytes(data))
    with pytest.raises(_common.CorruptInput, match=r"curves\.npz: is not a readable \.npz"):
        _common.read_npz(path)


def test_truncated_pdf_names_the_file(tmp_path):
    path = tmp_path / "fig.pdf"
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    path.write_bytes(pdf)
    assert _common.read_pdf(path) == pdf
    path.write_bytes(pdf[:-10])
    with pytest.raises(_common.CorruptInput, match=r"fig\.pdf: is not a complete PDF"):
        _common.read_pdf(path)
