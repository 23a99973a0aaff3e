"""What the language-model scripts share: the corpus file, the model configuration, torch's threads."""

from __future__ import annotations

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


def replicate_seeds(n):
    """Replicate k trains from init seed k on the minibatch sequence of data seed k: error bars over
    seeds and initialisations together."""
    return list(range(n)), list(range(n))


def cpu_seconds():
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
