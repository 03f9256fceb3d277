#!/usr/bin/env bash
# Git history at scale (issue 16): `keysweep scan --git -j JOBS` on a history of many small unique
# blobs (default 1,000,000, bench/suite/make_git_scale.py), reporting wall time, CPU seconds, peak
# RSS (GNU time's maximum resident set, which counts the pack files' mapped pages too) and the
# peak of anonymous memory alone (RssAnon, sampled every 50 ms in one more run), each also per
# unique object of the repository. With -b, a baseline binary runs the same way, interleaved, and
# its findings must be the same as KEYSWEEP's (the report minus its summary line).
#
# Usage: bench/suite/git_scale.sh [-j JOBS] [-r RUNS] [-k KEYSWEEP] [-b BASELINE] [-g REPO] [-N BLOBS] [-x ARGS] [-a ARGS] [-1] [-o FILE | -n]
#   -g REPO   the repository (default build/bench-git/scale-1m.git, generated when missing)
#   -N BLOBS  unique blobs of a generated repository (default 1000000)
#   -x ARGS   more arguments for KEYSWEEP's scan only (e.g. "--memory-budget 4MiB")
#   -a ARGS   more arguments for both scans (e.g. "--since REV"); the environment (such as
#             KEYSWEEP_GIT_READER=libgit2) is both binaries' too
#   -1        one pass, for a history where a run takes minutes (10 million objects on a shared
#             machine): no warm-up run, and the anonymous peak sampled during the timed runs
#             (the largest of them) instead of in one more run each
#   -n        print only, write no result file (default bench/results/YYYY-MM-DD-git-scale.txt)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JOBS=2
RUNS=3
KEYSWEEP=$ROOT/build/release/src/cli/keysweep
BASELINE=
REPO=$ROOT/build/bench-git/scale-1m.git
BLOBS=1000000
RESULT=$ROOT/bench/results/$(date -u +%F)-git-scale.txt
WRITE_RESULT=1
EXTRA=
BOTH=
ONE_PASS=0
while getopts "j:r:k:b:g:N:x:a:o:n1h" opt; do
  case $opt in
    j) JOBS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    k) KEYSWEEP=$OPTARG ;;
    b) BASELINE=$(realpath "$OPTARG") ;;
    g) REPO=$OPTARG ;;
    N) BLOBS=$OPTARG ;;
    x) EXTRA=$OPTARG ;;
    a) BOTH=$OPTARG ;;
    o) RESULT=$OPTARG ;;
    n) WRITE_RESULT=0 ;;
    1) ONE_PASS=1 ;;
    *) usage ;;
  esac
done

require_keysweep_and_time
ensure_repo "$REPO" "$BLOBS unique blobs" python3 "$ROOT/bench/suite/make_git_scale.py" "$REPO" --blobs "$BLOBS"
REPO=$(realpath "$REPO")
make_work gitscale
OBJECTS=$(git -C "$REPO" count-objects -v | awk '/^(count|in-pack):/ {n += $2} END {print n}')
COMMITS=$(git -C "$REPO" rev-list --all --count)
PACK_BYTES=$(du -sb "$REPO/objects" | cut -f1)

cmd() {
  local extra=
  [[ $2 != keysweep ]] || extra=$EXTRA
  echo "$1" scan --git --jobs "$JOBS" $BOTH $extra --format jsonl --exit-zero -q --output "$WORK/$2.jsonl" "$REPO"
}
NAMES=(keysweep)
declare -A BIN=([keysweep]=$KEYSWEEP)
[[ -z $BASELINE ]] || { NAMES=(baseline keysweep); BIN[baseline]=$BASELINE; }

# peak_anon NAME: the largest RssAnon (KiB) of one run, sampled every 50 ms.
peak_anon() { peak_anon_kib $(cmd "${BIN[$1]}" "$1"); }

# timed_anon_run NAME: time_run's line for one run of NAME, whose anonymous peak (sampled as in
# peak_anon, in the process GNU time started) raises ANON[NAME].
timed_anon_run() {
  local name=$1 t0 t1 load1 pid child= kib peak=${ANON[$1]:-0}
  load1=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(now_ns)
  /usr/bin/time -f '%M %U %S' -o "$WORK/rss.txt" $(cmd "${BIN[$name]}" "$name") > /dev/null & pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    [[ -n $child ]] || child=$(pgrep -P "$pid" || true)
    kib=$(awk '/^RssAnon:/ {print $2}' "/proc/${child:-0}/status" 2>/dev/null || true)
    (( ${kib:-0} > peak )) && peak=$kib
    sleep 0.05
  done
  wait "$pid"
  t1=$(now_ns)
  tail -n 1 "$WORK/rss.txt" | awk -v a="$t0" -v b="$t1" -v l="$load1" \
    '{printf "%.3f %s %s %.2f\n", (b - a) / 1e9, $1, l, $2 + $3}' >> "$WORK/$name.times"
  ANON[$name]=$peak
}

declare -A ANON
if (( ONE_PASS )); then
  for ((i = 0; i < RUNS; ++i)); do
    for n in "${NAMES[@]}"; do timed_anon_run "$n"; done
  done
else
  for n in "${NAMES[@]}"; do $(cmd "${BIN[$n]}" "$n") > /dev/null; done  # warm-up (and the page cache)
  for ((i = 0; i < RUNS; ++i)); do
    for n in "${NAMES[@]}"; do time_run "$n" $(cmd "${BIN[$n]}" "$n"); done
  done
  for n in "${NAMES[@]}"; do ANON[$n]=$(peak_anon "$n"); done
fi
SAME=
if [[ -n $BASELINE ]]; then
  if cmp -s <(head -n -1 "$WORK/baseline.jsonl") <(head -n -1 "$WORK/keysweep.jsonl"); then
    SAME="findings: identical ($(($(wc -l < "$WORK/keysweep.jsonl") - 1)) lines of jsonl apart from the summary)"
  else
    SAME="findings: DIFFERENT between baseline and keysweep"
  fi
fi

{
  echo "keysweep git history at scale, $(date -u '+%F %T') UTC"
  echo
  echo "machine:  $(machine)"
  echo "load:     1/5/15-min load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit:   $(commit) (binary modified $(date -u -r "$KEYSWEEP" '+%F %T') UTC)"
  echo "repo:     $REPO: $COMMITS commits, $OBJECTS objects, objects/ $(echo "scale=1; $PACK_BYTES / 1000000" | bc) MB"
  echo "summary:  $(tail -1 "$WORK/keysweep.jsonl" | cut -c1-300)"
  if (( ONE_PASS )); then
    echo "jobs:     $JOBS;  runs: $RUNS each, interleaved, no warm-up (-1), anonymous peak sampled in them; median wall time"
  else
    echo "jobs:     $JOBS;  runs: $RUNS each, interleaved, after one untimed warm-up; median wall time"
  fi
  [[ -z ${KEYSWEEP_GIT_READER:-} ]] || echo "env:      KEYSWEEP_GIT_READER=$KEYSWEEP_GIT_READER (both)"
  echo
  echo "commands:"
  for n in "${NAMES[@]}"; do echo "  $n: $(cmd "${BIN[$n]}" "$n")" | sed "s|$WORK|\$TMP|g"; done
  [[ -z $SAME ]] || echo "$SAME"
  echo
  echo "              wall s    CPU s   peak RSS MiB  B/object   peak anon MiB  B/object   runs (wall s @ 1-min load)"
  for n in "${NAMES[@]}"; do
    rss=$(col "$n" 2 | sort -n | tail -n 1)
    printf "%-10s %9.3f %8.2f %14.1f %9.0f %15.1f %9.0f   %s\n" "$n" "$(wall "$n")" "$(cpu "$n")" \
      "$(echo "$rss / 1024" | bc -l)" "$(echo "$rss * 1024 / $OBJECTS" | bc -l)" \
      "$(echo "${ANON[$n]} / 1024" | bc -l)" "$(echo "${ANON[$n]} * 1024 / $OBJECTS" | bc -l)" "$(runs "$n")"
  done
} > "$WORK/result"
publish "$WORK/result"
