# Two commands on a fresh machine:
#   make paper   set up .venv from requirements.lock, make sure TeX is there, build paper/paper.pdf
#   make test    the same set-up, then the test suite
#   make report  make paper, then report.html (every figure captioned, by paper section)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= 4

.PHONY: paper test test-fast report setup tex torch lock clean

paper: setup tex
	$(BIN)/snakemake --cores $(CORES)

test: setup tex
	$(BIN)/python -m pytest

# The fast subset CI also runs under a second Python version (`make PYTHON=python3.13 VENV=.venv-3.13 test-fast`):
# the maths against mpmath, the optimal learning rate, the config checks, the number formatter and
# the arXiv bundle's bytes.
FAST_TESTS ?= tests/test_moments.py tests/test_optimal_lr.py tests/test_config.py tests/test_numbers.py tests/test_archive.py tests/test_doctests.py
test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow" $(FAST_TESTS)

# The HTML report (every figure, captioned, by paper section) of the build `make paper` makes.
report: paper
	$(BIN)/snakemake --report report.html

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "requirements.lock is tested on Python 3.11, 3.12 and 3.13; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

tex:
	@tools/ensure-tex.sh

# Optional: torch (CPU build) so the Adam-vs-torch test runs instead of being skipped.
torch: setup
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation -e '.[torch]'

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
