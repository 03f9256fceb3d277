#!/usr/bin/python3
"""Checks accuracy.py itself against stand-in scanners whose answers are known, so the accuracy
figures can be trusted while the real rule set is still below its thresholds.

Run with Debian's /usr/bin/python3: harness_test.py (no arguments).
"""
import json
import os
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ACCURACY = os.path.join(HERE, "accuracy.py")

CORPUS = [
    {"provider": "alpha", "label": "Alpha key", "kind": "positive", "text": "ALPHA=k1", "source": "t"},
    {"provider": "alpha", "label": "Alpha key", "kind": "positive", "text": "ALPHA=k2", "source": "t"},
    {"provider": "beta", "label": "Beta token", "kind": "positive", "text": "BETA=t1", "source": "t"},
    {"provider": "beta", "label": "Beta token", "kind": "negative", "text": "BETA=$VAR", "source": "t"},
]

# A stand-in scanner: reports a finding for every file whose content contains one of the markers
# given in its environment, in the JSONL shape keysweep prints (plus the closing summary line).
FAKE_SCANNER = r'''#!/usr/bin/python3
import json, os, sys
if "--format" not in sys.argv or sys.argv[sys.argv.index("--format") + 1] != "jsonl":
    sys.exit("unexpected arguments: " + " ".join(sys.argv))
if os.environ.get("FAKE_REJECT"):
    sys.stderr.write("error: --format: jsonl not in {human,json}\n")
    sys.exit(2)
markers = [m for m in os.environ.get("FAKE_MARKERS", "").split(",") if m]
d = sys.argv[-1]
for name in sorted(os.listdir(d)):
    path = os.path.join(d, name)
    text = open(path, encoding="utf-8").read()
    if any(m in text for m in markers):
        print(json.dumps({"type": "finding", "rule_id": "fake.rule", "provider": "fake",
                          "location": {"path": path, "chain": [path], "line": 1}}))
print(json.dumps({"type": "summary", "findings": 0}))
'''


def run(scanner, corpus, markers, *extra, reject=False):
    env = dict(os.environ, FAKE_MARKERS=",".join(markers))
    if reject:
        env["FAKE_REJECT"] = "1"
    proc = subprocess.run([sys.executable, ACCURACY, "--keysweep", scanner, "--corpus", corpus, *extra],
                          capture_output=True, text=True, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def main():
    failures, checks = [], []

    def check(name, cond, detail=""):
        checks.append(name)
        print(("ok   " if cond else "FAIL ") + name)
        if not cond:
            failures.append(name)
            if detail:
                print(detail)

    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.jsonl")
        with open(corpus, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in CORPUS)
        scanner = os.path.join(tmp, "fake-keysweep")
        with open(scanner, "w", encoding="utf-8") as f:
            f.write(FAKE_SCANNER)
        os.chmod(scanner, os.stat(scanner).st_mode | stat.S_IXUSR)

        rc, out, err = run(scanner, corpus, ["k1", "k2", "t1"])
        check("every positive found, no negative reported: exit 0", rc == 0, out + err)
        check("overall line counts 3/3 and 0/1", "recall 100.0% (3/3), false positives 0.0% (0/1)" in out, out)

        rc, out, err = run(scanner, corpus, ["k1", "t1"])
        check("one positive in three missed: exit 1 at the 95% default", rc == 1, out + err)
        check("per-provider row shows alpha 2 positives, 1 found",
              any(line.split()[:4] == ["alpha", "2", "1", "50.0%"] for line in out.splitlines()), out)
        rc, out, err = run(scanner, corpus, ["k1", "t1"], "--min-recall", "0.6")
        check("the same run passes with --min-recall 0.6", rc == 0, out + err)

        rc, out, err = run(scanner, corpus, ["k1", "k2", "t1", "$VAR"], "--misses")
        check("a reported negative fails the 5% FP default", rc == 1 and "false-positive rate" in out, out + err)
        check("--misses names the reported negative, redacted, with its rule",
              'Beta token: "BETA"…  <- fake.rule' in out, out)

        rc, out, err = run(scanner, corpus, [], reject=True)
        check("a scanner that rejects --format jsonl is a clear error (exit 2)",
              rc == 2 and "scan --format jsonl" in err, out + err)

    print(f"{len(checks) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
