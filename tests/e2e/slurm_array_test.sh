#!/usr/bin/env bash
# Slurm job array end to end: a one-node Slurm cluster on localhost (munged, slurmctld, slurmd,
# every file in a temporary directory), a throwaway PostgreSQL server, and a 4-task
# `sbatch --array=0-3 --wait` job whose task K runs `keysweep scan --shard K+1/4` over a generated
# fleet into the one PostgreSQL database. The store must then hold exactly what one
# `keysweep scan` process stores (tests/e2e/storeutil.py dump: every finding, input, diagnostic
# and metadata row, without ids and timestamps) and give the same `keysweep report --deterministic`
# JSON, and every task's run must be recorded.
#
#   usage: tests/e2e/slurm_array_test.sh KEYSWEEP
# Needs root (slurmd launches jobs as root here) and slurm-wlm, munge, postgresql-15 (all from
# scripts/install-deps); prints "SKIP: ..." and exits 0 without them. Every daemon it starts is
# stopped on exit, however it exits.
set -euo pipefail

keysweep=$(readlink -f "${1:?usage: slurm_array_test.sh KEYSWEEP}")
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../fixtures

skip() { echo "SKIP: $*"; exit 0; }
[[ $(id -u) == 0 ]] || skip "the Slurm test runs daemons as root"
for tool in munged slurmctld slurmd sbatch squeue sinfo psql; do
  command -v "$tool" >/dev/null || skip "$tool missing (scripts/install-deps installs slurm-wlm, munge)"
done
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || skip "PostgreSQL server binaries missing (postgresql-15)"

T=$(mktemp -d /tmp/keysweep-slurm-XXXXXX)
chmod 755 "$T"
pids=()
cleanup() {
  local rc=$?
  [[ -n ${SLURM_CONF:-} ]] && scancel --quiet --full -u root >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f $T/munge/munged.pid ]] && kill "$(cat "$T/munge/munged.pid")" 2>/dev/null || true
  python3 "$here/storeutil.py" pg-stop "$T/pg" >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ $rc != 0 ]]; then
    for log in "$T"/slurmctld.log "$T"/slurmd.log "$T"/out/*; do
      [[ -f $log ]] && { echo "--- $log"; tail -n 30 "$log"; }
    done
  fi
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT INT TERM

start=$SECONDS
step() { echo "[$((SECONDS - start))s] $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# munge: its own key, socket and files.
mkdir -p "$T/munge" && chmod 711 "$T/munge"
head -c 1024 /dev/urandom > "$T/munge/munge.key" && chmod 400 "$T/munge/munge.key"
munged --force -S "$T/munge/munge.sock" --key-file "$T/munge/munge.key" \
  --pid-file "$T/munge/munged.pid" --log-file "$T/munge/munged.log" --seed-file "$T/munge/seed"

# Slurm: one node (this machine, as slurmd -C describes it), one partition.
host=$(hostname -s)
node=$(slurmd -C | head -n 1 | sed -E 's/ RealMemory=[0-9]+//')
mkdir -p "$T/state" "$T/spool" "$T/out"
cat > "$T/slurm.conf" <<CONF
ClusterName=keysweep
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
$node RealMemory=1000 NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=10 State=UP
CONF
export SLURM_CONF=$T/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$T/slurmctld.out" 2>&1 & pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$T/slurmd.out" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed)'; then break; fi
  sleep 0.2
done
sinfo -h -o '%T' | grep -qE '^(idle|mixed)' || { echo "the Slurm node did not come up"; sinfo || true; exit 1; }

step "Slurm node up"
# PostgreSQL, and the fleet.
pg_single=$(python3 "$here/storeutil.py" pg-start "$T/pg" ks_single)
pg_array=${pg_single/ks_single?/ks_array?}
psql -X -q -d "${pg_single/ks_single?/postgres?}" -c "CREATE DATABASE ks_array"
python3 "$fixtures/make_fleet.py" "$T/fleet" 24
inputs=("$T/fleet/ipa" "$T/fleet/src" "$T/fleet/broken")

step "PostgreSQL up, fleet written"
# The reference: one process.
"$keysweep" scan --exit-zero --progress never --datastore "$pg_single" \
  --metadata "$T/fleet/metadata.csv" "${inputs[@]}"

step "single-process scan done"
# The array: task K scans shard K+1 of 4 into the shared database.
cat > "$T/job.sh" <<JOB
#!/bin/bash
exec "$keysweep" scan --exit-zero --progress plain --shard \$((SLURM_ARRAY_TASK_ID + 1))/4 \\
  --datastore "$pg_array" --metadata "$T/fleet/metadata.csv" ${inputs[*]}
JOB
sbatch --wait --array=0-3 --time=5 --output="$T/out/task-%a.log" --job-name=keysweep-fleet \
  "$T/job.sh"

step "array job done"
# Every task ran its own shard and finished it.
shards=$(psql -X -At -d "$pg_array" -c "SELECT shard || ' ' || status FROM scan_runs ORDER BY shard")
expected_shards=$'1/4 finished\n2/4 finished\n3/4 finished\n4/4 finished'
if [[ $shards != "$expected_shards" ]]; then
  echo "FAIL: scan_runs of the array:"; echo "$shards"; exit 1
fi
for k in 0 1 2 3; do
  grep -q "keysweep: stored" "$T/out/task-$k.log" || { echo "FAIL: task $k did not finish"; exit 1; }
done

python3 "$here/storeutil.py" dump "$pg_single" > "$T/single.dump"
python3 "$here/storeutil.py" dump "$pg_array" > "$T/array.dump"
lines=$(wc -l < "$T/single.dump")
if (( lines < 100 )); then echo "FAIL: the reference store is nearly empty ($lines lines)"; exit 1; fi
if ! diff -u "$T/single.dump" "$T/array.dump" > "$T/dump.diff"; then
  echo "FAIL: the 4-task array store differs from the single-process store:"; head -n 40 "$T/dump.diff"
  exit 1
fi
# And the report a user reads is the same.
"$keysweep" report --deterministic --datastore "$pg_single" > "$T/single.report.json"
"$keysweep" report --deterministic --datastore "$pg_array" > "$T/array.report.json"
python3 - "$T/single.report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r.get("clusters"), "the reference report has no credential clusters"
PY
if ! cmp -s "$T/single.report.json" "$T/array.report.json"; then
  echo "FAIL: keysweep report differs between the array store and the single-process store"
  diff -u "$T/single.report.json" "$T/array.report.json" | head -n 40
  exit 1
fi
echo "slurm array: 4 tasks, $(grep -c '^finding' "$T/array.dump") finding rows, $(grep -c '^input' "$T/array.dump") inputs; store equals the single-process run"
