"""What the language-model scripts share: one loader (config, torch, corpus, model, the sweeps' tuned
learning rates) and the replicate seeds."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from adameps import lm


def setup_torch(cfg):
    """One thread per job (the rule's `threads`), deterministic kernels; returns torch."""
    import torch

    torch.set_num_threads(int(cfg.get("threads", 1)))
    torch.use_deterministic_algorithms(True)
    return torch


def load_corpus(path, val_fraction):
    """``(train_tokens, val_tokens, vocab)`` from the corpus npz written by rule `lm_corpus`."""
    import _common

    z = _common.read_npz(path, keys=("tokens", "vocab"))
    tokens, vocab = z["tokens"].astype(np.int64), z["vocab"]
    train, val = lm.split_tokens(tokens, val_fraction)
    return train, val, vocab


def model_config(cfg, vocab):
    return lm.ModelConfig(vocab=len(vocab), **cfg["model"])


def load(snakemake):
    """The preamble of every language-model script, as a namespace.

    ``log`` (the job's logger), ``c`` (``snakemake.params.lm``), ``torch`` (set up by
    :func:`setup_torch`), ``train``/``val``/``vocab`` (the corpus), ``cfg`` (the
    :class:`adameps.lm.ModelConfig`), ``sweeps`` (log10 eps -> the sweep document, if the rule
    reads the sweeps), ``inits``/``datas``/``R`` (the replicates, :func:`replicate_seeds`) and
    ``train_kw`` (the training settings every run shares, for :func:`adameps.lm.train_runs`).
    """
    import _common

    log = _common.setup(snakemake)
    c = snakemake.params.lm
    torch = setup_torch(c)
    train, val, vocab = load_corpus(snakemake.input.corpus, c["corpus"]["val_fraction"])
    sweeps = ({d["log10_eps"]: d for d in (_common.read_json(p, keys=("rows",)) for p in snakemake.input.sweeps)}
              if hasattr(snakemake.input, "sweeps") else {})
    inits, datas = replicate_seeds(c["replicates"])
    train_kw = dict(token_budget=c["token_budget"], warmup_frac=c["warmup_frac"], beta1=c["beta1"], beta2=c["beta2"],
                    n_val_seq=c["n_val_seq"], device=c["device"])
    return SimpleNamespace(log=log, c=c, torch=torch, train=train, val=val, vocab=vocab, cfg=model_config(c, vocab),
                           sweeps=sweeps, inits=inits, datas=datas, R=len(inits), train_kw=train_kw)


def tuned_eta(sweeps, log10_eps, B):
    """The sweeps' tuned learning rate eta*(B, eps = 10^log10_eps)."""
    rows = [r for r in sweeps[log10_eps]["rows"] if r["B"] == int(B)]
    if not rows:
        raise ValueError(f"no sweep row at B={B} for eps=1e{log10_eps}: B must be among lm.sweep.B")
    return rows[0]["eta"]


def replicate_seeds(n):
    """Replicate k trains from init seed k on the minibatch sequence of data seed k: error bars over
    seeds and initialisations together."""
    return list(range(n)), list(range(n))


def cpu_seconds():
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
