#!/usr/bin/env bash
# Scan throughput on a large text corpus nobody here wrote, against references in the same run:
#   keysweep   the scanner, every built-in rule
#   ripgrep    the same rule patterns (`keysweep rules export --format ripgrep`), reading every file
#   rg-ascii   the same, each pattern prefixed with (?-u): \b and \w on ASCII bytes, as keysweep
#              (Vectorscan + RE2 in Latin-1 mode) reads them. With rg's default Unicode \b its fast
#              DFA gives up on non-ASCII bytes and a slower engine takes over, so this is the fairer
#              peer; both are reported.
#   read-only  the same files read with `cat` by the same number of processes (xargs -P JOBS)
#   read-floor bench/suite/read_files.cc: the same walk and open/read/close per file as keysweep, with
#              JOBS reader threads and no matching: the I/O + syscall floor. cat pays for a fresh
#              buffer mapping and an fadvise per file, so on small files it is no floor; both shown.
#   base       with -b: another keysweep binary (main's, before a change), the same command,
#              interleaved with keysweep's runs: before and after in one sitting
#   raw-hs     read_files --vectorscan: the same reads, then raw Vectorscan over each file with every
#              rule pattern (`keysweep rules export`) in one database, matches only counted: the
#              matching floor. keysweep minus raw-hs is what confirming, extracting, context
#              scoring, decoding and reporting cost (issue 16.5). Skipped without hs/hs.h.
#   hs-heads   read_files --vectorscan --heads: the same, with the database keysweep scans with (each
#              pattern's head where src/match/pattern_tail.h takes a tail off, the keyword splits of
#              src/match/keyword_split.h, keysweep's flags, the baseline target of its built-in
#              database): keysweep's own matching floor.
# Each runs RUNS times (interleaved, after one untimed warm-up read); the median wall time is used.
#
# Usage: bench/suite/scan_throughput.sh [-j JOBS] [-r RUNS] [-k KEYSWEEP] [-b BASE] [-o RESULT_FILE | -n]
#   -j JOBS      threads for keysweep and rg, processes for the read-only pass (default 2)
#   -r RUNS      timed runs of each (default 3)
#   -k KEYSWEEP  the binary (default build/release/src/cli/keysweep)
#   -b BASE      a second keysweep binary timed beside it (the "base" row)
#   -o FILE      where to write the result (default bench/results/YYYY-MM-DD-scan-throughput.txt)
#   -n           print only, write no result file
#   -c DIR       use DIR as the corpus instead of building build/bench-corpus (e.g. your own tree)
#   -t SECONDS   stop a ripgrep run after this long (default 300) and report the cap as a lower
#                bound; after one such run the later ones of that row are skipped
# The corpus is built once under build/bench-corpus (hard links where possible) and reused.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JOBS=2
RUNS=3
KEYSWEEP=$ROOT/build/release/src/cli/keysweep
RESULT=$ROOT/bench/results/$(date -u +%F)-scan-throughput.txt
WRITE_RESULT=1
CORPUS=$ROOT/build/bench-corpus
OWN_CORPUS=0
RG_CAP=300
BASE=""
while getopts "j:r:k:b:o:nc:t:h" opt; do
  case $opt in
    j) JOBS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    k) KEYSWEEP=$OPTARG ;;
    b) BASE=$(realpath "$OPTARG") ;;
    o) RESULT=$OPTARG ;;
    n) WRITE_RESULT=0 ;;
    c) CORPUS=$(realpath "$OPTARG"); OWN_CORPUS=1 ;;
    t) RG_CAP=$OPTARG ;;
    *) usage ;;
  esac
done

require_keysweep_and_time
command -v rg >/dev/null || die "ripgrep (rg) is not installed (Debian package ripgrep)"

STAMP=$ROOT/build/bench-corpus.stamp  # outside the corpus, so no scanner reads it
make_work bench

# The tree as the run starts; the binary may be older than it, so its build time is reported too.
COMMIT=$(commit)
COMMIT+="; binary modified $(date -u -r "$KEYSWEEP" '+%F %T') UTC"

# --- corpus --------------------------------------------------------------------------------------
MIN_BYTES=$((300 * 1024 * 1024))
add_tree() {  # hard links cost no space; a tree on another file system is copied
  local src=$1 dst=$CORPUS/$(echo "${1#/}" | tr / _)
  [[ -d $src && ! -e $dst ]] || return 0
  echo "corpus: adding $src" >&2
  cp -al "$src" "$dst" 2>/dev/null || { rm -rf "$dst"; cp -a "$src" "$dst"; }
}
if (( ! OWN_CORPUS )) && [[ ! -f $STAMP ]]; then
  rm -rf "$CORPUS"
  mkdir -p "$CORPUS"
  for tree in /usr/include /usr/lib/python3.11 /usr/share/doc /usr/share/perl /usr/lib/python3/dist-packages; do
    (( $(tree_bytes "$CORPUS") >= MIN_BYTES )) && break
    add_tree "$tree"
  done
  (( $(tree_bytes "$CORPUS") >= MIN_BYTES )) || die "corpus is under 300 MiB: install more Debian packages with text trees"
  date -u +%FT%TZ > "$STAMP"
fi
CORPUS_BYTES=$(tree_bytes "$CORPUS")
CORPUS_FILES=$(find "$CORPUS" -type f | wc -l)
CORPUS_MB=$(awk -v b="$CORPUS_BYTES" 'BEGIN {printf "%.1f", b / 1e6}')
CORPUS_TREES=$(cd "$CORPUS" && ls | tr '\n' ' ')
echo "corpus: $CORPUS  $CORPUS_MB MB in $CORPUS_FILES files ($CORPUS_TREES)"

# --- patterns for ripgrep: only those its regex engine accepts -------------------------------------
"$KEYSWEEP" rules export --format ripgrep > "$WORK/patterns-all.txt"
: > "$WORK/patterns.txt"
REJECTED=""
while IFS= read -r pat; do
  [[ -n $pat ]] || continue
  if rg -e "$pat" /dev/null >/dev/null 2>"$WORK/rg-err.txt" || [[ $? -eq 1 ]]; then
    printf '%s\n' "$pat" >> "$WORK/patterns.txt"
  else
    REJECTED+="  $pat :: $(head -c 200 "$WORK/rg-err.txt" | tr '\n' ' ')"$'\n'
  fi
done < "$WORK/patterns-all.txt"
PATTERNS_ALL=$(grep -c . "$WORK/patterns-all.txt")
PATTERNS_RG=$(grep -c . "$WORK/patterns.txt" || true)
sed 's/^/(?-u)/' "$WORK/patterns.txt" > "$WORK/patterns-ascii.txt"
# Each pattern may compile alone while the whole set exceeds rg's default 100 MB compiled-size limit
# (Unicode classes are large): then the limit is raised, and the result says so.
RG_LIMIT=""
if ! rg -f "$WORK/patterns.txt" /dev/null >/dev/null 2>"$WORK/rg-err.txt" && [[ $? -ne 1 ]]; then
  grep -q 'size limit' "$WORK/rg-err.txt" || die "ripgrep rejects the pattern set: $(head -c 300 "$WORK/rg-err.txt")"
  RG_LIMIT="--regex-size-limit 4G"
  echo "ripgrep: the set exceeds its default compiled-size limit; using $RG_LIMIT"
fi
echo "ripgrep accepts $PATTERNS_RG of $PATTERNS_ALL rule patterns"
(( PATTERNS_RG > 0 )) || die "ripgrep accepted none of the patterns"

# --- the read-only floor tool, built here so the suite needs nothing from the project's build -------
READ_FILES=$ROOT/build/bench-tools/read_files
if [[ ! -x $READ_FILES || $ROOT/bench/suite/read_files.cc -nt $READ_FILES ||
      $ROOT/src/match/pattern_tail.cc -nt $READ_FILES || $ROOT/src/match/keyword_split.cc -nt $READ_FILES ]]; then
  mkdir -p "$(dirname "$READ_FILES")"
  if [[ -f /usr/include/hs/hs.h ]]; then
    ${CXX:-c++} -O2 -std=c++20 -Wall -Wextra -Werror -pthread -DKEYSWEEP_BENCH_VECTORSCAN=1 \
      -DKEYSWEEP_PATTERN_TAIL=1 -I"$ROOT/src" -o "$READ_FILES" "$ROOT/bench/suite/read_files.cc" \
      "$ROOT/src/match/pattern_tail.cc" "$ROOT/src/match/keyword_split.cc" -lhs
  else
    ${CXX:-c++} -O2 -std=c++20 -Wall -Wextra -Werror -pthread -o "$READ_FILES" "$ROOT/bench/suite/read_files.cc"
  fi
fi
ROWS="keysweep rg rg-ascii read read-floor"
[[ -z $BASE ]] || { [[ -x $BASE ]] || die "no keysweep binary at $BASE (-b)"; ROWS="keysweep base ${ROWS#keysweep }"; }
# The raw Vectorscan row, when read_files was built with it; its database is compiled once
# (patterns-all.txt.hsdb) in the untimed warm-up below.
CMD_RAW=""
if "$READ_FILES" --vectorscan "$WORK/patterns-all.txt" 1 /dev/null >/dev/null 2>"$WORK/raw-hs.txt"; then
  CMD_RAW="$READ_FILES --vectorscan $WORK/patterns-all.txt $JOBS $CORPUS > /dev/null"
  ROWS+=" raw-hs"
fi
CMD_HEADS=""
if "$READ_FILES" --vectorscan "$WORK/patterns-all.txt" --heads 1 /dev/null >/dev/null 2>"$WORK/hs-heads.txt"; then
  CMD_HEADS="$READ_FILES --vectorscan $WORK/patterns-all.txt --heads $JOBS $CORPUS > /dev/null"
  ROWS+=" hs-heads"
fi

# --- the commands -----------------------------------------------------------------------------
# The report format costs nothing here (few findings, written to /dev/null); jsonl is the one asked
# for, human is the fallback for builds that have no jsonl reporter yet.
FORMAT=jsonl
"$KEYSWEEP" scan --format jsonl --exit-zero -q --output /dev/null "$WORK/patterns.txt" 2>/dev/null || FORMAT=human
CMD_KEYSWEEP="$KEYSWEEP scan --jobs $JOBS --format $FORMAT --exit-zero -q --output /dev/null $CORPUS"
CMD_BASE="$BASE scan --jobs $JOBS --format $FORMAT --exit-zero -q --output /dev/null $CORPUS"
CMD_RG="rg -j $JOBS -c $RG_LIMIT -f $WORK/patterns.txt --no-ignore --hidden -a -uuu $CORPUS > /dev/null"
CMD_RG_ASCII="rg -j $JOBS -c -f $WORK/patterns-ascii.txt --no-ignore --hidden -a -uuu $CORPUS > /dev/null"
CMD_READ="find $CORPUS -type f -print0 | xargs -0 -P $JOBS -n 500 cat > /dev/null"
CMD_FLOOR="$READ_FILES $JOBS $CORPUS > /dev/null"

# One untimed pass each: warms the page cache, and checks that the scanners read what `find` sees.
echo "warming the page cache..."
bash -c "$CMD_READ"
"$KEYSWEEP" scan --jobs "$JOBS" --format human --color never --exit-zero -q "$CORPUS" > "$WORK/ks-human.txt" \
  || die "keysweep failed on the corpus"
KS_SUMMARY=$(tail -n 1 "$WORK/ks-human.txt")
FLOOR_SEEN=$("$READ_FILES" "$JOBS" "$CORPUS")
RG_FILES=$(rg --files --no-ignore --hidden -uuu "$CORPUS" | wc -l)

# run NAME CMD: one timed run (lib.sh time_run); an rg row is stopped at the -t cap.
CAPPED=" "
run() {
  local name=$1 cmd=$2 rc=0 cap=""
  [[ $CAPPED != *" $name "* ]] || { tail -n 1 "$WORK/$name.times" >> "$WORK/$name.times"; return; }
  [[ $name != rg* ]] || cap="timeout -k 10 -s INT $RG_CAP"
  time_run "$name" $cap bash -c "$cmd" || rc=$?
  if [[ -n $cap && $rc -eq 124 ]]; then
    echo "  $name: stopped after ${RG_CAP}s; its figures are bounds, its later runs skipped"
    CAPPED+="$name "
    rc=0
  fi
  # rg exits 1 when nothing matched; anything else non-zero is a failed run.
  if [[ $rc -ne 0 && ! ($name == rg* && $rc -eq 1) ]]; then die "$name exited $rc: $cmd"; fi
}
# Interleaved, so load from anything else on the machine falls on all three alike.
for ((i = 1; i <= RUNS; i++)); do
  echo "run $i/$RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  run keysweep "$CMD_KEYSWEEP"
  [[ -z $BASE ]] || run base "$CMD_BASE"
  run rg "$CMD_RG"
  run rg-ascii "$CMD_RG_ASCII"
  run read "$CMD_READ"
  run read-floor "$CMD_FLOOR"
  [[ -z $CMD_RAW ]] || run raw-hs "$CMD_RAW"
  [[ -z $CMD_HEADS ]] || run hs-heads "$CMD_HEADS"
done

T_KS=$(wall keysweep); T_RG=$(wall rg); T_RGA=$(wall rg-ascii)
T_BASE=""; [[ -z $BASE ]] || T_BASE=$(wall base)
T_READ=$(wall read); T_FLOOR=$(wall read-floor)
T_RAW=""; [[ -z $CMD_RAW ]] || T_RAW=$(wall raw-hs)
T_HEADS=""; [[ -z $CMD_HEADS ]] || T_HEADS=$(wall hs-heads)

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "keysweep scan throughput, $(date -u '+%F %T') UTC"
  echo
  echo "machine:  $(machine)"
  echo "load:     1/5/15-min load average at the end: $LOAD_END (per-run 1-min load below)"
  echo "commit:   HEAD at start $COMMIT"
  echo "keysweep: $KEYSWEEP ($("$KEYSWEEP" --version 2>/dev/null | sed -n 1p)), report format $FORMAT"
  [[ -z $BASE ]] || echo "base:     $BASE (modified $(date -u -r "$BASE" '+%F %T') UTC)"
  echo "ripgrep:  $(rg --version | sed -n 1p)"
  echo "corpus:   $CORPUS_MB MB (1 MB = 10^6 bytes) in $CORPUS_FILES files: $CORPUS_TREES"
  echo "          (hard links to Debian's installed trees; keysweep saw: $KS_SUMMARY;"
  echo "           rg --files --no-ignore --hidden -uuu lists $RG_FILES files)"
  echo "patterns: ripgrep accepted $PATTERNS_RG of $PATTERNS_ALL rule patterns (compile check: rg -e PAT /dev/null)"
  [[ -z $REJECTED ]] || printf 'rejected by ripgrep:\n%s' "$REJECTED"
  echo "jobs:     $JOBS;  runs: $RUNS each, interleaved, after one untimed read of every file; median wall time"
  echo
  echo "commands:"
  echo "  keysweep:  $CMD_KEYSWEEP"
  [[ -z $BASE ]] || echo "  base:      $CMD_BASE"
  echo "  ripgrep:   $CMD_RG"
  [[ -z $RG_LIMIT ]] || echo "             ($RG_LIMIT: the whole set exceeds rg's default 100 MB compiled-size limit)"
  echo "  rg-ascii:  $CMD_RG_ASCII   (patterns-ascii.txt = each pattern prefixed with (?-u))"
  echo "  read-only: $CMD_READ"
  echo "  read-floor: $CMD_FLOOR   (bench/suite/read_files.cc; read $FLOOR_SEEN files/bytes)"
  [[ -z $CMD_RAW ]] || echo "  raw-hs:    $CMD_RAW   ($(tr '\n' ' ' < "$WORK/raw-hs.txt"))"
  [[ -z $CMD_HEADS ]] || echo "  hs-heads:  $CMD_HEADS   ($(tr '\n' ' ' < "$WORK/hs-heads.txt"))"
  echo
  [[ $CAPPED == " " ]] || echo "STOPPED at the ${RG_CAP}s cap (-t):$CAPPED- wall and MB/s are bounds, ratios against them lower bounds."
  echo "wall = median wall time; MB/s = corpus MB / wall; CPU = median user+sys seconds of all threads"
  echo "and processes (less disturbed by other load than wall time); RSS = highest peak over the runs."
  printf '%-10s %9s %9s %8s %9s   %s\n' "" "wall s" "MB/s" "CPU s" "RSS MiB" "runs (wall s @ 1-min load)"
  for n in $ROWS; do
    case $n in keysweep) t=$T_KS ;; base) t=$T_BASE ;; rg) t=$T_RG ;; rg-ascii) t=$T_RGA ;; read) t=$T_READ ;;
               read-floor) t=$T_FLOOR ;; raw-hs) t=$T_RAW ;; hs-heads) t=$T_HEADS ;; esac
    rss=""; [[ $n == read* ]] || rss=$(peak_rss_mib $n)
    printf '%-10s %9s %9s %8s %9s   %s\n' "$n" "$t" "$(mbs "$CORPUS_BYTES" "$t")" "$(cpu $n)" "${rss:--}" \
      "$(runs $n)"
  done
  echo
  echo "throughput ratios        by wall time   by CPU seconds (the same work per CPU second)"
  [[ -z $BASE ]] || printf '%-24s %10sx %12sx   %s\n' \
    "keysweep / base" "$(ratio "$T_KS" "$T_BASE")" "$(ratio "$(cpu keysweep)" "$(cpu base)")" "after / before" \
    "base / read-floor" "$(ratio "$T_BASE" "$T_FLOOR")" "$(ratio "$(cpu base)" "$(cpu read-floor)")" ""
  [[ -z $BASE || -z $CMD_RAW ]] || printf '%-24s %10sx %12sx   %s\n' \
    "base / raw-hs" "$(ratio "$T_BASE" "$T_RAW")" "$(ratio "$(cpu base)" "$(cpu raw-hs)")" ""
  printf '%-24s %10sx %12sx   %s\n' \
    "keysweep / rg" "$(ratio "$T_KS" "$T_RG")" "$(ratio "$(cpu keysweep)" "$(cpu rg)")" "target >= 30x" \
    "keysweep / rg (?-u)" "$(ratio "$T_KS" "$T_RGA")" "$(ratio "$(cpu keysweep)" "$(cpu rg-ascii)")" "" \
    "keysweep / read (cat)" "$(ratio "$T_KS" "$T_READ")" "$(ratio "$(cpu keysweep)" "$(cpu read)")" "target >= 0.50x" \
    "keysweep / read-floor" "$(ratio "$T_KS" "$T_FLOOR")" "$(ratio "$(cpu keysweep)" "$(cpu read-floor)")" "target >= 0.50x"
  [[ -z $CMD_RAW ]] || printf '%-24s %10sx %12sx   %s\n' \
    "keysweep / raw-hs" "$(ratio "$T_KS" "$T_RAW")" "$(ratio "$(cpu keysweep)" "$(cpu raw-hs)")" "the matching floor" \
    "raw-hs / read-floor" "$(ratio "$T_RAW" "$T_FLOOR")" "$(ratio "$(cpu raw-hs)" "$(cpu read-floor)")" ""
  [[ -z $CMD_HEADS ]] || printf '%-24s %10sx %12sx   %s\n' \
    "keysweep / hs-heads" "$(ratio "$T_KS" "$T_HEADS")" "$(ratio "$(cpu keysweep)" "$(cpu hs-heads)")" "keysweep's own matching floor" \
    "hs-heads / read-floor" "$(ratio "$T_HEADS" "$T_FLOOR")" "$(ratio "$(cpu hs-heads)" "$(cpu read-floor)")" ""
} > "$WORK/result.txt"
publish "$WORK/result.txt"
