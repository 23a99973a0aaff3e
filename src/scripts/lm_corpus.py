"""Rule `lm_corpus`: the King James Bible (Debian's bible-kjv-text, read with bible-kjv's `bible`)
as byte-level tokens. Writes results/lm/corpus.npz (tokens: uint8 indices into vocab; vocab: the
sorted distinct bytes) and results/lm_corpus.json (sizes and a checksum)."""

from pathlib import Path

import _common

import hashlib
import os
import shutil
import subprocess

from adameps import lm

log = _common.setup(snakemake)
c = snakemake.params.corpus
cmd = lm.corpus_command(c["program"], c["data_dir"])
if shutil.which(cmd[0]) is None or not (Path(c["data_dir"]) / "bible.data").is_file():
    raise SystemExit(
        f"lm_corpus: the corpus is Debian's bible-kjv-text read with bible-kjv's `{cmd[0]}` program "
        f"(config lm.corpus.program / lm.corpus.data_dir = {c['data_dir']!r}); not found. Install it: "
        f"`{lm.CORPUS_INSTALL}` as root, or run tools/ensure-corpus.sh (make setup does).")
env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
data = subprocess.run(cmd, capture_output=True, check=True, env=env, stdin=subprocess.DEVNULL).stdout
if b"In the beginning God created the heaven and the earth." not in data:
    raise SystemExit(f"lm_corpus: `{' '.join(cmd)}` did not print the King James Bible")
tokens, vocab = lm.tokenize_bytes(data)
train, val = lm.split_tokens(tokens, c["val_fraction"])
log.info("corpus: %d bytes, %d distinct, %d train / %d validation tokens", len(data), len(vocab), len(train), len(val))
_common.write_npz(snakemake.output.npz, tokens=tokens.astype("uint8"), vocab=vocab.astype("uint8"))
v = _common.Values()
v.add("n_bytes", len(data), "bytes of the corpus", fmt="int")
v.add("n_vocab", len(vocab), "distinct bytes of the corpus (the vocabulary)", fmt="int")
v.add("n_train", len(train), "training tokens", fmt="int")
v.add("n_val", len(val), "validation tokens (the last part of the text)", fmt="int")
v.add("val_fraction", c["val_fraction"], "fraction of the text held out for validation", fmt="sig", digits=2)
digest = hashlib.sha256(data).hexdigest()
log.info("sha256 %s", digest)
_common.write_results(snakemake.output.json, namespace="lmcorpus", snakemake=snakemake,
                      script=__file__, values=v, params={"corpus": c, "sha256": digest})
