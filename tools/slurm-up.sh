#!/usr/bin/env bash
# Bring up a real one-node SLURM cluster on this machine, from Debian packages, for
# `snakemake --workflow-profile profiles/slurm` and tests/test_slurm.py.
#
#   sudo tools/slurm-up.sh [SCRATCH_DIR]      # default /tmp/adameps-slurm
#   export SLURM_CONF=SCRATCH_DIR/etc/slurm.conf   # (or: source SCRATCH_DIR/env.sh)
#   sudo tools/slurm-down.sh [SCRATCH_DIR]
#
# Everything lives in SCRATCH_DIR: the munge key and socket, slurm.conf, controller state,
# slurmd spool, logs and pid files. The one thing outside it is the symbolic link
# /etc/slurm/slurm.conf -> SCRATCH_DIR/etc/slurm.conf: srun inside a job started by snakemake's
# slurm-jobstep plugin runs with every SLURM_* variable removed (SLURM_CONF included), so it
# only finds the cluster at the default path. An existing /etc/slurm/slurm.conf that is not
# such a link is never touched (error). Its own munged (own socket) and the ports
# SLURMCTLD_PORT / SLURMD_PORT (default 6817 / 6818) keep it apart from other daemons. No accounting database: job status comes from `squeue`, so MinJobAge is large.
# Needs root (SlurmUser=root) and the packages slurm-wlm and munge
# (`apt-get install -y slurm-wlm munge`). Idempotent: if the cluster in SCRATCH_DIR is already
# up it only checks it. Settings known to start in a sandbox: /work/shared/notes/local-slurm.md.
set -euo pipefail

die() { echo "slurm-up: error: $*" >&2; exit 1; }
say() { echo "slurm-up: $*"; }

D=${1:-/tmp/adameps-slurm}
mkdir -p "$D" || die "cannot create scratch directory $D"
D=$(cd "$D" && pwd)
CTLD_PORT=${SLURMCTLD_PORT:-6817}
SLURMD_PORT=${SLURMD_PORT:-6818}
PARTITION=${SLURM_PARTITION_NAME:-main}
MIN_JOB_AGE=${SLURM_MIN_JOB_AGE:-3600}

[ "$(id -u)" -eq 0 ] || die "must run as root (SlurmUser=root, munged); try: sudo $0 $*"
missing=()
for c in munged mungekey munge unmunge slurmctld slurmd sinfo srun sbatch squeue scontrol; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
[ ${#missing[@]} -eq 0 ] || die "missing commands: ${missing[*]}; install with: apt-get install -y slurm-wlm munge"

HOST=$(hostname)
NCPU=$(nproc)
FREE_MB=$(free -m | awk '/^Mem:/ {print $7}')   # "available" column
[ -n "$FREE_MB" ] || die "cannot read available memory from free -m"
REAL_MB=$(( FREE_MB * 8 / 10 ))                 # below free -m, with headroom
[ "$REAL_MB" -ge 1000 ] || die "only ${FREE_MB} MiB available; need at least 1250"

export SLURM_CONF="$D/etc/slurm.conf"
ETC_CONF=/etc/slurm/slurm.conf
MUNGE_SOCK="$D/munge/munge.socket"

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
node_state() { sinfo -h -n "$HOST" -o %T 2>/dev/null | head -n1; }

# /etc/slurm/slurm.conf must be free, a stale link of this script, or our own link.
if [ -L "$ETC_CONF" ]; then
    target=$(readlink "$ETC_CONF")
    if [ "$target" != "$SLURM_CONF" ] && [ -e "$target" ] \
        && grep -q '^# Written by tools/slurm-up.sh' "$target" 2>/dev/null \
        && other=$(sed -n 's/^SlurmctldPidFile=//p' "$target") && alive "$other"; then
        die "$ETC_CONF links to another running cluster from this script ($target); stop it first: tools/slurm-down.sh $(dirname "$(dirname "$target")")"
    fi
    if [ "$target" != "$SLURM_CONF" ] && [ -e "$target" ] \
        && ! grep -q '^# Written by tools/slurm-up.sh' "$target" 2>/dev/null; then
        die "$ETC_CONF links to $target, a SLURM configuration not written by this script; not touching it"
    fi
elif [ -e "$ETC_CONF" ]; then
    die "$ETC_CONF exists (a real SLURM installation?); not touching it. Use that cluster directly, or move the file away"
fi

# ---------------------------------------------------------------- already up?
if alive "$D/run/slurmctld.pid" && alive "$D/run/slurmd.pid" && alive "$D/munge/munged.pid"; then
    state=$(node_state || true)
    case "$state" in
        idle|mixed|allocated|completing)
            mkdir -p "$(dirname "$ETC_CONF")" && ln -sfn "$SLURM_CONF" "$ETC_CONF"
            say "already up in $D (node $HOST $state)"
            echo "export SLURM_CONF=$SLURM_CONF"
            exit 0 ;;
    esac
    say "daemons running but node state is '${state:-unknown}'; restarting"
    "$(dirname "$0")/slurm-down.sh" "$D"
fi
# Stale daemons of an earlier, half-started run in this directory.
for p in slurmd slurmctld; do
    if alive "$D/run/$p.pid"; then kill "$(cat "$D/run/$p.pid")" 2>/dev/null || true; sleep 1; fi
    rm -f "$D/run/$p.pid"
done

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$CTLD_PORT" "$SLURMD_PORT"; do
    if port_busy "$port"; then
        die "TCP port $port is in use (another SLURM?); set SLURMCTLD_PORT / SLURMD_PORT to free ports"
    fi
done

mkdir -p "$D"/{etc,state/ctld,spool/slurmd,log,run,munge}

# ---------------------------------------------------------------- munge (own key, own socket)
chown munge:munge "$D/munge" 2>/dev/null || true
chmod 0700 "$D/munge"
if [ ! -s "$D/munge/munge.key" ]; then
    mungekey --create --keyfile="$D/munge/munge.key" >/dev/null || die "mungekey failed"
fi
chmod 0400 "$D/munge/munge.key"
if ! alive "$D/munge/munged.pid"; then
    rm -f "$MUNGE_SOCK" "$MUNGE_SOCK.lock" "$D/munge/munged.pid"
    munged --force --socket="$MUNGE_SOCK" --key-file="$D/munge/munge.key" \
        --pid-file="$D/munge/munged.pid" --log-file="$D/log/munged.log" \
        --seed-file="$D/munge/munged.seed" 2>>"$D/log/munged.start.log" \
        || die "munged did not start; see $D/log/munged.log and $D/log/munged.start.log"
fi
for _ in $(seq 50); do [ -S "$MUNGE_SOCK" ] && break; sleep 0.1; done
munge --socket="$MUNGE_SOCK" -n | unmunge --socket="$MUNGE_SOCK" >/dev/null 2>&1 \
    || die "munge round trip failed; see $D/log/munged.log"

# ---------------------------------------------------------------- slurm.conf
cat > "$SLURM_CONF" <<EOF
# Written by tools/slurm-up.sh: one node, no accounting database, everything under $D.
ClusterName=adameps
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# No accounting database: finished jobs must stay visible to squeue (snakemake's status query).
MinJobAge=$MIN_JOB_AGE
InactiveLimit=0
KillWait=10
SlurmdTimeout=300
SlurmctldTimeout=120
StateSaveLocation=$D/state/ctld
SlurmdSpoolDir=$D/spool/slurmd
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$NCPU RealMemory=$REAL_MB State=UNKNOWN
PartitionName=$PARTITION Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
cat > "$D/env.sh" <<EOF
export SLURM_CONF=$SLURM_CONF
EOF

mkdir -p "$(dirname "$ETC_CONF")"
ln -sfn "$SLURM_CONF" "$ETC_CONF"

# ---------------------------------------------------------------- daemons
slurmctld -f "$SLURM_CONF" 2>>"$D/log/slurmctld.start.log" \
    || die "slurmctld did not start; see $D/log/slurmctld.log and $D/log/slurmctld.start.log"
for _ in $(seq 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q UP \
    || die "slurmctld not answering; last log lines:
$(tail -n 20 "$D/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" 2>>"$D/log/slurmd.start.log" \
    || die "slurmd did not start; see $D/log/slurmd.log and $D/log/slurmd.start.log"

state=""
for _ in $(seq 120); do
    state=$(node_state || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || die "node $HOST is '${state:-unknown}', not idle, after 60 s; last slurmd log lines:
$(tail -n 20 "$D/log/slurmd.log" 2>/dev/null)"

out=$(timeout 60 srun -N1 hostname 2>&1) || die "srun -N1 hostname failed: $out"
[ "$out" = "$HOST" ] || die "srun -N1 hostname printed '$out', expected '$HOST'"

say "up in $D: node $HOST idle, $NCPU CPUs, ${REAL_MB} MiB, partition $PARTITION, ports $CTLD_PORT/$SLURMD_PORT"
echo "export SLURM_CONF=$SLURM_CONF"
