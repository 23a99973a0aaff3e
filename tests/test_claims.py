"""The paper's qualitative claims (paper/claims.yaml, \\claim{<id>} in paper/): the condition language,
its refusals, and that text and claims file agree. The conditions themselves are checked on the
results by rule `claims` in every build (tests/test_pipeline.py on the test config)."""

import re

import pytest
import yaml

from adameps.pipeline.claims import ID_RE, check_claims, condition_names, evaluate
from conftest import ROOT

CLAIM = re.compile(r"\\claim\{([^}]*)\}")


def paper_sources():
    return sorted([*ROOT.glob("paper/*.tex"), *ROOT.glob("paper/sections/*.tex")])


def cited_ids():
    """``{id: [file, ...]}`` of every \\claim{id} in the paper's sources (comments stripped)."""
    out = {}
    for path in paper_sources():
        text = re.sub(r"(?<!\\)%.*", "", path.read_text())
        for cid in CLAIM.findall(text):
            out.setdefault(cid, []).append(path.name)
    return out


def claims_file():
    return yaml.safe_load((ROOT / "paper/claims.yaml").read_text())


@pytest.mark.parametrize("expr, values, want", [
    ("A < B", {"A": 1.0, "B": 2.0}, True),
    ("A < B", {"A": 2.0, "B": 2.0}, False),
    ("0.5 < A / B < 2", {"A": 1.0, "B": 1.9}, True),
    ("0.5 < A / B < 2", {"A": 1.0, "B": 2.1}, False),  # a chain fails on its second link
    ("abs(A - B) <= 0.1 * B", {"A": -1.0, "B": -1.05}, False),  # abs of a product with a negative B
    ("abs(A - B) <= 0.1 * abs(B)", {"A": -1.0, "B": -1.05}, True),
    ("not A > 0 or B == 3", {"A": 1.0, "B": 3}, True),
    ("A > 0 and not B != 3", {"A": 1.0, "B": 4}, False),
    ("-A >= 2 - B", {"A": 1.0, "B": 3.0}, True),
])
def test_evaluate(expr, values, want):
    assert evaluate(expr, values) is want


@pytest.mark.parametrize("expr, needle", [
    ("__import__('os').system('true') == 0", "not Call"),
    ("A.real < 1", "not Attribute"),
    ("A[0] < 1", "not Subscript"),
    ("A ** 2 < 1", "not BinOp"),
    ("'a' < 'b'", "not Constant"),
    ("True", "not Constant"),
    ("[A] == [1]", "not List"),
    ("A <", "not a Python expression"),
])
def test_evaluate_refuses_anything_but_arithmetic_and_comparisons(expr, needle):
    with pytest.raises(ValueError, match=re.escape(needle)):
        evaluate(expr, {"A": 1.0})


def test_condition_names_in_order_without_abs():
    assert condition_names("abs(B - A) < 2 * B and C > A") == ["B", "A", "C"]


@pytest.mark.parametrize("claims, needle", [
    ({"Bad_Id": {"says": "x", "holds": "A < 1"}}, "claim 'Bad_Id': an id is lower-case words joined by hyphens"),
    ({"a-b": {"holds": "A < 1"}}, "claim 'a-b': needs exactly the keys 'says'"),
    ({"a-b": {"says": "x", "holds": "A < 1", "extra": 1}}, "needs exactly the keys"),
    ({"a-b": {"says": "x", "holds": 3}}, "claim 'a-b': 'holds' must be a condition as a string"),
    ({"a-b": {"says": "x", "holds": "A < Nope"}}, "claim 'a-b': no generated value named Nope"),
    ({"a-b": {"says": "x", "holds": "A + 1"}}, "claim 'a-b': 'A + 1' is a number, not a comparison"),
    ({"a-b": {"says": "x", "holds": "A.imag < 1"}}, "claim 'a-b': 'A.imag < 1': only macro names"),
])
def test_check_claims_names_the_bad_claim(claims, needle):
    with pytest.raises(ValueError, match=re.escape(needle)):
        check_claims(claims, {"A": 1.0})


def test_missing_values_and_zero_divisions_make_a_claim_false_not_an_error():
    claims = {"ratio-near-one": {"says": "x over y near one", "holds": "0.5 < X / Y < 2"}}
    assert check_claims(claims, {"X": 1.0, "Y": 0.0}) == {"ratio-near-one": (False, {"X": 1.0, "Y": 0.0})}
    assert check_claims(claims, {"X": 1.0}, allow_missing=True) == {"ratio-near-one": (False, {"X": 1.0, "Y": None})}
    with pytest.raises(ValueError, match="no generated value named Y"):
        check_claims(claims, {"X": 1.0})


def test_check_claims_reports_values_used():
    out = check_claims({"x-lt-y": {"says": "x < y", "holds": "X < Y"},
                        "y-small": {"says": "y small", "holds": "Y < 1"}}, {"X": 1.0, "Y": 2.0, "Z": 3.0})
    assert out == {"x-lt-y": (True, {"X": 1.0, "Y": 2.0}), "y-small": (False, {"Y": 2.0})}


def test_every_cited_claim_is_defined_and_every_defined_claim_cited():
    cited, defined = cited_ids(), claims_file()
    assert len(defined) >= 20
    assert set(cited) - set(defined) == set(), "cited in paper/ but not in paper/claims.yaml"
    assert set(defined) - set(cited) == set(), "in paper/claims.yaml but cited nowhere"
    for cid, entry in defined.items():
        assert ID_RE.match(cid), cid
        assert set(entry) == {"says", "holds"}, cid
        names = condition_names(entry["holds"])
        assert names, f"claim {cid}: its condition reads no generated value"
        # macro names: CamelCase letters only, as adameps.pipeline.numbers.macro_name makes them
        assert all(re.fullmatch(r"[A-Z][A-Za-z]+", n) for n in names), (cid, names)


def test_claims_are_cited_where_a_sentence_ends_not_in_math_or_captions():
    for path in paper_sources():
        text = re.sub(r"(?<!\\)%.*", "", path.read_text())
        for m in CLAIM.finditer(text):
            before = text[: m.start()]
            # inside math: an odd number of unescaped $ since the paragraph began
            para = before[before.rfind("\n\n") + 1:]
            assert len(re.findall(r"(?<!\\)\$", para)) % 2 == 0, (path.name, m.group(0))
            # inside a caption: the last \caption{ before it is not closed yet
            c = before.rfind(r"\caption{")
            if c >= 0:
                rest = before[c + len(r"\caption{"):]
                depth = 1 + rest.count("{") - rest.count("}") - rest.count(r"\{") + rest.count(r"\}")
                assert depth <= 0, (path.name, m.group(0))
