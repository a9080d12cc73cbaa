#!/usr/bin/env bash
# A throw-away one-node Slurm cluster (slurmctld + slurmd + munged) for tests and demos, all
# of its state under one folder; nothing in /etc is read or changed.
#
#   scripts/slurm-setup.sh start STATE_DIR   # prints `export SLURM_CONF=…` on success
#   scripts/slurm-setup.sh stop  STATE_DIR   # stops the three daemons started by `start`
#
# Needs root (slurmd runs jobs as their user) and Debian's `slurm-wlm` and `munge` packages
# (Slurm 22.05 in Debian 12). With CI=true missing packages are installed with apt-get;
# otherwise `start` exits 3 with the install command, so a test can skip with that message.
# Known to work on one node without cgroups: proctrack/linuxproc, task/none. Ports are picked
# from the state folder's path hash so that two clusters on one machine do not collide.
set -euo pipefail

cmd="${1:-}"
state="${2:-}"
[ -n "$cmd" ] && [ -n "$state" ] || { echo "usage: $0 start|stop STATE_DIR" >&2; exit 2; }
mkdir -p "$state"
state="$(cd "$state" && pwd)"

stop() {
    # Daemons are stopped by the pid files this script's `start` wrote, nothing else.
    for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid" "$state/munge/munged.pid"; do
        [ -s "$pidfile" ] || continue
        pid="$(cat "$pidfile")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

if [ "$cmd" = stop ]; then
    stop
    exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop STATE_DIR" >&2; exit 2; }

if [ "$(id -u)" != 0 ]; then
    echo "slurm-setup: needs root (slurmd starts jobs as their user)" >&2
    exit 3
fi
need=()
for tool in slurmctld slurmd sbatch munged; do
    command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
    if [ "${CI:-}" = true ]; then
        echo "slurm-setup: installing slurm-wlm munge (missing: ${need[*]})" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 && apt-get install -y -qq slurm-wlm munge >&2
    else
        echo "slurm-setup: missing ${need[*]}; install with: apt-get install slurm-wlm munge" >&2
        exit 3
    fi
fi

host="$(hostname -s)"
cpus="$(nproc)"
mem_mb="$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)"
hash="$(printf '%s' "$state" | cksum | cut -d' ' -f1)"
port=$((20000 + hash % 20000))
mkdir -p "$state/munge" "$state/ctld" "$state/spool"
chmod 700 "$state/munge"

# Munge: a fresh key, its own socket; --force because it refuses root and /tmp's permissions.
dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$state/munge/munge.key"
sock="$state/munge/munge.socket"
munged --force --socket="$sock" --key-file="$state/munge/munge.key" \
    --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" \
    --seed-file="$state/munge/munged.seed"

cat > "$state/slurm.conf" <<EOF
ClusterName=autodl-test
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock,cred_expire=10
SchedulerParameters=bf_interval=1
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$state/slurm.conf"

# A failed start stops what did start, so nothing is left running.
trap 'stop' ERR
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N "$host"
for _ in $(seq 150); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
        trap - ERR
        echo "export SLURM_CONF=$SLURM_CONF"
        exit 0
    fi
    sleep 0.2
done
echo "slurm-setup: the node did not become idle in 30 s; logs in $state" >&2
tail -5 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
stop
exit 1
