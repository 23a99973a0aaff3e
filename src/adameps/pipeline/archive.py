r"""Byte-reproducible ``.tar.gz`` archives (the arXiv source bundle), the same on every Python.

``gzip.compress(data, mtime=0)`` is not: from Python 3.11 it hands ``mtime=0`` to
``zlib.compress``, whose gzip header carries zlib's own OS byte (3, Unix, on Linux), while
Python 3.13 writes 255 ("unknown") again.  :func:`gzip_bytes` therefore writes the gzip
member itself (RFC 1952): a fixed 10-byte header, zlib's raw deflate stream, CRC-32 and size.
The OS byte is 3, the value every earlier build of this project carried, so the bundle's bytes
did not change when this module replaced ``gzip.compress``.

Pure functions on bytes; the ``arxiv`` rule reads and writes the files.
"""

from __future__ import annotations

import io
import struct
import tarfile
import zlib
from collections.abc import Mapping

__all__ = ["gzip_bytes", "tar_gz_bytes"]

_OS_UNIX = 3


def gzip_bytes(data: bytes, level: int = 9, mtime: int = 0, os_byte: int = _OS_UNIX) -> bytes:
    """One gzip member of ``data`` with a fixed header: no file name, ``mtime``, ``os_byte``.

    Parameters
    ----------
    data : bytes
        What to compress.
    level : int
        zlib compression level, 0-9 (9: best; the header's XFL byte says 2 for it, 4 for 1).
    mtime : int
        Modification time written in the header (0: none).
    os_byte : int
        The header's OS field (RFC 1952: 3 Unix, 255 unknown).

    Returns
    -------
    bytes
        The gzip file: header, raw deflate stream (``zlib.compressobj(level, DEFLATED, -15)``),
        CRC-32 and length modulo 2**32, both little-endian.

    Examples
    --------
    >>> import gzip
    >>> z = gzip_bytes(b"eps" * 100)
    >>> z[:10].hex(), gzip.decompress(z) == b"eps" * 100
    ('1f8b0800000000000203', True)
    """
    if not 0 <= int(level) <= 9:
        raise ValueError(f"level must be in 0..9, got {level!r}")
    if not 0 <= int(os_byte) <= 255:
        raise ValueError(f"os_byte must be in 0..255, got {os_byte!r}")
    c = zlib.compressobj(int(level), zlib.DEFLATED, -zlib.MAX_WBITS, 8, zlib.Z_DEFAULT_STRATEGY)
    body = c.compress(data) + c.flush()
    xfl = 2 if level == 9 else 4 if level == 1 else 0
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", int(mtime)) + bytes([xfl, int(os_byte)])
    return header + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def tar_gz_bytes(members: Mapping[str, bytes], mtime: int) -> bytes:
    """A ``.tar.gz`` of ``members`` (name -> bytes), byte-reproducible.

    Members are sorted by name, PAX format, mode 0644, owner and group 0 with empty names, every
    member's mtime ``mtime``; compressed by :func:`gzip_bytes` (level 9, header mtime 0).

    Examples
    --------
    >>> import io, tarfile
    >>> z = tar_gz_bytes({"b.tex": b"B", "a.tex": b"A"}, mtime=1731888000)
    >>> tarfile.open(fileobj=io.BytesIO(z)).getnames()
    ['a.tex', 'b.tex']
    >>> z == tar_gz_bytes({"a.tex": b"A", "b.tex": b"B"}, mtime=1731888000)
    True
    """
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(members[name]), 0o644, int(mtime)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(members[name]))
    return gzip_bytes(raw.getvalue(), level=9, mtime=0)
