#!/usr/bin/env bash
# Every benchmark, for `make bench` (which builds the release preset first): the Google Benchmark
# micro-benchmarks, then the peer suite. Each writes a dated file under bench/results/.
# Environment: BENCH_BUILD (default build/release), BENCH_JOBS (default 2), BENCH_RUNS (default 3).
# Timings are only worth keeping on an otherwise idle machine: the load is printed with each result.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build/release}
JOBS=${BENCH_JOBS:-2}
RUNS=${BENCH_RUNS:-3}
DAY=$(date -u +%F)
mkdir -p "$ROOT/bench/results"

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) on $(nproc) cores"
shopt -s nullglob
micro=("$BUILD"/bench/micro/*_bench)
if ((${#micro[@]} == 0)); then
  echo "no micro-benchmarks in $BUILD/bench/micro (configure with -DKEYSWEEP_BENCH=ON)" >&2
  exit 1
fi
MICRO_OUT=$ROOT/bench/results/$DAY-micro.txt
{
  echo "keysweep micro-benchmarks, $(date -u '+%F %T') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$MICRO_OUT"
for b in "${micro[@]}"; do
  echo "== $(basename "$b")"
  "$b" --benchmark_min_time=1 2>&1 | tee -a "$MICRO_OUT"
done
echo "written: $MICRO_OUT"

echo "== scan throughput suite"
bash "$ROOT/bench/suite/scan_throughput.sh" -j "$JOBS" -r "$RUNS" -k "$BUILD/src/cli/keysweep"
