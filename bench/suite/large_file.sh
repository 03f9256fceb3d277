#!/usr/bin/env bash
# One large plain file (issue 16.2): a generated log of SIZE_GIB GiB (log lines with a fake AWS key
# id in its last line), against the limit on the same file in the same sitting:
#   keysweep     keysweep scan --jobs J: the file in 64 MiB windows shared by J workers
#   keysweep-j1  the same with one worker: what a large file got before (one file, one thread)
#   read         cat FILE > /dev/null: reading the file, nothing else
#   rg           rg -j J -c -F AKIA FILE: a literal search with ripgrep, the floor of any matcher
#   baseline     with -b: an older keysweep binary with --max-file-size 64G (it skipped files over
#                512 MiB by default, and mapped a large file whole for one worker)
# Runs are interleaved after one untimed read (page cache warm: the file fits in memory on the
# benchmark machine); figures are medians. Peak RSS is /usr/bin/time's %M (the "Maximum resident
# set size" of time -v). keysweep's last finding is checked: one, at the file's last line.
#
# Usage: bench/suite/large_file.sh [-s SIZE_GIB] [-j JOBS] [-r RUNS] [-k KEYSWEEP] [-b BASELINE]
#                                  [-o RESULT_FILE | -n]
#   -s SIZE_GIB  size of the generated file in GiB (default 2); it is made under $TMPDIR (default
#                /tmp) and deleted at the end
#   -j JOBS      keysweep's workers, rg's threads (default 2)
#   -r RUNS      timed runs of each (default 3)
#   -k KEYSWEEP  the binary (default build/release/src/cli/keysweep)
#   -b BASELINE  an older binary to measure in the same sitting (e.g. built from main)
#   -o FILE      where to write the result (default bench/results/YYYY-MM-DD-large-file.txt)
#   -n           print only, write no result file
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZE_GIB=2
JOBS=2
RUNS=3
KEYSWEEP=$ROOT/build/release/src/cli/keysweep
RESULT=$ROOT/bench/results/$(date -u +%F)-large-file.txt
WRITE_RESULT=1
BASELINE=""
while getopts "s:j:r:k:b:o:nh" opt; do
  case $opt in
    s) SIZE_GIB=$OPTARG ;;
    j) JOBS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    k) KEYSWEEP=$OPTARG ;;
    b) BASELINE=$(realpath "$OPTARG") ;;
    o) RESULT=$OPTARG ;;
    n) WRITE_RESULT=0 ;;
    *) usage ;;
  esac
done
require_keysweep_and_time
command -v rg >/dev/null || die "ripgrep (rg) is not installed (Debian package ripgrep)"
make_work large-file
COMMIT=$(commit)
COMMIT+="; binary modified $(date -u -r "$KEYSWEEP" '+%F %T') UTC"

# --- the file: an 8 MiB block of log lines, repeated, then one line with a fake key id ---------
FILE=$WORK/big.log
python3 - "$WORK/block.log" <<'PY'
import random, sys
rng = random.Random(16)
paths = ["/api/v1/users", "/api/v1/orders", "/healthz", "/static/app.js", "/login", "/api/v2/search"]
with open(sys.argv[1], "w") as f:
    size = 0
    while size < 8 << 20:
        line = (f"2026-12-07T02:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z INFO req={rng.getrandbits(64):016x} "
                f"GET {rng.choice(paths)}?page={rng.randrange(100)} status={rng.choice([200, 200, 200, 304, 404, 500])} "
                f"bytes={rng.randrange(100000)} ms={rng.randrange(2000)} ua=\"Mozilla/5.0 (X11; Linux x86_64)\"\n")
        f.write(line)
        size += len(line)
PY
df -h "$WORK" | tail -n 1 >&2
for ((i = 0; i < SIZE_GIB * 128; i++)); do cat "$WORK/block.log"; done > "$FILE"
# Fake, of the right shape (tests/fixtures/fake_credentials.py style): issued by nobody.
echo 'aws_access_key_id = AKIA2E4RTQ5NB7XKW3JM' >> "$FILE"
BYTES=$(stat -c %s "$FILE")
LINES=$(wc -l < "$FILE")
rm -f "$WORK/block.log"

CMD_KS="$KEYSWEEP scan --jobs $JOBS --format jsonl --exit-zero -q --output /dev/null $FILE"
CMD_KS1="$KEYSWEEP scan --jobs 1 --format jsonl --exit-zero -q --output /dev/null $FILE"
CMD_READ="cat $FILE > /dev/null"
CMD_RG="rg -j $JOBS -c -F AKIA $FILE > /dev/null"
CMD_BASE="$BASELINE scan --jobs $JOBS --max-file-size 64G --format jsonl --exit-zero -q --output /dev/null $FILE"
ROWS="keysweep keysweep-j1 read rg"
[[ -z $BASELINE ]] || ROWS+=" baseline"

echo "warming the page cache..."
bash -c "$CMD_READ"
"$KEYSWEEP" scan --jobs "$JOBS" --format json --exit-zero -q "$FILE" > "$WORK/findings.json"
CHECK=$(python3 - "$WORK/findings.json" "$LINES" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
f = doc["findings"]
ok = len(f) == 1 and f[0]["location"]["line"] == int(sys.argv[2])
print(("ok" if ok else "WRONG") + f": {len(f)} finding(s), line {[x['location']['line'] for x in f]} of {sys.argv[2]}; "
      f"summary bytes_scanned {doc['summary']['bytes_scanned']}")
PY
)
echo "check: $CHECK"

for ((i = 1; i <= RUNS; i++)); do
  echo "run $i/$RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
  time_run keysweep bash -c "$CMD_KS"
  time_run keysweep-j1 bash -c "$CMD_KS1"
  time_run read bash -c "$CMD_READ"
  time_run rg bash -c "$CMD_RG" || [[ $? -eq 1 ]]
  [[ -z $BASELINE ]] || time_run baseline bash -c "$CMD_BASE"
done
rm -f "$FILE"

{
  echo "keysweep on one large plain file, $(date -u '+%F %T') UTC"
  echo
  echo "machine:  $(machine)"
  echo "load:     1/5/15-min load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (per-run 1-min load below)"
  echo "commit:   HEAD at start $COMMIT"
  echo "file:     $(awk -v b="$BYTES" 'BEGIN {printf "%.1f MB", b / 1e6}') ($BYTES bytes, $LINES lines): generated log lines, a fake AWS key id on the last line"
  echo "check:    $CHECK"
  echo "jobs:     $JOBS;  runs: $RUNS each, interleaved, page cache warm; median wall time"
  echo
  echo "commands:"
  echo "  keysweep:    $CMD_KS"
  echo "  keysweep-j1: $CMD_KS1"
  echo "  read:        $CMD_READ"
  echo "  rg:          $CMD_RG"
  [[ -z $BASELINE ]] || echo "  baseline:    $CMD_BASE   ($("$BASELINE" --version 2>/dev/null | sed -n 1p), modified $(date -u -r "$BASELINE" '+%F %T') UTC)"
  echo
  echo "wall = median wall time; MB/s = file MB / wall; CPU = median user+sys seconds of all threads;"
  echo "RSS = highest peak over the runs (/usr/bin/time %M, the 'Maximum resident set size' of time -v)."
  printf '%-12s %9s %9s %8s %9s   %s\n' "" "wall s" "MB/s" "CPU s" "RSS MiB" "runs (wall s @ 1-min load)"
  for n in $ROWS; do
    t=$(wall $n)
    printf '%-12s %9s %9s %8s %9s   %s\n' "$n" "$t" "$(mbs "$BYTES" "$t")" "$(cpu $n)" "$(peak_rss_mib $n)" "$(runs $n)"
  done
  echo
  echo "keysweep / keysweep-j1: $(ratio "$(wall keysweep)" "$(wall keysweep-j1)")x by wall time"
  echo "keysweep / read:        $(ratio "$(wall keysweep)" "$(wall read)")x by wall time, $(ratio "$(cpu keysweep)" "$(cpu read)")x by CPU"
  [[ -z $BASELINE ]] || echo "keysweep / baseline:    $(ratio "$(wall keysweep)" "$(wall baseline)")x by wall time, $(ratio "$(cpu keysweep)" "$(cpu baseline)")x by CPU"
} > "$WORK/result.txt"
publish "$WORK/result.txt"
