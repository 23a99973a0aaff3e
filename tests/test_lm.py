"""The language model: corpus, tokenisation, stacked transformer = independent runs, Adam = torch.optim.Adam."""

from __future__ import annotations

import math
import subprocess

import numpy as np
import pytest

from adameps import lm

from conftest import require_corpus

torch = pytest.importorskip("torch")

TINY = lm.ModelConfig(vocab=11, ctx=8, d_model=16, n_layer=2, n_head=2)


def _tokens(n=4000, vocab=11, seed=0):
    # a learnable sequence: a noisy cycle through the vocabulary
    rng = np.random.default_rng(seed)
    t = (np.arange(n) + (rng.random(n) < 0.1) * rng.integers(0, vocab, n)) % vocab
    return t.astype(np.int64)


def test_tokenize_and_split():
    tok, vocab = lm.tokenize_bytes(b"hello world")
    assert bytes(vocab[tok].astype(np.uint8).tolist()) == b"hello world"
    assert list(vocab) == sorted(set(b"hello world"))
    tr, va = lm.split_tokens(np.arange(100), 0.1)
    assert tr.tolist() == list(range(90)) and va.tolist() == list(range(90, 100))
    with pytest.raises(ValueError, match="val_fraction"):
        lm.split_tokens(np.arange(100), 1.0)
    with pytest.raises(ValueError, match="empty"):
        lm.tokenize_bytes(b"")


def test_model_config_validation_and_count():
    with pytest.raises(ValueError, match="d_model"):
        lm.ModelConfig(vocab=10, d_model=10, n_head=4)
    with pytest.raises(ValueError, match="ctx"):
        lm.ModelConfig(vocab=10, ctx=0)
    m = lm.StackedGPT(TINY, [0])
    assert sum(p[0].numel() for p in m.params.values()) == TINY.n_params()
    assert {lm.param_type(n) for n in m.params} == set(lm.PARAM_TYPES)


def test_runs_are_independent_and_causal():
    """Run r of a stack equals the same run alone (init from its own seed); the model is causal."""
    m3 = lm.StackedGPT(TINY, [5, 7, 5])
    m1 = lm.StackedGPT(TINY, [7])
    for n in m1.params:
        assert torch.equal(m3.params[n][1], m1.params[n][0])
    x = torch.randint(0, TINY.vocab, (3, 2, TINY.ctx), generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, TINY.vocab, (3, 2, TINY.ctx), generator=torch.Generator().manual_seed(1))
    l3 = m3.loss(x, y)
    l1 = m1.loss(x[1:2], y[1:2])
    torch.testing.assert_close(l3[1:2], l1, rtol=1e-6, atol=0)
    # gradient of run 1 only through its own loss
    l3.sum().backward()
    l1.sum().backward()
    for n in m1.params:
        torch.testing.assert_close(m3.params[n].grad[1], m1.params[n].grad[0], rtol=1e-5, atol=1e-7)
    # causal: changing the last token does not change the logits of earlier positions
    x2 = x.clone()
    x2[:, :, -1] = (x2[:, :, -1] + 1) % TINY.vocab
    with torch.no_grad():
        a, b = m3.logits(x), m3.logits(x2)
    torch.testing.assert_close(a[:, :, :-1], b[:, :, :-1])
    assert not torch.allclose(a[:, :, -1], b[:, :, -1])


@pytest.mark.parametrize("eps,beta1,beta2", [(1e-8, 0.9, 0.999), (1e-3, 0.5, 0.9)])
def test_stacked_adam_matches_torch_optim_adam(eps, beta1, beta2):
    """Two runs with different lr and eps, each checked against its own torch.optim.Adam for 30 steps."""
    lrs, epss = [3e-3, 1e-2], [eps, 10 * eps]
    m = lm.StackedGPT(TINY, [0, 1])
    refs = [lm.StackedGPT(TINY, [s]) for s in (0, 1)]
    opts = [torch.optim.Adam(list(r.params.values()), lr=lrs[i], betas=(beta1, beta2), eps=epss[i])
            for i, r in enumerate(refs)]
    ours = lm.StackedAdam(m.params, beta1, beta2)
    toks = _tokens()
    offs = lm.batch_offsets(0, len(toks), 4, TINY.ctx, 30)
    for t in range(30):
        x, y = lm.make_batch(toks, offs[t], TINY.ctx)
        for p in m.params.values():
            p.grad = None
        m.loss(x.expand(2, -1, -1), y.expand(2, -1, -1)).sum().backward()
        ours.step(m.params, torch.tensor(lrs), torch.tensor(epss))
        for i, (r, o) in enumerate(zip(refs, opts)):
            o.zero_grad()
            r.loss(x[None], y[None]).sum().backward()
            o.step()
    for i, r in enumerate(refs):
        for n in r.params:
            torch.testing.assert_close(m.params[n][i], r.params[n][0].detach(), rtol=1e-4, atol=1e-6)
        sv = ours.sqrt_vhat("h0_fc1")[i]
        ref_v = opts[i].state[r.params["h0_fc1"]]["exp_avg_sq"][0]
        torch.testing.assert_close(sv, ref_v.sqrt() / math.sqrt(1 - beta2**30), rtol=1e-4, atol=1e-9)


def test_schedule_and_budget():
    s = [lm.lr_schedule(t, 10, 2) for t in range(1, 11)]
    assert s[:2] == [0.5, 1.0] and all(a > b for a, b in zip(s[1:], s[2:])) and s[-1] > 0
    assert lm.n_steps(4096, 4, 8) == 128 and lm.n_steps(4096, 16, 8) == 32
    with pytest.raises(ValueError, match="token_budget"):
        lm.n_steps(10, 4, 8)


def test_train_runs_learns_is_reproducible_and_grid_independent():
    toks = _tokens()
    tr, va = lm.split_tokens(toks, 0.2)
    kw = dict(init_seed=[0, 0, 1], data_seed=[0, 0, 1], batch_size=4, token_budget=4 * 8 * 60, n_val_seq=16,
              eval_steps=[0])
    a = lm.train_runs(TINY, tr, va, lr=[1e-2, 3e-2, 1e-2], eps=[1e-8] * 3, **kw)
    b = lm.train_runs(TINY, tr, va, lr=[1e-2, 3e-2, 1e-2], eps=[1e-8] * 3, **kw)
    np.testing.assert_array_equal(a["val_loss"], b["val_loss"])
    assert np.all(a["val_loss"] < a["val_curve"][0] - 0.3)  # it learns
    solo = lm.train_runs(TINY, tr, va, lr=[3e-2], eps=[1e-8], init_seed=[0], data_seed=[0], batch_size=4,
                         token_budget=4 * 8 * 60, n_val_seq=16)
    np.testing.assert_allclose(solo["val_loss"], a["val_loss"][1:2], rtol=1e-5)
    # a huge learning rate diverges and is reported as +inf, never NaN
    c = lm.train_runs(TINY, tr, va, lr=[1e-2, 50.0], eps=[1e-8] * 2, init_seed=[0, 0], data_seed=[0, 0],
                      batch_size=4, token_budget=4 * 8 * 30, n_val_seq=16, diverge_loss=3.0)
    assert np.isfinite(c["val_loss"][0]) and c["val_loss"][1] == np.inf and c["diverged"].tolist() == [False, True]


def test_eps_switch_factor_and_shares():
    toks = _tokens()
    tr, va = lm.split_tokens(toks, 0.2)
    seen = {}

    def cb(step, model, opt):
        seen[step] = (lm.eps_switch_lr_factor(opt, torch.tensor([1e-2, 1e-8]), torch.tensor([1e-8, 1e-8])),
                      lm.type_shares({n: opt.sqrt_vhat(n)[0] for n in model.params}, [1e-8, 1e3]))

    lm.train_runs(TINY, tr, va, lr=[1e-2, 1e-2], eps=[1e-2, 1e-8], init_seed=[0, 0], data_seed=[0, 0],
                  batch_size=4, token_budget=4 * 8 * 20, n_val_seq=8, eval_steps=[10], callback=cb)
    f, shares = seen[10]
    assert f[0] < 1 and f[1] == pytest.approx(1.0)  # a smaller eps makes the step longer
    for t, s in shares.items():
        assert s[1] == 1.0 and 0 <= s[0] <= 1


def test_corpus_command_reads_the_kjv():
    require_corpus()
    out = subprocess.run(lm.corpus_command(), capture_output=True, check=True).stdout
    assert out.count(b"\n") > 30000 and b"In the beginning God created the heaven and the earth." in out
    tok, vocab = lm.tokenize_bytes(out)
    assert 60 < len(vocab) < 100 and len(tok) == len(out)


def _double(m):
    m.params = {n: p.detach().double().requires_grad_(True) for n, p in m.params.items()}
    return m


def test_run_module_is_the_run_for_the_collector():
    """run_module + torch_stats: per-window gradients average to the batch gradient of that run; g and
    sigma of run_stats are their mean and population standard deviation."""
    from adameps import torch_stats as ts

    m = _double(lm.StackedGPT(TINY, [3, 0]))
    toks = _tokens()
    offs = np.arange(0, 600, 50)
    x, y = lm.make_batch(toks, offs, TINY.ctx)
    G = ts.per_example_gradients(lm.run_module(m, 0), lm.window_loss, (x, y))  # (12, N)
    m.loss(x.expand(2, -1, -1), y.expand(2, -1, -1)).sum().backward()
    ref = torch.cat([p.grad[0].reshape(-1) for p in m.params.values()]).numpy()
    np.testing.assert_allclose(G.mean(0), ref, rtol=1e-9, atol=1e-12)
    st, hvp = lm.run_stats(m, 0, toks, offs, n_probes=2)
    np.testing.assert_allclose(st["g"], G.mean(0), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(st["sigma"], G.std(0), rtol=1e-7, atol=1e-13)
    assert st["n_examples"] == offs.size and st["hdiag"].shape == ref.shape


def test_hvp_of_the_lm_matches_central_differences_and_hutchinson_is_unbiased():
    """torch_stats' HVP (forward over reverse through the math attention kernel) on the transformer."""
    m = _double(lm.StackedGPT(TINY, [0]))
    toks = _tokens()
    offs = np.arange(0, 400, 50)
    st, hvp = lm.run_stats(m, 0, toks, offs, n_probes=1)
    N = st["g"].size
    v = np.random.default_rng(3).standard_normal(N)
    hv = hvp(v)
    x, y = lm.make_batch(toks, offs.reshape(1, -1), TINY.ctx)
    names = list(m.params)
    sizes = [m.params[n][0].numel() for n in names]
    vt = dict(zip(names, (torch.from_numpy(c).reshape(m.params[n].shape) for n, c in
                          zip(names, np.split(v, np.cumsum(sizes)[:-1])))))

    def grad_at(sign, h=1e-5):
        p = {n: (q.detach() + sign * h * vt[n]).requires_grad_(True) for n, q in m.params.items()}
        gs = torch.autograd.grad(m.loss(x, y, params=p).sum(), list(p.values()))
        return torch.cat([gi.reshape(-1) for gi in gs]).numpy()

    fd = (grad_at(1) - grad_at(-1)) / 2e-5
    assert np.linalg.norm(hv - fd) / np.linalg.norm(fd) < 1e-5
    # Hutchinson: single-probe estimates (independent seeds) scatter around the exact diagonal of a block
    from adameps import torch_stats as ts

    start = N - 2 * TINY.d_model  # lnf_w, lnf_b: the last 2 d coordinates
    mod, wb = lm.run_module(m, 0), lm.window_batches(toks, offs[:3], TINY.ctx)
    samples = np.stack([ts.hessian_diag(mod, lm.window_loss, wb, n_probes=1, seed=s)[0][start:] for s in range(30)])
    E = np.zeros((N - start, N))
    E[np.arange(N - start), start + np.arange(N - start)] = 1.0
    hd = np.diag(ts.hvp_operator(mod, lm.window_loss, wb)(E)[:, start:])
    z = (samples.mean(0) - hd) / (samples.std(0) / math.sqrt(30) + 1e-15)
    assert float(np.mean(np.abs(z) < 4)) >= 0.9
