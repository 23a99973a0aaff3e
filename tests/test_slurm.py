"""Part of the DAG through a real SLURM cluster (profiles/slurm), byte-identical to a local build.

A one-node cluster is brought up from Debian packages by tools/slurm-up.sh (installing
slurm-wlm and munge if they are missing) and shut down by tools/slurm-down.sh afterwards, even
on failure. That needs root and apt-get/dpkg: elsewhere the test is skipped with the reason (printed, and
listed by pytest's -ra summary); with CI set (.ci/run sets it) every such reason is a failure.
Through SLURM run the three theory sections whole (rules/scurves.smk, moments.smk, eta.smk: analysis,
figures and tables, rules with their own memory and time), one training sweep (resources per arm,
from the config) and one language-model sweep (threads from the config, torch, and the corpus
rule before it): every kind of resource declaration there is, in about a third of the DAG's jobs.
Every job of the whole DAG is checked to fit the cluster's node (a dry run), and the outputs are
compared with the session's local build of the whole DAG (conftest.built_tree).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_tree, dag_jobs, output_hashes, snakemake

pytestmark = pytest.mark.slow

SECTIONS = ("scurves", "moments", "eta")
ETC_CONF = Path("/etc/slurm/slurm.conf")


def _skip(reason: str):
    # Printed as well as reported (-ra), so a skip is never mistaken for a pass; on CI, a failure.
    print(f"test_slurm skipped: {reason}", file=sys.stderr)
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the SLURM test cannot run: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_packages():
    need = [c for c in ("slurmctld", "slurmd", "sbatch", "squeue", "munged", "mungekey") if shutil.which(c) is None]
    if not need:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "slurm-wlm", "munge"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if proc.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed ({proc.returncode}), needed for {need}:\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """A running one-node SLURM cluster; yields its scratch directory. Always shut down."""
    if os.geteuid() != 0:
        _skip("needs root to install slurm-wlm/munge and run slurmctld, slurmd and munged")
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        _skip("needs apt-get and dpkg (Debian packages slurm-wlm and munge)")
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        _skip(f"snakemake-executor-plugin-slurm is not installed in {sys.executable}'s environment")
    if ETC_CONF.exists() and not ETC_CONF.is_symlink():
        _skip(f"{ETC_CONF} exists (a real SLURM installation); not replacing it with a test cluster")
    _ensure_packages()

    scratch = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "SLURMCTLD_PORT": str(_free_port()), "SLURMD_PORT": str(_free_port())}
    saved = os.environ.get("SLURM_CONF")
    try:
        up = subprocess.run([str(ROOT / "tools/slurm-up.sh"), str(scratch)], capture_output=True,
                            text=True, env=env, timeout=180)
        if up.returncode != 0:
            pytest.fail(f"tools/slurm-up.sh failed ({up.returncode}):\n{up.stdout}\n{up.stderr}")
        os.environ["SLURM_CONF"] = str(scratch / "etc/slurm.conf")
        yield scratch
    finally:
        if saved is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = saved
        down = subprocess.run([str(ROOT / "tools/slurm-down.sh"), str(scratch)], capture_output=True,
                              text=True, timeout=120)
        print(down.stdout, down.stderr, file=sys.stderr)


def _squeue(scratch: Path) -> dict[str, dict[str, str]]:
    """job id -> state, name, CPUs, memory, time limit of every job the controller still remembers
    (no accounting database: MinJobAge is large, so finished jobs stay listed)."""
    keys = ("state", "name", "cpus", "mem", "time")
    out = subprocess.run(["squeue", "--states=all", "--noheader", "--format=%i|%T|%j|%C|%m|%l"],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "SLURM_CONF": str(scratch / "etc/slurm.conf")}).stdout
    rows = (line.split("|") for line in out.splitlines() if line.strip())
    return {row[0]: dict(zip(keys, row[1:])) for row in rows}


def _declared(log: str) -> dict[str, dict[str, str]]:
    """Snakemake job id -> the threads, mem_mb and runtime Snakemake printed for that job (from its
    rule; jobs of one rule may differ, e.g. train_sweep takes per-arm resources from the config)."""
    parts = re.split(r"^(?:local)?rule (\w+):$", log, flags=re.M)
    out = {}
    for block in parts[2::2]:
        jobid = re.search(r"^\s+jobid: (\d+)$", block, re.M).group(1)
        mem = re.search(r"\bmem_mb=(\d+)", block).group(1)
        runtime = int(re.search(r"\bruntime=(\d+)", block).group(1))
        threads = re.search(r"^\s+threads: (\d+)$", block, re.M)
        hours, minutes = divmod(runtime, 60)
        out[jobid] = {"cpus": threads.group(1) if threads else "1", "mem": f"{mem}M",
                      "time": f"{hours}:{minutes:02d}:00" if hours else f"{minutes}:00"}
    return out


def _targets() -> list[str]:
    """The outputs of every job of SECTIONS' rules, of the first train_sweep job and of the first lm_sweep job."""
    rules = {m for section in SECTIONS
             for m in re.findall(r"^rule (\w+):", (ROOT / f"rules/{section}.smk").read_text(), re.M)}
    jobs = dag_jobs()
    chosen = [j for j in jobs if j["rule"] in rules]
    chosen += [next(j for j in jobs if j["rule"] == rule) for rule in ("train_sweep", "lm_sweep")]
    return sorted({p for j in chosen for p in j["output"].split(", ")})


def _node(scratch: Path) -> tuple[int, int]:
    """(CPUs, RealMemory in MB) of the test cluster's one node, from the slurm.conf tools/slurm-up.sh wrote."""
    conf = (scratch / "etc/slurm.conf").read_text()
    node = re.search(r"^NodeName=.*\bCPUs=(\d+) RealMemory=(\d+)", conf, re.M)
    return int(node.group(1)), int(node.group(2))


def test_every_job_fits_the_node(slurm_cluster):
    """Every job of the whole DAG (not only those run below) asks for no more CPUs and memory than the
    node has: sbatch would refuse it, and the run would stop there."""
    cpus, mem = _node(slurm_cluster)
    jobs = [j for j in dag_jobs() if j["rule"] != "all"]
    asked = {f"{j['rule']} {j.get('wildcards', '')}": (int(j.get("threads", 1)),
                                                       int(re.search(r"\bmem_mb=(\d+)", j["resources"]).group(1)))
             for j in jobs}
    too_big = {job: a for job, a in asked.items() if a[0] > cpus or a[1] > mem}
    assert len(asked) > 50 and not too_big, (cpus, mem, too_big)


def test_jobs_via_slurm_match_local(slurm_cluster, built_tree, tmp_path):
    via_slurm = copy_tree(tmp_path / "slurm" / "repo")
    targets = _targets()
    proc = snakemake(via_slurm, "--workflow-profile", "profiles/slurm", *targets, timeout=1800)
    log = proc.stdout + proc.stderr

    # Every job that ran was a SLURM job: one submission line per job, a SLURM log per job in
    # .snakemake/slurm_logs/rule_<rule>/<jobid>.log, and squeue shows it COMPLETED under this run's
    # id, with the CPUs (threads), memory (mem_mb) and time limit (runtime) its rule declares.
    ran = re.findall(r"^rule (\w+):", log, re.M)
    submitted = re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (\S+?)\)", log)
    assert {"eta_sweep", "fig_eta", "train_sweep", "lm_corpus", "lm_sweep"} <= set(ran), log
    assert "paper" not in ran and "train_summary" not in ran, log
    assert len(submitted) == len(ran), log
    run_id = re.search(r"SLURM run ID: (\S+)", log).group(1)
    queue, declared = _squeue(slurm_cluster), _declared(log)
    for job, jobid, slurm_log in submitted:
        path = Path(slurm_log)
        # .snakemake/slurm_logs/rule_<rule>[/<wildcard values>]/<jobid>.log
        rule_dir = next(p for p in path.parents if p.name.startswith("rule_"))
        assert path.is_file() and rule_dir.parent == via_slurm / ".snakemake/slurm_logs", slurm_log
        assert path.name == f"{jobid}.log"
        assert "--executor slurm-jobstep" in path.read_text()
        rule = rule_dir.name.removeprefix("rule_")
        assert queue.get(jobid) == {"state": "COMPLETED", "name": run_id, **declared[job]}, (jobid, rule, queue)
    rules_of_logs = [next(q for q in Path(p).parents if q.name.startswith("rule_")).name.removeprefix("rule_")
                     for _, _, p in submitted]
    assert sorted(rules_of_logs) == sorted(ran)

    # Byte-identical to the same files of the session's local build of the whole DAG.
    a, b = output_hashes(via_slurm), built_tree[1]
    assert set(targets) <= a.keys() <= b.keys() and "figures/scurves.pdf" in a, (targets, a.keys())
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, f"outputs differ between the SLURM and the local run: {differ}"
