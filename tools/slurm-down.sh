#!/usr/bin/env bash
# Shut down the one-node SLURM cluster started by tools/slurm-up.sh in SCRATCH_DIR
# (default /tmp/adameps-slurm): cancel its jobs, then stop slurmd, slurmctld and munged by the
# pids in their pid files, and remove the link /etc/slurm/slurm.conf it made. Idempotent: daemons already gone are skipped. The scratch directory
# (logs, state) is kept; pass --purge as second argument to delete it.
set -euo pipefail

say() { echo "slurm-down: $*"; }

D=${1:-/tmp/adameps-slurm}
if [ ! -d "$D" ]; then say "nothing to do: $D does not exist"; exit 0; fi
D=$(cd "$D" && pwd)
export SLURM_CONF="$D/etc/slurm.conf"

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {  # stop NAME PIDFILE
    local name=$1 pidfile=$2 pid
    if ! alive "$pidfile"; then rm -f "$pidfile"; say "$name not running"; return 0; fi
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        say "$name ($pid) still running after 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$pidfile"
    say "stopped $name ($pid)"
}

# Cancel this cluster's jobs first, so no job step outlives slurmd.
if alive "$D/run/slurmctld.pid" && [ -f "$SLURM_CONF" ]; then
    jobs=$(timeout 20 squeue -h -t PENDING,RUNNING,CONFIGURING,COMPLETING -o %i 2>/dev/null || true)
    if [ -n "$jobs" ]; then
        say "cancelling jobs: $(echo $jobs)"
        # shellcheck disable=SC2086
        timeout 20 scancel $jobs 2>/dev/null || true
        for _ in $(seq 50); do
            [ -z "$(timeout 10 squeue -h -t RUNNING,COMPLETING -o %i 2>/dev/null || true)" ] && break
            sleep 0.2
        done
    fi
fi

stop slurmd "$D/run/slurmd.pid"
stop slurmctld "$D/run/slurmctld.pid"
stop munged "$D/munge/munged.pid"

# The link slurm-up.sh made, if it is ours.
if [ -L /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" = "$SLURM_CONF" ]; then
    rm -f /etc/slurm/slurm.conf
    say "removed link /etc/slurm/slurm.conf"
fi

if [ "${2:-}" = --purge ]; then
    rm -rf "$D"
    say "removed $D"
fi
