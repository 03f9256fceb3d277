#!/usr/bin/env bash
# APK scan throughput against its limit, in the same run:
#   keysweep      `keysweep scan --jobs J --format jsonl --exit-zero -q --output /dev/null CORPUS`:
#                 every container opened (APK -> DEX, resources.arsc, manifest, .so, assets, nested
#                 APKs), every built-in rule
#   inflate-only  bench/apk_inflate_only.cc with J threads over the same files: walk each APK's
#                 central directory and inflate every entry with libdeflate, nothing else. What
#                 keysweep cannot beat without skipping entries (it does skip media entries such as
#                 PNGs, which inflate-only still inflates).
#   inflate+match bench/apk_inflate_only.cc built as apk_inflate_match (bench/micro/, needs a build
#                 with KEYSWEEP_BENCH): the same walk, then keysweep's matcher (every built-in rule)
#                 over each non-media entry's bytes as they are. A scanner that greps inside the APK
#                 without parsing anything: where matching alone puts a scanner against the limit.
#                 Skipped (with a note) when the binary is not there.
# Target: keysweep >= 70% of inflate-only's MB/s.
#
# Corpus (build/bench-apks, built once and reused; delete build/bench-apks.stamp to rebuild): the sample APKs of
# Debian's androguard package (/usr/share/doc/androguard/examples, ~330 files, ~55 MB) plus the
# demo apps (tests/fixtures/build_demo_apps.sh), copied as rep1/, rep2/, ... until >= 200 MB.
# One untimed pass of each warms the page cache (the corpus fits in memory: this measures CPU).
#
# Usage: bench/suite/apk_throughput.sh [-j JOBS] [-r RUNS] [-k KEYSWEEP] [-i INFLATE_ONLY] [-o FILE | -n]
#        [-m INFLATE_MATCH] [-b BEFORE] [-c CORPUS]
#   -j JOBS          threads for both (default 2)
#   -r RUNS          timed runs of each, interleaved; medians reported (default 3)
#   -k KEYSWEEP      default build/release/src/cli/keysweep
#   -i INFLATE_ONLY  default: the apk_inflate_only next to KEYSWEEP's build (bench/micro/), else
#                    compiled here from bench/apk_inflate_only.cc into build/bench-tools/
#   -m INFLATE_MATCH default: the apk_inflate_match next to INFLATE_ONLY
#   -b BEFORE        a second keysweep binary (e.g. the previous release build), timed in the same
#                    rounds as row "keysweep-before", for a before/after in one sitting
#   -c CORPUS        measure this directory of APKs as it is instead (e.g. one large APK alone:
#                    how long one container takes with J threads); nothing is built or copied
#   -o FILE          result file (default bench/results/YYYY-MM-DD-apk-throughput.txt); -n: print only
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JOBS=2
RUNS=3
KEYSWEEP=$ROOT/build/release/src/cli/keysweep
INFLATE=""
MATCH=""
BEFORE=""
RESULT=$ROOT/bench/results/$(date -u +%F)-apk-throughput.txt
WRITE_RESULT=1
CORPUS=$ROOT/build/bench-apks
MIN_BYTES=$((200 * 1000 * 1000))
STAMP=$ROOT/build/bench-apks.stamp  # outside the corpus, so neither tool reads it
CUSTOM_CORPUS=0
while getopts "j:r:k:i:m:b:c:o:nh" opt; do
  case $opt in
    j) JOBS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    k) KEYSWEEP=$OPTARG ;;
    i) INFLATE=$OPTARG ;;
    m) MATCH=$OPTARG ;;
    b) BEFORE=$OPTARG ;;
    c) CORPUS=$(cd "$OPTARG" && pwd) || die "no directory $OPTARG (-c)"; CUSTOM_CORPUS=1 ;;
    o) RESULT=$OPTARG ;;
    n) WRITE_RESULT=0 ;;
    *) usage ;;
  esac
done

require_keysweep_and_time
[[ -z $BEFORE || -x $BEFORE ]] || die "no keysweep at $BEFORE (-b)"
if [[ -z $INFLATE ]]; then
  INFLATE=$(dirname "$(dirname "$(dirname "$KEYSWEEP")")")/bench/micro/apk_inflate_only
  if [[ ! -x $INFLATE ]]; then
    INFLATE=$ROOT/build/bench-tools/apk_inflate_only
    if [[ ! -x $INFLATE || $ROOT/bench/apk_inflate_only.cc -nt $INFLATE ]]; then
      mkdir -p "$(dirname "$INFLATE")"
      ${CXX:-c++} -O2 -std=c++20 -Wall -Wextra -Werror -pthread -o "$INFLATE" \
        "$ROOT/bench/apk_inflate_only.cc" -ldeflate
    fi
  fi
fi
[[ -x $INFLATE ]] || die "no apk_inflate_only at $INFLATE"
[[ -n $MATCH ]] || MATCH=$(dirname "$INFLATE")/apk_inflate_match
if [[ ! -x $MATCH ]]; then
  echo "apk_throughput: note: no apk_inflate_match at $MATCH; the inflate+match row is left out" >&2
  MATCH=""
fi
make_work apkbench

# --- corpus --------------------------------------------------------------------------------------
if (( ! CUSTOM_CORPUS )) && [[ ! -f $STAMP || ! -d $CORPUS ]]; then
  rm -rf "$CORPUS"
  mkdir -p "$CORPUS/rep1/androguard" "$CORPUS/rep1/demo"
  find /usr/share/doc/androguard/examples -type f -name '*.apk' -print0 |
    while IFS= read -r -d '' f; do
      rel=${f#/usr/share/doc/androguard/examples/}
      cp "$f" "$CORPUS/rep1/androguard/$(echo "$rel" | tr / _)"
    done
  if bash "$ROOT/tests/fixtures/build_demo_apps.sh" "$WORK/demo" >/dev/null 2>&1; then
    cp "$WORK/demo"/*.apk "$WORK/demo"/*.xapk "$CORPUS/rep1/demo/"
  else
    echo "apk_throughput: note: the demo apps could not be built; androguard's APKs only" >&2
  fi
  one=$(tree_bytes "$CORPUS")
  (( one > 0 )) || die "no APKs found (install Debian's androguard package)"
  for ((i = 2; $(tree_bytes "$CORPUS") < MIN_BYTES; i++)); do cp -r "$CORPUS/rep1" "$CORPUS/rep$i"; done
  date -u +%FT%TZ > "$STAMP"
fi
CORPUS_BYTES=$(tree_bytes "$CORPUS")
CORPUS_FILES=$(find "$CORPUS" -type f | wc -l)
CORPUS_REPS=$(find "$CORPUS" -mindepth 1 -maxdepth 1 -type d -name 'rep*' | wc -l)
REP_FILES=$(find "$CORPUS/rep1" -type f 2>/dev/null | wc -l || true)
DEMO_FILES=$(find "$CORPUS/rep1/demo" -type f 2>/dev/null | wc -l || true)
CORPUS_MB=$(awk -v b="$CORPUS_BYTES" 'BEGIN {printf "%.1f", b / 1e6}')
echo "corpus: $CORPUS  $CORPUS_MB MB in $CORPUS_FILES files ($CORPUS_REPS copies of $REP_FILES)"

# --- runs ----------------------------------------------------------------------------------------
CMD_KS="$KEYSWEEP scan --jobs $JOBS --format jsonl --exit-zero -q --output /dev/null $CORPUS"
CMD_INF="$INFLATE $JOBS $CORPUS"
echo "warming the page cache..."
"$KEYSWEEP" scan --jobs "$JOBS" --format human --color never --exit-zero -q \
  "$CORPUS" > "$WORK/ks-human.txt" 2>&1 || die "keysweep failed on the corpus"
KS_SUMMARY=$(tail -n 1 "$WORK/ks-human.txt")
INF_SUMMARY=$($CMD_INF)
NAMES="keysweep inflate-only"
if [[ -n $MATCH ]]; then
  CMD_MATCH="$MATCH $JOBS $CORPUS"
  MATCH_SUMMARY=$($CMD_MATCH | tail -n 1)
  NAMES="keysweep inflate+match inflate-only"
fi
if [[ -n $BEFORE ]]; then
  CMD_BEFORE="$BEFORE scan --jobs $JOBS --format jsonl --exit-zero -q --output /dev/null $CORPUS"
  "$BEFORE" scan --jobs "$JOBS" --format jsonl --exit-zero -q --output /dev/null "$CORPUS" ||
    die "the -b keysweep failed on the corpus"
  NAMES="keysweep keysweep-before ${NAMES#keysweep }"
fi

run() { time_run "$1" bash -c "$2" || die "$1 failed: $2"; }  # run NAME CMD
UPTIME_START=$(uptime)
for ((i = 1; i <= RUNS; i++)); do
  echo "run $i/$RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  run keysweep "$CMD_KS"
  [[ -z $BEFORE ]] || run keysweep-before "$CMD_BEFORE"
  run inflate-only "$CMD_INF"
  [[ -z $MATCH ]] || run inflate+match "$CMD_MATCH"
done
UPTIME_END=$(uptime)

T_KS=$(wall keysweep); T_INF=$(wall inflate-only)
C_KS=$(cpu keysweep); C_INF=$(cpu inflate-only)
COMMIT=$(commit)

{
  echo "keysweep APK throughput, $(date -u '+%F %T') UTC"
  echo
  echo "machine:  $(machine)"
  echo "uptime:   at start: $UPTIME_START"
  echo "          at end:   $UPTIME_END"
  echo "commit:   $COMMIT; keysweep binary modified $(date -u -r "$KEYSWEEP" '+%F %T') UTC"
  if (( CUSTOM_CORPUS )); then
    echo "corpus:   $CORPUS_MB MB (1 MB = 10^6 bytes) in $CORPUS_FILES files: $CORPUS (-c)"
  else
    echo "corpus:   $CORPUS_MB MB (1 MB = 10^6 bytes) in $CORPUS_FILES files: $CORPUS_REPS copies of"
    echo "          $REP_FILES files ($((REP_FILES - DEMO_FILES)) APKs from /usr/share/doc/androguard/examples + $DEMO_FILES demo apps)"
  fi
  echo "          keysweep saw: $KS_SUMMARY"
  echo "          inflate-only: $INF_SUMMARY"
  [[ -z $MATCH ]] || echo "          inflate+match: $MATCH_SUMMARY"
  echo "jobs:     $JOBS;  runs: $RUNS each, interleaved, after one untimed pass of each; medians"
  echo
  echo "commands:"
  echo "  keysweep:     $CMD_KS"
  [[ -z $BEFORE ]] || echo "  keysweep-before: $CMD_BEFORE   (binary modified $(date -u -r "$BEFORE" '+%F %T') UTC)"
  echo "  inflate-only: $CMD_INF   (bench/apk_inflate_only.cc)"
  [[ -z $MATCH ]] || echo "  inflate+match: $CMD_MATCH   (the same source, KEYSWEEP_INFLATE_AND_MATCH)"
  echo
  echo "MB/s = corpus MB (APK bytes on disk) / median wall s; CPU s = median user+sys of all threads;"
  echo "RSS = highest peak resident set over the runs (/usr/bin/time %M)."
  printf '%-16s %8s %8s %8s %9s   %s\n' "" "wall s" "MB/s" "CPU s" "RSS MiB" "runs (wall s @ 1-min load)"
  for n in $NAMES; do
    t=$(wall $n)
    printf '%-16s %8s %8s %8s %9s   %s\n' "$n" "$t" "$(mbs "$CORPUS_BYTES" "$t")" "$(cpu $n)" \
      "$(peak_rss_mib $n)" "$(runs $n)"
  done
  echo
  echo "keysweep / inflate-only: $(pct "$T_KS" "$T_INF") by wall time, $(pct "$C_KS" "$C_INF") by CPU seconds   (target >= 70%)"
  if [[ -n $MATCH ]]; then
    T_M=$(wall inflate+match); C_M=$(cpu inflate+match)
    echo "inflate+match / inflate-only: $(pct "$T_M" "$T_INF") by wall time, $(pct "$C_M" "$C_INF") by CPU seconds"
    echo "keysweep / inflate+match: $(pct "$T_KS" "$T_M") by wall time, $(pct "$C_KS" "$C_M") by CPU seconds"
    if [[ -n $BEFORE ]]; then
      echo "keysweep-before / inflate+match: $(pct "$(wall keysweep-before)" "$T_M") by wall time, $(pct "$(cpu keysweep-before)" "$C_M") by CPU seconds"
    fi
  fi
} > "$WORK/result.txt"
publish "$WORK/result.txt"
