"""The language-model rules on the test config: the measurements are finite, bracketed and
reproducible (two builds from clean give byte-identical results)."""

import json
import math

import numpy as np
import pytest

from conftest import require_corpus

pytestmark = pytest.mark.slow

TARGETS = ["results/lm_corpus.json", "results/lm_lr.json", "results/lm_premise.json", "results/lm_switch.json",
           "results/lm_sqrt_rule.json", "results/lm_one_step.json", "results/lm_theory.json", "figures/lm_premise.pdf"]


def _lm_files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "results").rglob("*")) if p.is_file() and "lm" in p.as_posix()}


@pytest.fixture(scope="module")
def builds(built_tree, second_build):
    """The session's two clean builds of the whole DAG (conftest.built_tree and second_build, read
    only): (root of the first, the language-model files of each)."""
    require_corpus()
    pytest.importorskip("torch")
    return built_tree[0], _lm_files(built_tree[0]), _lm_files(second_build[0])


def test_values_finite(builds):
    root, files, _ = builds
    for name in TARGETS[:-1]:
        doc = json.loads((root / name).read_text())
        assert doc["values"], name
        for key, entry in doc["values"].items():
            assert isinstance(entry["value"], (int, float)) and math.isfinite(entry["value"]), f"{name}:{key}"


def test_sweeps_bracketed_and_refined(builds):
    root, _, _ = builds
    sweeps = sorted((root / "results/lm").glob("sweep_eps*.json"))
    assert len(sweeps) >= 3
    for path in sweeps:
        doc = json.loads(path.read_text())
        for row in doc["rows"]:
            assert row["flag"] == "ok", f"{path.name} B={row['B']}: {row['flag']}"
            lrs = np.array(row["lrs"])
            mean = np.array([np.mean(r) if None not in r else np.inf for r in row["losses"]])
            i = int(np.argmin(mean))
            assert 0 < i < lrs.size - 1 and lrs[i - 1] < row["eta"] < lrs[i + 1]  # bracketed
            assert np.log(lrs[i + 1] / lrs[i]) < 0.36  # refined at spacing ln sqrt(2)
            assert row["log_eta_se"] is not None and row["log_eta_se"] >= 0
    lr = json.loads((root / "results/lm_lr.json").read_text())["values"]
    assert lr["bracketed_fraction"]["value"] == 1.0


def test_premise_shares_are_shares(builds):
    root, _, _ = builds
    with np.load(root / "results/lm/premise.npz") as z:
        sh = z["e8_shares"]
        assert np.all((sh >= 0) & (sh <= 1))
        # a larger threshold never has a smaller share
        assert np.all(np.diff(sh, axis=-1) >= 0)
        q = z["e8_quant"]
        assert np.all(np.isfinite(q)) and np.all(q >= 0)


def test_reproducible(builds):
    _, a, b = builds
    assert a.keys() == b.keys() and len(a) >= 8
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, differ


def test_theory_predictions_defined(builds):
    """lm_theory: the one-step (diag H) and multi-step predictions exist at every (replicate, eps, B)."""
    root, _, _ = builds
    z = np.load(root / "results/lm/theory.npz")
    for key in ("onestep", "multistep", "convex"):
        assert np.all(z[key] > -1e299), key  # -1e300 marks an undefined prediction


def test_token_budget_comparison(builds):
    """lm_lr_summary's token-budget comparison: the main budget's entry is the main sweep restricted
    to lm.budget.B, every budget's sweep ran at its own budget, and the exponent is the fitted slope."""
    root, _, _ = builds
    lr = json.loads((root / "results/lm_lr.json").read_text())["values"]
    with np.load(root / "results/lm/lr.npz") as z:
        tokens, Bb, log_eta, alpha = z["budget_tokens"], z["budget_B"], z["budget_log_eta"], z["budget_alpha"]
        l10 = int(z["budget_log10_eps"].ravel()[0])
    assert np.all(np.diff(tokens) > 0) and tokens.size == lr["budget_n"]["value"] >= 2
    k = lr["budget_main_index"]["value"]
    main = json.loads((root / f"results/lm/sweep_eps{l10}.json").read_text())
    assert tokens[k] == main["token_budget"]
    by_B = {r["B"]: r["log_eta"] for r in main["rows"]}
    np.testing.assert_array_equal(log_eta[k], [by_B[int(b)] for b in Bb])
    for j, n in enumerate(tokens):
        if j == k:
            continue
        doc = json.loads((root / f"results/lm/sweep_eps{l10}_tokens{int(n)}.json").read_text())
        assert doc["token_budget"] == int(n) and [r["B"] for r in doc["rows"]] == Bb.astype(int).tolist()
        assert all(r["steps"] == int(n) // (r["B"] * doc_ctx(root)) for r in doc["rows"])
        np.testing.assert_array_equal(log_eta[j], [r["log_eta"] for r in doc["rows"]])
    for j in range(tokens.size):
        np.testing.assert_allclose(alpha[j], np.polyfit(np.log(Bb), log_eta[j], 1)[0], rtol=1e-12)
        assert lr[f"budget{j}_alpha"]["value"] == pytest.approx(alpha[j], rel=1e-12)


def doc_ctx(root):
    import yaml

    return yaml.safe_load((root / "config/test.yaml").read_text())["lm"]["model"]["ctx"]
