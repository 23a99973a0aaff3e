"""Write envs/pipeline.yaml, the conda environment of every rule under `--sdm conda`, from requirements.lock.

Snakemake copies a rule's environment file without the files it references, so the
environment must list every pin inline instead of `-r requirements.lock`.
tests/test_environment.py checks that it matches the lock file.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def render(lock_text: str) -> str:
    pins = [line.strip() for line in lock_text.splitlines() if line.strip() and not line.startswith("#")]
    lines = [
        "# Generated from requirements.lock by tools/write_conda_env.py (make lock). Do not edit.",
        "# The environment of every rule under `snakemake --sdm conda`.",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
        *[f"      - {pin}" for pin in pins],
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    out = ROOT / "envs" / "pipeline.yaml"
    out.write_text(render((ROOT / "requirements.lock").read_text()))
    print(f"wrote {out.relative_to(ROOT)}", file=sys.stderr)
