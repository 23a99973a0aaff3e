"""adameps.pipeline.archive: the arXiv bundle's .tar.gz is the same bytes on Python 3.11, 3.12, 3.13."""

import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest

from archive_members import MEMBERS, MTIME
from conftest import ROOT

from adameps.pipeline.archive import gzip_bytes, tar_gz_bytes

# sha256 of tar_gz_bytes(MEMBERS, MTIME), computed with Python 3.11, 3.12 and 3.13 and zlib 1.2.13
# (a zlib with another deflate implementation, e.g. zlib-ng, may compress to other bytes).
GOLDEN = "5be5dd51724b69c78885a982c9410058292d7374f162131ba2cccc116cbb5615"


def test_gzip_header_is_fixed_and_round_trips():
    data = b"adam eps " * 1000
    z = gzip_bytes(data)
    assert z[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"  # no name, mtime 0, XFL 2 (level 9), OS 3
    assert gzip.decompress(z) == data
    assert z[10:-8] == zlib.compress(data, 9, wbits=-15)  # the raw deflate stream, nothing else
    assert gzip_bytes(data, level=1)[8] == 4 and gzip_bytes(data, os_byte=255)[9] == 255
    with pytest.raises(ValueError, match="level"):
        gzip_bytes(data, level=10)


def test_same_as_gzip_compress_apart_from_the_os_byte():
    data = b"x" * 5000
    ours, theirs = gzip_bytes(data), gzip.compress(data, compresslevel=9, mtime=0)
    assert ours[:9] + ours[10:] == theirs[:9] + theirs[10:]
    # Python 3.11/3.12 take zlib's OS byte (3 on Linux), 3.13 writes 255: the byte we fix.
    assert theirs[9] in (3, 255)


def test_tar_members_sorted_with_fixed_metadata():
    z = tar_gz_bytes(MEMBERS, MTIME)
    with tarfile.open(fileobj=io.BytesIO(z)) as tar:
        infos = tar.getmembers()
        assert [m.name for m in infos] == sorted(MEMBERS)
        assert {(m.mtime, m.mode, m.uid, m.gid, m.uname, m.gname) for m in infos} == {(MTIME, 0o644, 0, 0, "", "")}
        assert all(tar.extractfile(m).read() == MEMBERS[m.name] for m in infos)


def test_bundle_bytes_are_the_stored_ones():
    assert hashlib.sha256(tar_gz_bytes(MEMBERS, MTIME)).hexdigest() == GOLDEN


def _other_pythons():
    """Interpreters of another minor version than this one, among 3.11-3.13 (ADAMEPS_OTHER_PYTHON first)."""
    names = [os.environ.get("ADAMEPS_OTHER_PYTHON", "")] + [f"python3.{m}" for m in (11, 12, 13)]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    names += sorted(str(p) for p in pyenv.glob("3.1[123]*/bin/python"))
    found, seen = [], {sys.version_info[:2]}
    for name in filter(None, names):
        exe = shutil.which(name) or name
        try:
            out = subprocess.run([exe, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True,
                                 text=True, timeout=30)
        except OSError:
            continue
        if out.returncode == 0:
            version = tuple(int(v) for v in out.stdout.split())
            if version not in seen and (3, 11) <= version <= (3, 13):
                seen.add(version)
                found.append(exe)
    return found


def test_bundle_bytes_same_on_the_other_pythons():
    """tar_gz_bytes run by every other Python 3.11-3.13 here gives this interpreter's bytes."""
    others = _other_pythons()
    if not others:
        msg = "no other Python 3.11-3.13 found (set ADAMEPS_OTHER_PYTHON)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    code = ("import sys, hashlib; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
            "from archive_members import MEMBERS, MTIME; from adameps.pipeline.archive import tar_gz_bytes;"
            "print(hashlib.sha256(tar_gz_bytes(MEMBERS, MTIME)).hexdigest())")
    here = hashlib.sha256(tar_gz_bytes(MEMBERS, MTIME)).hexdigest()
    for exe in others:
        out = subprocess.run([exe, "-c", code, str(ROOT / "src"), str(Path(__file__).parent)], capture_output=True,
                             text=True, timeout=60, env={**os.environ, "PYTHONPATH": ""})
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == here, f"{exe} writes other bytes"
