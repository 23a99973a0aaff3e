"""The two install routes agree: pyproject's loose ranges, the exact lock, and the conda files."""

import importlib.util
import re
import tomllib

from conftest import ROOT


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"unpinned line in requirements.lock: {line!r}"
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_every_declared_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # The torch extra is deliberately outside the lock (an optional CPU build, see pyproject.toml).
    extras = {k: v for k, v in project["optional-dependencies"].items() if k != "torch"}
    declared = project["dependencies"] + [d for ds in extras.values() for d in ds]
    pins = lock_pins()
    for req in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", req).group().lower().replace("_", "-")
        if name == "adameps":
            continue
        assert name in pins, f"{name} is declared in pyproject.toml but not pinned in requirements.lock"


def test_conda_routes_use_the_lock():
    assert "-r requirements.lock" in (ROOT / "environment.yml").read_text()
    spec = importlib.util.spec_from_file_location("write_conda_env", ROOT / "tools/write_conda_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "envs/pipeline.yaml").read_text() == module.render((ROOT / "requirements.lock").read_text()), (
        "envs/pipeline.yaml is stale: run python tools/write_conda_env.py"
    )


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text()
    assert "make test" in readme and "make paper" in readme
    assert re.search(r"^\s*make test\b", ci, re.M)
