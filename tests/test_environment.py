"""The two install routes agree: pyproject's loose ranges, the exact lock, and the conda files; the
system set-up scripts (tools/ensure-*.sh) name what to install where they cannot install it."""

import importlib.util
import os
import re
import subprocess
import tomllib

import pytest

from conftest import ROOT


def lock_pins(name="requirements.lock") -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"unpinned line in requirements.lock: {line!r}"
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_every_declared_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # The torch extra is pinned in its own lock (the CPU build, see requirements-torch.lock).
    extras = project["optional-dependencies"]
    declared = project["dependencies"] + [d for ds in extras.values() for d in ds]
    pins = {**lock_pins(), **lock_pins("requirements-torch.lock")}
    for req in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", req).group().lower().replace("_", "-")
        if name == "adameps":
            continue
        assert name in pins, f"{name} is declared in pyproject.toml but not pinned in requirements.lock"


def test_torch_lock_is_the_cpu_build_and_setup_installs_it():
    pins = lock_pins("requirements-torch.lock")
    assert pins["torch"].endswith("+cpu"), "pin the CPU build (torch==X+cpu) so pip cannot take a CUDA build"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["optional-dependencies"]["torch"] == ["torch==" + pins["torch"].removesuffix("+cpu")]
    assert "-r requirements-torch.lock" in (ROOT / "Makefile").read_text()
    # torch's own requirements are pinned in one of the two locks
    both = {**lock_pins(), **pins}
    for dep in ("filelock", "fsspec", "jinja2", "networkx", "sympy", "typing-extensions"):
        assert dep in both, f"{dep} (a torch requirement) is not pinned"


def test_conda_routes_use_the_lock():
    assert "-r requirements.lock" in (ROOT / "environment.yml").read_text()
    spec = importlib.util.spec_from_file_location("write_conda_env", ROOT / "tools/write_conda_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (ROOT / "envs/pipeline.yaml").read_text()
    assert text == module.render((ROOT / "requirements.lock").read_text(),
                                 (ROOT / "requirements-torch.lock").read_text()), (
        "envs/pipeline.yaml is stale: run python tools/write_conda_env.py"
    )
    # the language-model rules import torch: its CPU build is in the rules' environment
    torch_pin = "torch==" + lock_pins("requirements-torch.lock")["torch"]
    assert f"      - {torch_pin}\n" in text
    import yaml

    pip = next(d for d in yaml.safe_load(text)["dependencies"] if isinstance(d, dict))["pip"]
    names = [re.match(r"[A-Za-z0-9_.-]+", p).group().lower() for p in pip if not p.startswith("-")]
    assert len(names) == len(set(names)), "a package is pinned twice in envs/pipeline.yaml"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text()
    assert "make test" in readme and "make paper" in readme
    assert re.search(r"^\s*make test\b", ci, re.M)


@pytest.mark.parametrize("script, shim, needle", [
    ("ensure-corpus.sh", None, "apt-get install -y --no-install-recommends bible-kjv bible-kjv-text"),
    ("ensure-tex.sh", "kpsewhich", "apt-get install -y --no-install-recommends latexmk texlive-latex-base"),
])
def test_ensure_scripts_name_the_install_command(tmp_path, script, shim, needle):
    """Not root (a shim `id` says uid 1000) and something missing (no corpus file there; a `kpsewhich`
    that finds nothing): the script installs nothing, names what is missing and the command, and fails."""
    (tmp_path / "id").write_text("#!/bin/sh\necho 1000\n")
    if shim:
        (tmp_path / shim).write_text("#!/bin/sh\nexit 1\n")
    for p in tmp_path.iterdir():
        p.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    proc = subprocess.run([str(ROOT / "tools" / script), str(tmp_path / "none")], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "missing" in proc.stderr and "run as root:" in proc.stderr and needle in proc.stderr, proc.stderr
