# Two commands on a fresh machine:
#   make paper   set up .venv from requirements.lock (+ torch), make sure TeX and the language model's
#                corpus are there, build paper/paper.pdf
#   make test    the same set-up, then the test suite
#   make report  make paper, then report.html (every figure captioned, by paper section)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= 4
# torch (CPU build, requirements-torch.lock: the collector adameps.torch_stats, `adameps stats`, the
# language model and their tests) is part of the set-up; TORCH=0 leaves it out (the fast subset
# under a second Python, for which no CPU wheel of the pinned torch may be at hand).
TORCH ?= 1

.PHONY: paper test test-fast report setup tex torch corpus lock clean

paper: setup tex torch corpus
	$(BIN)/snakemake --cores $(CORES)

test: setup tex corpus
	ADAMEPS_TORCH=$(TORCH) $(BIN)/python -m pytest

# The fast subset CI also runs under a second Python version (`make PYTHON=python3.13 VENV=.venv-3.13 test-fast`):
# the maths against mpmath, the optimal learning rate, the config checks, the number formatter and
# the arXiv bundle's bytes.
FAST_TESTS ?= tests/test_moments.py tests/test_optimal_lr.py tests/test_config.py tests/test_numbers.py tests/test_archive.py tests/test_doctests.py
test-fast: setup
	ADAMEPS_TORCH=$(TORCH) $(BIN)/python -m pytest -q -m "not slow" $(FAST_TESTS)

# The HTML report (every figure, captioned, by paper section) of the build `make paper` makes.
report: paper
	$(BIN)/snakemake --report report.html

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock requirements-torch.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "requirements.lock is tested on Python 3.11, 3.12 and 3.13; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock $(if $(filter 1,$(TORCH)),-r requirements-torch.lock)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# A shell test, not $$(if ...): a comma in the Python line would end make's then-branch.
	@if [ "$(TORCH)" = 1 ]; then $(BIN)/python -c 'import sys, torch; sys.exit(0 if torch.version.cuda is None else "torch is a CUDA build; requirements-torch.lock wants the CPU build")'; fi
	touch $@

tex:
	@tools/ensure-tex.sh

# The language model's corpus: Debian's bible-kjv-text and its reader bible-kjv.
corpus:
	@tools/ensure-corpus.sh

# torch (CPU build, requirements-torch.lock) is part of `make setup`; this target is kept for
# scripts that still call it (.ci/run did) and only makes sure the set-up is done.
torch: setup

# Re-resolve the loose ranges of pyproject.toml into a new requirements.lock.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip setuptools
	.venv-lock/bin/python -m pip install --quiet -e '.[test]'
	{ sed -n '1,3p' requirements.lock; .venv-lock/bin/python -m pip freeze --all --exclude-editable | grep -vE '^(pip|wheel)=='; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .venv-lock
	$(PYTHON) tools/write_conda_env.py

clean:
	rm -rf results figures/*.pdf figures/*.png paper/generated paper/build paper/paper.pdf logs .snakemake report.html dist
