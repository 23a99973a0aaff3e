"""The checks of tests/reported_values.py on small examples (the built tree is checked in test_pipeline)."""

import json

from reported_values import degenerate_ranges, edge_macros, macro_bodies, unmarked_edge_citations

NUMBERS = "\n".join([
    r"\newcommand{\EtaNqmA}{\ensuremath{0.1}}",
    r"\newcommand{\EtaNqmB}{\ensuremath{0.1}}",
    r"\newcommand{\EtaNqmC}{\ensuremath{0.2}}",
])


def test_degenerate_ranges_found():
    bodies = macro_bodies(NUMBERS)
    assert bodies["EtaNqmA"] == r"\ensuremath{0.1}"
    for tex in (r"$\epsilon\in[\EtaNqmA, \EtaNqmB]$", r"from $\EtaNqmA$ to $\EtaNqmB$",
                r"$\EtaNqmA < \epsilon < \EtaNqmB$", r"between \EtaNqmA and \EtaNqmB"):
        assert len(degenerate_ranges(tex, bodies)) == 1, tex
    for tex in (r"$[\EtaNqmA, \EtaNqmC]$", r"from $\EtaNqmA$ to $\EtaNqmC$", r"$\EtaNqmA$ and $\EtaNqmB$",
                r"% [\EtaNqmA, \EtaNqmB]"):
        assert degenerate_ranges(tex, bodies) == [], tex


def test_edge_maxima_must_be_marked(tmp_path):
    doc = {"namespace": "eta_nqm", "values": {
        "worst": {"value": 2.0}, "worst_on_edge": {"value": 1},
        "inner": {"value": 1.0}, "inner_on_edge": {"value": 0}}}
    (tmp_path / "eta_nqm.json").write_text(json.dumps(doc))
    names = edge_macros(tmp_path)
    assert names == {"EtaNqmWorst"}
    assert unmarked_edge_citations(r"up to $\EtaNqmWorst\gridedge$ and $\EtaNqmInner$", names) == []
    assert unmarked_edge_citations(r"up to $\EtaNqmWorst$\gridedge, \EtaNqmWorst}\gridedge", names) == []
    assert len(unmarked_edge_citations(r"up to $\EtaNqmWorst$ (noisy)", names)) == 1
    assert unmarked_edge_citations(r"\EtaNqmWorstEps is another macro", names) == []
