# What the throughput scripts of bench/suite share: their checks, scratch directory, timed runs and
# the arithmetic over them (medians, MB/s, ratios), and the header and result file of their report.
# Sourced, not run:  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  (sets ROOT, the source tree).
# A script's timed runs go to $WORK/NAME.times, one line a run: "wall_s peak_rss_kib load1 cpu_s".

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_NAME=$(basename "$0" .sh)

# The script's leading comment block, as its -h (and any unknown option) prints it.
usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

# The keysweep binary ($KEYSWEEP, made absolute) and GNU time, which every script needs.
require_keysweep_and_time() {
  [[ -x $KEYSWEEP ]] || die "no keysweep binary at $KEYSWEEP (build it, or pass -k)"
  [[ -x /usr/bin/time ]] || die "/usr/bin/time is not installed (Debian package time)"
  KEYSWEEP=$(realpath "$KEYSWEEP")
}

# make_work TAG: WORK = a new directory under $TMPDIR (default /tmp), removed when the script exits.
make_work() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/keysweep-$1.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
}

# tree_bytes DIR: the bytes of the files below DIR (printf, as awk's print turns 2^31 and more into
# 2.1e+09).
tree_bytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f\n", s}'; }

# ensure_repo REPO WHAT GENERATOR...: runs GENERATOR once, when REPO does not exist yet.
ensure_repo() {
  [[ -d $1 ]] && return 0
  echo "$BENCH_NAME: generating $1 ($2)" >&2
  mkdir -p "$(dirname "$1")"
  "${@:3}"
}

now_ns() { date +%s%N; }

# time_run NAME COMMAND...: runs COMMAND (stdout discarded) under /usr/bin/time and appends its
# line to $WORK/NAME.times; the load is the 1-minute load average as the run starts. Returns the
# command's exit status (time still writes its figures when the command fails).
time_run() {
  local name=$1 t0 t1 load1 rc=0
  load1=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(now_ns)
  /usr/bin/time -f '%M %U %S' -o "$WORK/rss.txt" "${@:2}" > /dev/null || rc=$?
  t1=$(now_ns)
  tail -n 1 "$WORK/rss.txt" | awk -v a="$t0" -v b="$t1" -v l="$load1" \
    '{printf "%.3f %s %s %.2f\n", (b - a) / 1e9, $1, l, $2 + $3}' >> "$WORK/$name.times"
  return $rc
}

# peak_anon_kib COMMAND...: runs COMMAND (stdout discarded) and prints the largest RssAnon (KiB)
# of its process, sampled every 50 ms: memory of its own, without the file pages it maps.
peak_anon_kib() {
  local pid peak=0 kib
  "$@" > /dev/null & pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    kib=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    (( ${kib:-0} > peak )) && peak=$kib
    sleep 0.05
  done
  wait "$pid"
  echo "$peak"
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$WORK/$1.times"; }  # col NAME COLUMN: one value a run
wall() { col "$1" 1 | median; }  # median wall seconds of NAME
cpu() { col "$1" 4 | median; }   # median user+sys seconds of NAME
peak_rss_mib() { awk -v k="$(col "$1" 2 | sort -n | tail -n 1)" 'BEGIN {printf "%.1f", k / 1024}'; }
runs() { awk '{printf "%s%s@%s", sep, $1, $3; sep = " "}' "$WORK/$1.times"; }  # "wall@load ..."
mbs() { awk -v b="$1" -v t="$2" 'BEGIN {printf "%.1f", b / 1e6 / t}'; }  # mbs BYTES SECONDS
# Throughput of A over B from their times (the inverse time ratio): ratio TIME_A TIME_B -> "0.85",
# pct TIME_A TIME_B -> "85%".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b / a}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f%%", 100 * b / a}'; }

machine() {
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM"
}

# The tree the run measures; the binary may be older than it, so the scripts report its time too.
commit() {
  local c
  c=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [[ -z $(git -C "$ROOT" status --porcelain -- src rules include 2>/dev/null) ]] || c+=" (+ uncommitted changes in src/rules/include)"
  echo "$c"
}

# publish FILE: prints the result FILE and, unless -n ($WRITE_RESULT=0), copies it to $RESULT.
publish() {
  cat "$1"
  if (( WRITE_RESULT )); then
    mkdir -p "$(dirname "$RESULT")"
    cp "$1" "$RESULT"
    echo "written: $RESULT"
  fi
}
