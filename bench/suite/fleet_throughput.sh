#!/usr/bin/env bash
# Fleet scan end to end: a generated fleet of APK-shaped apps (bench/fleet/generate_fleet.py: real
# manifests, DEX, v2 signatures from 40 publishers, SDK- and publisher-shared credentials, ~1%
# malformed files) scanned into a fresh SQLite datastore, then reported:
#   scan:    keysweep scan --datastore DB --metadata metadata.csv -j JOBS -q --progress never
#            --exit-zero apps        (run under /usr/bin/time -v)
#   report:  keysweep report --datastore DB --deterministic  (JSON, then --format html)
# Prints apps/s, MB/s, peak RSS, the malformed inputs the report lists, and the time 20,098 apps
# of a realistic mean size would take at the measured MB/s (the mean is -m, default 15 MB: the
# average Android app in 2017, when the 20,098-app study ran, was 11.5 MB over all apps and
# 14.6 MB for apps released that month; SweetPricing's store survey).
#
# The fleet (build/fleet-N, built once and reused: the generator keeps a stamp) has mean size
# ~1.5 MB, not 15 MB: writing 30 GB of fixtures would measure the disk, not keysweep. One untimed
# `cat` warms the page cache, so the figures are CPU-bound, as on a machine whose disk keeps up.
#
# Usage: bench/suite/fleet_throughput.sh [-a APPS] [-j JOBS] [-m MEAN_MB] [-k KEYSWEEP] [-o FILE | -n]
#   -a APPS      fleet size, malformed files included (default 2000)
#   -j JOBS      scan threads (default 2)
#   -m MEAN_MB   mean app size for the 20,098-app extrapolation (default 15)
#   -k KEYSWEEP  default build/release/src/cli/keysweep
#   -o FILE      result file (default bench/results/YYYY-MM-DD-fleet-throughput.txt); -n: print only
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APPS=2000
JOBS=2
MEAN_MB=15
KEYSWEEP=$ROOT/build/release/src/cli/keysweep
RESULT=$ROOT/bench/results/$(date -u +%F)-fleet-throughput.txt
WRITE_RESULT=1
while getopts "a:j:m:k:o:nh" opt; do
  case $opt in
    a) APPS=$OPTARG ;;
    j) JOBS=$OPTARG ;;
    m) MEAN_MB=$OPTARG ;;
    k) KEYSWEEP=$OPTARG ;;
    o) RESULT=$OPTARG ;;
    n) WRITE_RESULT=0 ;;
    *) usage ;;
  esac
done

require_keysweep_and_time
FLEET=$ROOT/build/fleet-$APPS
/usr/bin/python3 "$ROOT/bench/fleet/generate_fleet.py" --out "$FLEET" --apps "$APPS"

make_work fleet-bench
work=$WORK
db=$work/fleet.db
cd "$FLEET"
files=$(find apps -type f | wc -l)
bytes=$(tree_bytes apps)
find apps -type f -exec cat {} + >/dev/null  # warm the page cache
load_start=$(uptime)
scan_cmd=("$KEYSWEEP" scan --datastore "$db" --metadata metadata.csv -j "$JOBS" -q --progress never
          --exit-zero apps)
/usr/bin/time -v -o "$work/scan.time" "${scan_cmd[@]}" >"$work/scan.out" 2>"$work/scan.err" ||
  die "scan failed: $(tail -5 "$work/scan.err")"
report_cmd=("$KEYSWEEP" report --datastore "$db" --deterministic -o "$work/report.json")
/usr/bin/time -v -o "$work/report.time" "${report_cmd[@]}" || die "report failed"
/usr/bin/time -v -o "$work/html.time" "$KEYSWEEP" report --datastore "$db" --format html \
  -o "$work/report.html" || die "report --format html failed"
load_end=$(uptime)

field() { sed -n "s/^\s*$2: //p" "$1"; }
seconds() {  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.03" -> 62.03
  field "$1" "Elapsed (wall clock) time (h:mm:ss or m:ss)" |
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }'
}
scan_s=$(seconds "$work/scan.time")
scan_cpu=$(awk -v u="$(field "$work/scan.time" "User time (seconds)")" \
               -v s="$(field "$work/scan.time" "System time (seconds)")" 'BEGIN { print u + s }')
scan_rss_kb=$(field "$work/scan.time" "Maximum resident set size (kbytes)")
report_s=$(seconds "$work/report.time")
report_rss_kb=$(field "$work/report.time" "Maximum resident set size (kbytes)")
html_s=$(seconds "$work/html.time")
read -r inputs findings < <(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM inputs),
  (SELECT COUNT(*) FROM findings WHERE pair_id IS NULL)" | tr '|' ' ')
summary=$(/usr/bin/python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, kinds = r["summary"], {}
for p in r["problem_inputs"]:
    kinds[p["status"]] = kinds.get(p["status"], 0) + 1
print(f'{s["apps"]} apps, {s["credentials"]} credentials ({s["reused_credentials"]} in 2+ apps, '
      f'{s["multi_signer_credentials"]} under several signers), {len(r["problem_inputs"])} inputs '
      f'not fully read ({", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))})')
PY
)

out=$(awk -v files="$files" -v bytes="$bytes" -v s="$scan_s" -v cpu="$scan_cpu" -v rss="$scan_rss_kb" \
          -v mean="$MEAN_MB" -v rs="$report_s" -v rrss="$report_rss_kb" -v hs="$html_s" -v jobs="$JOBS" 'BEGIN {
  mbps = bytes / 1e6 / s
  printf "scan:     %d files, %.1f MB (mean %.2f MB) in %.2f s wall, %.2f CPU s\n", files, bytes / 1e6, bytes / 1e6 / files, s, cpu
  printf "          %.1f apps/s, %.1f MB/s, peak RSS %.1f MiB\n", files / s, mbps, rss / 1024
  t = 20098 * mean / mbps
  printf "20,098 apps x %s MB = %.1f GB at %.1f MB/s: %.0f s = %.1f min (%d jobs; by apps/s alone: %.1f min)\n", mean, 20098 * mean / 1000, mbps, t, t / 60, jobs, 20098 / (files / s) / 60
  # On a loaded machine wall time measures the neighbours; CPU seconds measure keysweep.
  cpumb = bytes / 1e6 / cpu
  tc = 20098 * mean / (cpumb * jobs)
  printf "          by CPU time: %.1f MB per CPU s; with %d idle cores: %.0f s = %.1f min\n", cpumb, jobs, tc, tc / 60
  printf "report:   JSON %.2f s (peak RSS %.1f MiB), HTML %.2f s\n", rs, rrss / 1024, hs
}')

text=$(cat <<EOF
keysweep fleet throughput, $(date -u '+%F %T UTC')

machine:  $(machine)
uptime:   at start: $load_start
          at end:   $load_end
commit:   $(commit); keysweep $(stat -c %y "$KEYSWEEP" | cut -d. -f1)
fleet:    $FLEET (bench/fleet/generate_fleet.py --apps $APPS; page cache warm)
          stored: $inputs inputs, $findings top-level findings
          report: $summary

commands (in $FLEET):
  scan:   ${scan_cmd[*]/$db/DB}
  report: $KEYSWEEP report --datastore DB --deterministic -o report.json;  the same with --format html

$out
EOF
)
echo "$text" >"$work/result.txt"
publish "$work/result.txt"
