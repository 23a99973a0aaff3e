r"""The one formatter that turns computed values into LaTeX, and the macro naming rule.

Every number in the paper is a macro ``\Namespace Key`` whose body is produced by
:func:`format_number` from a value stored in a results file.  Keeping the formatter
in one place means one change of style reaches every number at once.

Format specifications (the ``fmt`` field of a results value):

``"sci"``   ``digits`` significant digits, always :math:`m \times 10^{e}` (unless
            the exponent is 0);
``"sig"``   ``digits`` significant digits, plain decimal for
            :math:`10^{-3} \le |x| < 10^{5}`, otherwise as ``"sci"``;
``"fixed"`` ``digits`` digits after the decimal point;
``"int"``   an integer (the value must be integral), with thin-space grouping above 9999;
``"pct"``   ``100 x`` with ``digits`` significant digits and a percent sign.
"""

from __future__ import annotations

import math
import re

__all__ = ["FORMATS", "format_number", "macro_name"]

FORMATS = ("sci", "sig", "fixed", "int", "pct")

_KEY_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_DIGITS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def _mantissa_exponent(value: float, digits: int) -> tuple[str, int]:
    # Round first, then split: 9.996 with 3 digits must become 1.00e1, not 10.0e0.
    s = f"{value:.{digits - 1}e}"
    mant, exp = s.split("e")
    return mant, int(exp)


def _sci(value: float, digits: int) -> str:
    mant, exp = _mantissa_exponent(value, digits)
    if exp == 0:
        return mant
    return rf"{mant}\times 10^{{{exp}}}"


def _group_int(n: int) -> str:
    s = str(abs(n))
    if len(s) > 4:
        groups = []
        while s:
            groups.insert(0, s[-3:])
            s = s[:-3]
        s = r"\,".join(groups)
    return ("-" if n < 0 else "") + s


def format_number(value, fmt: str = "sig", digits: int = 3) -> str:
    r"""Format ``value`` as the LaTeX body of a number macro (math-mode safe, wrapped in ``\ensuremath``).

    Examples
    --------
    >>> format_number(0.0213456, "sig", 3)
    '\\ensuremath{0.0213}'
    >>> format_number(1.5e-7, "sci", 2)
    '\\ensuremath{1.5\\times 10^{-7}}'
    >>> format_number(12345, "int")
    '\\ensuremath{12\\,345}'
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"value must be a real number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value!r}")
    if not isinstance(digits, int) or isinstance(digits, bool) or digits < 1 or digits > 17:
        raise ValueError(f"digits must be an integer in [1, 17], got {digits!r}")

    if fmt == "int":
        if float(value) != round(value):
            raise ValueError(f"fmt 'int' needs an integral value, got {value!r}")
        body = _group_int(int(round(value)))
    elif fmt == "fixed":
        body = f"{value:.{digits}f}"
    elif fmt == "pct":
        body = _sig_plain(100.0 * value, digits) + r"\%"
    elif fmt == "sci":
        body = "0" if value == 0 else _sci(value, digits)
    else:  # "sig"
        body = _sig_plain(value, digits)
    if body.startswith("-"):
        body = "-" + body[1:]
    return rf"\ensuremath{{{body}}}"


def _sig_plain(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    mant, exp = _mantissa_exponent(value, digits)
    if exp < -3 or exp >= 5:
        return _sci(value, digits)
    # Plain decimal with exactly `digits` significant digits (trailing zeros kept:
    # they state the precision).
    decimals = max(digits - 1 - exp, 0)
    return f"{float(mant) * 10.0**exp:.{decimals}f}"


def macro_name(namespace: str, key: str) -> str:
    r"""The LaTeX macro name (without backslash) for ``key`` of results ``namespace``.

    Parts separated by underscores are capitalised and joined; TeX control words cannot
    contain digits, so each digit is spelled out: ``("scurves", "softsign_max_abs_error")``
    gives ``ScurvesSoftsignMaxAbsError`` and ``("moments", "m1_post_max")`` gives
    ``MomentsMOnePostMax``. Keys keep the names of the maths (``m1``, ``eta_star``).

    Examples
    --------
    >>> macro_name("moments", "m1_post_max")
    'MomentsMOnePostMax'
    >>> macro_name("train", "Bad-Key")
    Traceback (most recent call last):
    ...
    ValueError: key must be lower-case letters and digits in parts joined by single underscores, starting with a letter, got 'Bad-Key'
    """
    for what, s in (("namespace", namespace), ("key", key)):
        if not isinstance(s, str) or not _KEY_RE.match(s):
            raise ValueError(
                f"{what} must be lower-case letters and digits in parts joined by single "
                f"underscores, starting with a letter, got {s!r}"
            )
    words = "".join(part.capitalize() for part in f"{namespace}_{key}".split("_"))
    return "".join(_DIGITS[int(c)] if c.isdigit() else c for c in words)
