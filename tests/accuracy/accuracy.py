#!/usr/bin/python3
"""Accuracy of keysweep's rules over a labelled corpus of credential snippets.

Each corpus line is a JSON object {provider, label, kind, text, source} where kind is "positive"
(a scanner should report a credential in text) or "negative" (it should not). Every snippet is
written to its own file in a temporary directory, ONE `keysweep scan --format jsonl` runs over the
directory, and findings are mapped back to snippets by file name. The script prints recall on
positives and the false-positive rate on negatives, per provider and overall, and exits non-zero
when either misses its threshold.

Run with Debian's /usr/bin/python3 (standard library only):
  accuracy.py --keysweep build/dev/keysweep [--corpus FILE] [--misses]
"""
import argparse
import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_CORPUS = os.path.join(REPO_ROOT, "..", "shared", "corpora", "credential-examples.jsonl")
BUNDLED_CORPUS = os.path.join(REPO_ROOT, "tests", "data", "credential-examples.jsonl")
# Corpus positives that keysweep deliberately does not report, each with its reason: identifiers
# that grant nothing (ARNs, bucket names, user names), documented placeholders and filler values,
# and tokens that fail their provider's own checksum. They are listed, counted and printed; the
# recall threshold applies to the remaining positives, and raw recall is always printed beside it.
DISAGREEMENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "disagreements.jsonl")
FIELDS = ("provider", "label", "kind", "text", "source")


class UsageError(Exception):
    """A problem with the inputs (corpus, binary, output format) rather than with accuracy."""


def default_corpus():
    # The shared corpus is the reference when a machine has it; the bundled rebuild keeps the test
    # runnable everywhere else (CI clones do not always carry shared/ data files).
    return SHARED_CORPUS if os.path.isfile(SHARED_CORPUS) else BUNDLED_CORPUS


def load_corpus(path):
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise UsageError(f"{path}:{n}: not JSON: {e}") from None
                missing = [k for k in FIELDS if not isinstance(row.get(k), str)]
                if missing:
                    raise UsageError(f"{path}:{n}: missing or non-string field(s): {', '.join(missing)}")
                if row["kind"] not in ("positive", "negative"):
                    raise UsageError(f"{path}:{n}: kind must be positive or negative, not {row['kind']!r}")
                rows.append(row)
    except OSError as e:
        raise UsageError(f"cannot read corpus {path}: {e.strerror}") from None
    if not rows:
        raise UsageError(f"corpus {path} has no snippets")
    return rows


def snippet_name(index):
    return f"snippet-{index:04d}.txt"


def finding_file_names(finding):
    """Base names of every on-disk path a finding (and a paired finding's parts) points at."""
    names = set()
    stack = [finding]
    while stack:
        f = stack.pop()
        loc = f.get("location") or {}
        for p in [loc.get("path")] + list(loc.get("chain") or [])[:1]:
            if isinstance(p, str) and p:
                names.add(os.path.basename(p))
        stack.extend(part for part in (f.get("parts") or []) if isinstance(part, dict))
    return names


def run_scan(keysweep, directory, timeout):
    cmd = [keysweep, "scan", "--format", "jsonl", "--exit-zero", "-q", directory]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise UsageError(f"keysweep binary not found: {keysweep}") from None
    except PermissionError:
        raise UsageError(f"keysweep binary is not executable: {keysweep}") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"`{' '.join(cmd)}` did not finish within {timeout} s") from None
    if proc.returncode != 0:
        hint = ""
        if "jsonl" in proc.stderr or "format" in proc.stderr:
            hint = " (does this keysweep support `scan --format jsonl`?)"
        raise UsageError(f"`{' '.join(cmd)}` exited {proc.returncode}{hint}:\n{proc.stderr.strip()}")
    findings = []
    for n, line in enumerate(proc.stdout.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            raise UsageError(f"keysweep output line {n} is not JSON (is --format jsonl implemented?): "
                             f"{line[:80]!r}") from None
        if isinstance(obj, dict) and obj.get("type", "finding") == "finding" and "rule_id" in obj:
            if not isinstance(obj.get("location"), dict):
                raise UsageError(f"keysweep output line {n}: finding has no location object")
            findings.append(obj)
    return findings


def redact(text):
    # The snippets are credential-shaped: show only enough to find the line in the corpus, and
    # never more than half of a short snippet (a bare token would otherwise be shown whole).
    keep = min(20, len(text) // 2)
    return json.dumps(text[:keep], ensure_ascii=False) + "…"


def load_disagreements(path):
    """sha256_16 of a snippet's text -> category."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            entries = [json.loads(line) for line in f if line.strip()]
    except OSError as e:
        raise SystemExit(f"accuracy: error: cannot read {path}: {e.strerror}")
    for e in entries:
        # identifier/placeholder/invalid: a positive keysweep does not report on purpose;
        # credential: a negative it reports on purpose (a hardcoded secret the suite's own rule
        # format does not accept).
        if not e.get("reason") or e.get("category") not in ("identifier", "placeholder", "invalid", "credential"):
            raise SystemExit(f"accuracy: error: {path}: every entry needs a category and a reason: {e}")
    return {e["sha256_16"]: e["category"] for e in entries}


def rate(num, den):
    return num / den if den else 0.0


def pct(num, den):
    return f"{100.0 * num / den:5.1f}%" if den else "    -"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keysweep", required=True, help="path to the keysweep binary")
    ap.add_argument("--corpus", help="labelled JSONL corpus (default: ../shared/corpora/"
                    "credential-examples.jsonl if present, else tests/data/credential-examples.jsonl)")
    ap.add_argument("--min-recall", type=float, default=0.99,
                    help="fail when recall on the positives not set aside in the disagreements file is below this (default 0.99)")
    ap.add_argument("--max-fp-rate", type=float, default=0.05,
                    help="fail when more than this share of the negatives not set aside is reported (default 0.05)")
    ap.add_argument("--misses", action="store_true",
                    help="list the positives missed and the negatives reported (redacted)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds allowed for the scan")
    ap.add_argument("--disagreements", default=DISAGREEMENTS,
                    help="JSONL of positives deliberately not reported (sha256_16, category, reason); "
                         "'' for none")
    args = ap.parse_args(argv)

    corpus = os.path.abspath(args.corpus) if args.corpus else default_corpus()
    try:
        rows = load_corpus(corpus)
        print(f"corpus: {corpus} ({len(rows)} snippets)")
        with tempfile.TemporaryDirectory(prefix="keysweep-accuracy-") as tmp:
            for i, row in enumerate(rows):
                with open(os.path.join(tmp, snippet_name(i)), "w", encoding="utf-8") as f:
                    f.write(row["text"])
            findings = run_scan(args.keysweep, tmp, args.timeout)
    except UsageError as e:
        print(f"accuracy: error: {e}", file=sys.stderr)
        return 2

    index_of = {snippet_name(i): i for i in range(len(rows))}
    rules_by_snippet = collections.defaultdict(set)
    unmapped = 0
    for f in findings:
        hits = [index_of[n] for n in finding_file_names(f) if n in index_of]
        if not hits:
            unmapped += 1
        for i in hits:
            rules_by_snippet[i].add(f["rule_id"])
    if findings and unmapped == len(findings):
        print(f"accuracy: error: none of the {len(findings)} findings points at a snippet file "
              "(location.path / location.chain)", file=sys.stderr)
        return 2

    stats = collections.defaultdict(lambda: [0, 0, 0, 0])  # pos, found, neg, reported
    for i, row in enumerate(rows):
        s = stats[row["provider"]]
        if row["kind"] == "positive":
            s[0] += 1
            s[1] += i in rules_by_snippet
        else:
            s[2] += 1
            s[3] += i in rules_by_snippet

    width = max(12, max(len(p) for p in stats))
    print(f"\n{'provider':<{width}} {'pos':>5} {'found':>5} {'recall':>7}   {'neg':>5} {'reported':>8} {'fp rate':>7}")
    for provider in sorted(stats):
        p, fd, n, rp = stats[provider]
        print(f"{provider:<{width}} {p:>5} {fd:>5} {pct(fd, p):>7}   {n:>5} {rp:>8} {pct(rp, n):>7}")
    tp = sum(s[0] for s in stats.values())
    tf = sum(s[1] for s in stats.values())
    tn = sum(s[2] for s in stats.values())
    tr = sum(s[3] for s in stats.values())
    print(f"{'TOTAL':<{width}} {tp:>5} {tf:>5} {pct(tf, tp):>7}   {tn:>5} {tr:>8} {pct(tr, tn):>7}")
    if unmapped:
        print(f"({unmapped} finding(s) did not point at a snippet file and were ignored)")

    by_misses = sorted(((s[0] - s[1], prov) for prov, s in stats.items() if s[0] > s[1]), reverse=True)
    if by_misses:
        print("most missed positives: " + ", ".join(f"{prov} {m}" for m, prov in by_misses[:10]))

    if args.misses:
        print("\npositives missed:")
        for i, row in enumerate(rows):
            if row["kind"] == "positive" and i not in rules_by_snippet:
                print(f"  {snippet_name(i)}  {row['provider']:<{width}} {row['label']}: {redact(row['text'])}")
        print("\nnegatives reported:")
        for i, row in enumerate(rows):
            if row["kind"] == "negative" and i in rules_by_snippet:
                rules = ", ".join(sorted(rules_by_snippet[i]))
                print(f"  {snippet_name(i)}  {row['provider']:<{width}} {row['label']}: {redact(row['text'])}"
                      f"  <- {rules}")

    disputed = load_disagreements(args.disagreements)
    def disputed_as(row):
        return disputed.get(hashlib.sha256(row["text"].encode()).hexdigest()[:16])
    disputed_rows = [i for i, row in enumerate(rows) if row["kind"] == "positive" and
                     disputed_as(row) not in (None, "credential")]
    disputed_neg = [i for i, row in enumerate(rows) if row["kind"] == "negative" and
                    disputed_as(row) == "credential"]
    by_category = collections.Counter(disputed[hashlib.sha256(rows[i]["text"].encode()).hexdigest()[:16]]
                                      for i in disputed_rows)
    judged_pos = tp - len(disputed_rows)
    judged_found = tf - sum(1 for i in disputed_rows if i in rules_by_snippet)

    recall, fp_rate = rate(tf, tp), rate(tr, tn)
    judged_recall = rate(judged_found, judged_pos)
    judged_neg = tn - len(disputed_neg)
    judged_reported = tr - sum(1 for i in disputed_neg if i in rules_by_snippet)
    judged_fp_rate = rate(judged_reported, judged_neg)
    failures = []
    if judged_pos and judged_recall < args.min_recall:
        failures.append(f"recall {100 * judged_recall:.1f}% is below {100 * args.min_recall:.1f}%")
    if judged_neg and judged_fp_rate > args.max_fp_rate:
        failures.append(f"false-positive rate {100 * judged_fp_rate:.1f}% is above {100 * args.max_fp_rate:.1f}%")
    print(f"\noverall: recall {100 * recall:.1f}% ({tf}/{tp}), false positives {100 * fp_rate:.1f}% ({tr}/{tn})")
    if disputed_rows:
        cats = ", ".join(f"{n} {c}" for c, n in sorted(by_category.items()))
        print(f"deliberately not reported: {len(disputed_rows)} positives ({cats}; "
              f"reasons in {os.path.relpath(args.disagreements, REPO_ROOT)})")
        print(f"recall on the other positives: {100 * judged_recall:.1f}% ({judged_found}/{judged_pos})")
    if disputed_neg:
        print(f"reported on purpose: {len(disputed_neg)} negatives (category credential; reasons in "
              f"{os.path.relpath(args.disagreements, REPO_ROOT)})")
        print(f"false positives on the other negatives: {100 * judged_fp_rate:.1f}% "
              f"({judged_reported}/{judged_neg})")
    if failures:
        print("FAIL: " + "; ".join(failures))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
