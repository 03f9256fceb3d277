#!/usr/bin/env bash
# A pack above 4 GiB (issue 16): `keysweep scan --git` on a repository whose one pack holds 4.5 GiB
# of random binary blobs and then, past the 4 GiB mark, a .env with a fake GitHub token and a
# delta of it adding a fake AWS key id (bench/suite/make_git_big_pack.py; generated once, cached
# with the fake values beside it). Checks that both are found at the commits that added them,
# through keysweep's pack reader and through libgit2, and reports wall time, CPU seconds, peak RSS
# (which counts the pack's mapped pages) and peak anonymous memory of each reader.
#
# Usage: bench/suite/git_big_pack.sh [-j JOBS] [-r RUNS] [-k KEYSWEEP] [-g REPO] [-o FILE | -n]
#   -g REPO   the repository (default build/bench-git/big-pack.git, generated when missing)
#   -n        print only, write no result file (default bench/results/YYYY-MM-DD-git-big-pack.txt)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JOBS=2
RUNS=1
KEYSWEEP=$ROOT/build/release/src/cli/keysweep
REPO=$ROOT/build/bench-git/big-pack.git
RESULT=$ROOT/bench/results/$(date -u +%F)-git-big-pack.txt
WRITE_RESULT=1
while getopts "j:r:k:g:o:nh" opt; do
  case $opt in
    j) JOBS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    k) KEYSWEEP=$OPTARG ;;
    g) REPO=$OPTARG ;;
    o) RESULT=$OPTARG ;;
    n) WRITE_RESULT=0 ;;
    *) usage ;;
  esac
done

require_keysweep_and_time
FAKES=$REPO.fakes.json
if [[ ! -d $REPO ]]; then
  echo "$BENCH_NAME: generating $REPO (a pack above 4 GiB; about a minute)" >&2
  mkdir -p "$(dirname "$REPO")"
  python3 "$ROOT/bench/suite/make_git_big_pack.py" "$REPO" > "$FAKES.tmp"
  mv "$FAKES.tmp" "$FAKES"
fi
[[ -s $FAKES ]] || die "$FAKES is missing: remove $REPO to generate both again"
REPO=$(realpath "$REPO")
make_work gitbigpack
PACK=$(ls "$REPO"/objects/pack/*.pack)
PACK_BYTES=$(stat -c %s "$PACK")
(( PACK_BYTES > 4 * 1024 * 1024 * 1024 )) || die "$PACK is $PACK_BYTES bytes, not above 4 GiB"
# Where the .env objects sit in the pack (git's own reading of the index).
OFFSETS=$(git -C "$REPO" rev-parse main~1:config/.env main:config/.env |
  while read -r id; do git show-index < "${PACK%.pack}.idx" | awk -v id="$id" '$2 == id {print $1}'; done | paste -sd' ')

# Both fake values found, each at the commit that added it.
check() {
  /usr/bin/python3 - "$1" "$FAKES" "$(git -C "$REPO" rev-parse main~1)" "$(git -C "$REPO" rev-parse main)" <<'EOF'
import json, sys
report, fakes, first, second = sys.argv[1:]
found = {}
for line in open(report):
    f = json.loads(line)
    if f.get("type") == "finding":
        found[f["rule_id"]] = (f["location"]["path"], f["location"]["git"]["commit"])
want = {"github.pat_classic": ("config/.env", first), "aws.access_key_id": ("config/.env", second)}
missing = {k: v for k, v in want.items() if found.get(k) != v}
if missing:
    sys.exit(f"expected findings missing or misplaced: {missing}; found {found}")
EOF
}

READERS=(pack libgit2)
for ((i = 0; i < RUNS; i++)); do
  for reader in "${READERS[@]}"; do
    KEYSWEEP_GIT_READER=$reader time_run "$reader" "$KEYSWEEP" scan --git --jobs "$JOBS" --format jsonl \
      --exit-zero -q --show-secrets --output "$WORK/$reader.jsonl" "$REPO"
    check "$WORK/$reader.jsonl" || die "$reader: the findings past 4 GiB are not right"
  done
done
declare -A ANON
for reader in "${READERS[@]}"; do
  ANON[$reader]=$(KEYSWEEP_GIT_READER=$reader peak_anon_kib "$KEYSWEEP" scan --git --jobs "$JOBS" --format jsonl \
    --exit-zero -q --output "$WORK/anon.jsonl" "$REPO")
done

{
  echo "keysweep scan --git on a pack above 4 GiB, $(date -u '+%F %T UTC')"
  echo
  echo "machine:  $(machine)"
  echo "commit:   $(commit); binary modified $(date -u -r "$KEYSWEEP" '+%F %T UTC')"
  echo "repo:     $REPO: $(git -C "$REPO" rev-list --all --count) commits; pack $PACK_BYTES bytes"
  echo "          (.env objects at pack offsets $OFFSETS: beyond 2^32 = 4294967296)"
  echo "command:  KEYSWEEP_GIT_READER=READER $KEYSWEEP scan --git --jobs $JOBS --format jsonl --exit-zero -q --show-secrets --output OUT $REPO"
  echo "check:    both fake credentials found at the commits that added them (every run, both readers)"
  echo
  echo "RSS = peak resident set (GNU time), which counts the pack's mapped file pages (clean page cache"
  echo "the kernel can drop); anon = peak RssAnon sampled every 50 ms in one more run: memory of keysweep's own."
  printf '%-10s %8s %8s %10s %10s   %s\n' reader "wall s" "CPU s" "RSS MiB" "anon MiB" "runs (wall s @ 1-min load)"
  for reader in "${READERS[@]}"; do
    printf '%-10s %8s %8s %10s %10s   %s\n' "$reader" "$(wall "$reader")" "$(cpu "$reader")" "$(peak_rss_mib "$reader")" \
      "$(awk -v k="${ANON[$reader]}" 'BEGIN {printf "%.1f", k / 1024}')" "$(runs "$reader")"
  done
} > "$WORK/report.txt"
publish "$WORK/report.txt"
