r"""The paper's qualitative claims as conditions on its generated values.

A sentence that concludes something ("a constant learning rate describes the tuned optimum better
than the square-root rule") is true of one set of results; the numbers beside it are macros, so a
rebuild on another configuration changes them, and the words could then say the opposite of the
numbers. Each such sentence is followed in the LaTeX source by ``\claim{<id>}``, and
``paper/claims.yaml`` holds, per id, the condition that makes it true, written with the macro names
the sentence cites::

    lm-constant-beats-sqrt:
      says: a constant learning rate fits eta*(B) better than the sqrt(B) rule
      holds: LmlrEEightConstantRms < LmlrEEightSqrtRms

The condition is evaluated on the unrounded values (:func:`check_claims`). Rule ``claims`` writes
the outcome to ``paper/generated/claims.tex``; with config ``false_claims: fail`` (the default
configuration) a false claim stops the build naming it and its values, with ``mark`` (the test
configuration, whose tiny runs need not agree with the paper) the PDF prints a visible mark after
the sentence instead.

A condition is a Python expression of macro names, numbers, ``+ - * /``, ``abs()``, comparisons
(chains allowed) and ``and``/``or``/``not``; anything else (a call, an attribute, a subscript) is
refused, so a claims file cannot run code.
"""

from __future__ import annotations

import ast
import operator
import re

__all__ = ["ID_RE", "check_claims", "condition_names", "evaluate"]

#: A claim id: lower-case words joined by hyphens (it appears as ``\claim{<id>}`` in the text).
ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_CMP = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
        ast.Eq: operator.eq, ast.NotEq: operator.ne}


def _parse(expr: str) -> ast.Expression:
    try:
        return ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not a Python expression: {expr!r} ({exc.msg})") from None


def condition_names(expr: str) -> list[str]:
    """The macro names a condition reads, in order of first use.

    >>> condition_names("abs(LmA - LmB) < 0.1 * LmA")
    ['LmA', 'LmB']
    """
    nodes = sorted((n for n in ast.walk(_parse(expr)) if isinstance(n, ast.Name) and n.id != "abs"),
                   key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in nodes))


def evaluate(expr: str, values: dict):
    """The value of condition ``expr`` with macro names bound to ``values`` (name -> number).

    >>> evaluate("A < B < 2 * A and not A > 3", {"A": 1.0, "B": 1.5})
    True
    >>> evaluate("A.real", {"A": 1.0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'A.real': only macro names, numbers, + - * /, abs(), comparisons ... allowed, not Attribute
    """

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name) and node.id != "abs":
            if node.id not in values:
                raise KeyError(node.id)
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            return _BIN[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else not v
        if isinstance(node, ast.Compare) and all(type(op) in _CMP for op in node.ops):
            left = ev(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                right = ev(right_node)
                if not _CMP[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BoolOp):
            parts = [bool(ev(v)) for v in node.values]
            return all(parts) if isinstance(node.op, ast.And) else any(parts)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "abs"
                and len(node.args) == 1 and not node.keywords):
            return abs(ev(node.args[0]))
        raise ValueError(f"{expr!r}: only macro names, numbers, + - * /, abs(), comparisons and "
                         f"and/or/not are allowed, not {type(node).__name__}")

    return ev(_parse(expr))


def check_claims(claims: dict, values: dict, allow_missing: bool = False) -> dict:
    """``{id: (holds, {name: value})}`` for every claim ``{id: {"says": ..., "holds": expr}}``.

    Raises ValueError naming the claim for a bad id, a missing field, or a condition that is not a
    comparison or boolean; and for a macro name that no results file defines, unless
    ``allow_missing``: then such a claim does not hold and its missing names map to None (a
    configuration with fewer batch sizes or eps values than the text was written for lacks some).

    >>> check_claims({"x-beats-y": {"says": "x is smaller", "holds": "X < Y"}}, {"X": 1.0, "Y": 2.0})
    {'x-beats-y': (True, {'X': 1.0, 'Y': 2.0})}
    >>> check_claims({"x-beats-z": {"says": "x is smaller", "holds": "X < Z"}}, {"X": 1.0}, allow_missing=True)
    {'x-beats-z': (False, {'X': 1.0, 'Z': None})}
    """
    out = {}
    for cid, entry in claims.items():
        where = f"claim {cid!r}"
        if not isinstance(cid, str) or not ID_RE.match(cid):
            raise ValueError(f"{where}: an id is lower-case words joined by hyphens, e.g. 'lm-flat-eta'")
        if not isinstance(entry, dict) or set(entry) != {"says", "holds"}:
            raise ValueError(f"{where}: needs exactly the keys 'says' (the sentence, in short) and "
                             f"'holds' (its condition), got {sorted(entry) if isinstance(entry, dict) else entry!r}")
        expr = entry["holds"]
        if not isinstance(expr, str):
            raise ValueError(f"{where}: 'holds' must be a condition as a string, got {expr!r}")
        names = condition_names(expr)
        missing = [n for n in names if n not in values]
        if missing and not allow_missing:
            raise ValueError(f"{where}: no generated value named {', '.join(missing)} "
                             "(write the macro name as the paper cites it, without the backslash)")
        if missing:
            out[cid] = (False, {n: values.get(n) for n in names})
            continue
        try:
            result = evaluate(expr, values)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        except ZeroDivisionError:  # a ratio of a zero value: the claim cannot hold as written
            out[cid] = (False, {n: values[n] for n in names})
            continue
        if not isinstance(result, bool):
            raise ValueError(f"{where}: {expr!r} is a number, not a comparison (write e.g. 'A < B')")
        out[cid] = (result, {n: values[n] for n in names})
    return out
