"""Write envs/pipeline.yaml, the conda environment of every rule under `--sdm conda`, from the locks.

Snakemake copies a rule's environment file without the files it references, so the
environment must list every pin inline instead of `-r requirements.lock`: those of
requirements.lock and of requirements-torch.lock (torch's CPU build, which the language-model
rules need). As for `make setup`, pip finds the `+cpu` wheel (not on PyPI) through PIP_FIND_LINKS or
PIP_EXTRA_INDEX_URL, which the environment's pip reads (see requirements-torch.lock).
tests/test_environment.py checks that it matches the lock files.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]



def _pins(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def render(lock_text: str, torch_lock_text: str = "") -> str:
    pins = _pins(lock_text)
    torch_pins = _pins(torch_lock_text)
    lines = [
        "# Generated from requirements.lock and requirements-torch.lock by tools/write_conda_env.py (make lock).",
        "# Do not edit.",
        "# The environment of every rule under `snakemake --sdm conda`.",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
        *[f"      - {pin}" for pin in pins + torch_pins],
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    out = ROOT / "envs" / "pipeline.yaml"
    out.write_text(render((ROOT / "requirements.lock").read_text(), (ROOT / "requirements-torch.lock").read_text()))
    print(f"wrote {out.relative_to(ROOT)}", file=sys.stderr)
