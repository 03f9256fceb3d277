#!/usr/bin/env bash
# Start-up cost: what every pre-commit hook, CI call and per-app scan pays before reading a byte.
#   version     keysweep --version: loading the binary and its shared libraries, static init
#   rules-list  keysweep rules list: plus parsing the built-in rule files
#   scan-tiny   keysweep scan --jobs 1 ... of a one-line file: plus the matcher (the Vectorscan
#               database: built into the binary for the built-in rules, else from the on-disk cache,
#               warmed first; RE2 per rule), a worker, a report. With -c the cache is disabled, as
#               in a fresh CI container: a binary without a built-in database compiles it each run
# Each runs RUNS times, interleaved (and with -b, interleaved with the baseline binary too, so load
# falls on both alike); figures are medians. CPU is user + sys from wait4() at microsecond
# resolution (GNU time prints hundredths of a second, the whole range measured here). With -i, each
# command also runs once under valgrind's callgrind, whose count of user-space instructions (the
# dynamic loader included, the kernel not) does not move with the machine's load.
#
# Usage: bench/suite/startup.sh [-r RUNS] [-k KEYSWEEP] [-b BASELINE] [-c] [-i] [-o RESULT_FILE | -n]
#   -r RUNS      timed runs of each command (default 21)
#   -k KEYSWEEP  the binary (default build/release/src/cli/keysweep)
#   -b BASELINE  a second binary (e.g. a copy built from an older commit) measured in the same run
#   -c           cold: no Vectorscan cache (KEYSWEEP_CACHE_DIR set empty); default result file
#                bench/results/YYYY-MM-DD-startup-cold.txt
#   -i           also count instructions with valgrind (Debian package valgrind; the first run
#                under valgrind compiles the Vectorscan database for its CPU model, about a minute)
#   -o FILE      where to write the result (default bench/results/YYYY-MM-DD-startup[-cold].txt)
#   -n           print only, write no result file
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=21
KEYSWEEP=$ROOT/build/release/src/cli/keysweep
BASELINE=""
RESULT=""
WRITE_RESULT=1
INSTRUCTIONS=0
COLD=0
while getopts "r:k:b:cio:nh" opt; do
  case $opt in
    r) RUNS=$OPTARG ;;
    k) KEYSWEEP=$OPTARG ;;
    b) BASELINE=$(realpath "$OPTARG") ;;
    c) COLD=1 ;;
    i) INSTRUCTIONS=1 ;;
    o) RESULT=$OPTARG ;;
    n) WRITE_RESULT=0 ;;
    *) usage ;;
  esac
done
if [[ -z $RESULT ]]; then
  RESULT=$ROOT/bench/results/$(date -u +%F)-startup.txt
  ((COLD)) && RESULT=${RESULT%.txt}-cold.txt
fi
require_keysweep_and_time
[[ -z $BASELINE || -x $BASELINE ]] || die "no baseline binary at $BASELINE"
command -v python3 >/dev/null || die "python3 is needed for the timed runs"
(( ! INSTRUCTIONS )) || command -v valgrind >/dev/null || die "-i needs valgrind (Debian package valgrind)"
make_work startup
COMMIT=$(commit)

TINY=$WORK/tiny.txt
echo 'hello = "world"  # one line, no credential' > "$TINY"
# The Vectorscan database is cached per pattern set; a private cache, warmed below, keeps the runs
# independent of the user's cache and of its eviction. -c: no cache at all.
if ((COLD)); then
  export KEYSWEEP_CACHE_DIR=
  CACHE_TEXT="KEYSWEEP_CACHE_DIR= (empty: no Vectorscan cache)"
  WARM_TEXT="warms the page cache; no Vectorscan cache"
else
  export KEYSWEEP_CACHE_DIR=$WORK/cache
  CACHE_TEXT="KEYSWEEP_CACHE_DIR=WORK/cache"
  WARM_TEXT="warms the Vectorscan cache"
fi

# precise_run NAME CMD...: lib.sh's time_run line ("wall_s peak_rss_kib load1 cpu_s"), with CPU in
# microseconds and a fifth column, minor page faults; stdout discarded.
RUNNER='
import os, sys, time
load, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(cmd[0], cmd)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
print(f"{wall:.4f} {ru.ru_maxrss} {load} {ru.ru_utime + ru.ru_stime:.6f} {ru.ru_minflt}")
sys.exit(os.waitstatus_to_exitcode(status))
'
precise_run() {
  local name=$1
  python3 -c "$RUNNER" "$(cut -d' ' -f1 /proc/loadavg)" "${@:2}" >> "$WORK/$name.times" \
    || die "$name failed: ${*:2}"
}

declare -A BIN=([new]=$KEYSWEEP)
VARIANTS=(new)
if [[ -n $BASELINE ]]; then BIN[base]=$BASELINE; VARIANTS=(base new); fi
COMMANDS=(version rules-list scan-tiny)
args_of() {
  case $1 in
    version) echo "--version" ;;
    rules-list) echo "rules list" ;;
    scan-tiny) echo "scan --jobs 1 --format jsonl --exit-zero -q --output /dev/null $TINY" ;;
  esac
}

for v in "${VARIANTS[@]}"; do  # warm-up: page cache, Vectorscan cache (unless -c)
  # shellcheck disable=SC2046
  "${BIN[$v]}" $(args_of scan-tiny) || die "${BIN[$v]} cannot scan $TINY"
done
for ((i = 1; i <= RUNS; i++)); do
  for c in "${COMMANDS[@]}"; do
    for v in "${VARIANTS[@]}"; do
      # shellcheck disable=SC2046
      precise_run "$v-$c" "${BIN[$v]}" $(args_of "$c")
    done
  done
done

# instructions NAME CMD...: user-space instructions of one run under callgrind, into $WORK/NAME.ir.
instructions() {
  local name=$1
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "${@:2}" 2>&1 >/dev/null \
    | awk '/Collected :/ {print $NF}' > "$WORK/$name.ir"
}
if (( INSTRUCTIONS )); then
  for v in "${VARIANTS[@]}"; do
    # shellcheck disable=SC2046
    instructions warm "${BIN[$v]}" $(args_of scan-tiny)  # valgrind's CPU model has its own cache entry
    for c in "${COMMANDS[@]}"; do
      # shellcheck disable=SC2046
      instructions "$v-$c" "${BIN[$v]}" $(args_of "$c")
    done
  done
fi
ir() { [[ -s $WORK/$1.ir ]] && awk '{printf "%.1fM", $1 / 1e6}' "$WORK/$1.ir" || echo -; }

ms() { awk '{printf "%.1f", $1 * 1000}'; }
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "keysweep start-up cost, $(date -u '+%F %T') UTC"
  echo
  echo "machine:  $(machine)"
  echo "load:     1/5/15-min load average at the end: $LOAD_END; 1-min load over the runs: $(cat "$WORK"/*.times | awk '{print $3}' | sort -n | sed -n '1p;$p' | paste -sd- )"
  echo "commit:   HEAD at start $COMMIT"
  for v in "${VARIANTS[@]}"; do
    echo "$v:$(printf '%*s' $((9 - ${#v})) '')${BIN[$v]} (modified $(date -u -r "${BIN[$v]}" '+%F %T') UTC)"
  done
  echo "runs:     $RUNS of each, interleaved, after one untimed scan ($WARM_TEXT)"
  echo "commands: keysweep --version | keysweep rules list | keysweep $(args_of scan-tiny | sed "s|$WORK|WORK|")"
  echo "          ($CACHE_TEXT; WORK/tiny.txt is one line)"
  echo
  echo "CPU = median user+sys ms (wait4 rusage); wall = median ms; RSS = highest peak MiB;"
  echo "faults = median minor page faults; instr = user-space instructions of one run (callgrind, -i)"
  printf '%-22s %8s %8s %8s %8s %9s\n' "" "CPU ms" "wall ms" "RSS MiB" "faults" "instr"
  for c in "${COMMANDS[@]}"; do
    for v in "${VARIANTS[@]}"; do
      n=$v-$c
      printf '%-22s %8s %8s %8s %8s %9s\n' "$c ($v)" "$(cpu "$n" | ms)" "$(wall "$n" | ms)" \
        "$(peak_rss_mib "$n")" "$(col "$n" 5 | median)" "$(ir "$n")"
    done
  done
} > "$WORK/result.txt"
publish "$WORK/result.txt"
