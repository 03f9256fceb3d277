#!/usr/bin/env python3
"""Builds a git history with many small unique blobs (default 1,000,000) in a couple of minutes,
for measuring what `keysweep scan --git` spends per unique object (bench/suite/git_scale.sh).

make_git_history.py builds a few tens of thousands of realistic, larger blobs; this one aims at
object count instead: COMMITS commits, each editing FILES_PER_COMMIT files of one leaf directory
(`m07/s33/f101.cfg`, 64 x 64 directories of up to 128 files), every edit a new small blob (a
config-like text naming its commit and some random hex). A few blobs carry a fake credential
(tests/fixtures/fake_credentials.py) so the scan has findings whose introducing commit can be
compared between builds. Deterministic for a given seed. Written with `git fast-import` straight
into one pack (no repack: it would take longer than the scan being measured).

With --import, one commit holds every blob instead (an initial import of a large tree, up to
64 x 64 x 128 files): the case where one commit's blobs are listed by the walk alone.

    make_git_scale.py DEST [--blobs 1000000] [--per-commit 100] [--import] [--no-deltas] [--seed 1]
"""
import argparse
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures"))
from fake_credentials import Fakes  # noqa: E402

DIRS, SUBDIRS, FILES = 64, 64, 128
SECRET_EVERY = 100_000  # one blob in this many carries a fake credential


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dest")
    ap.add_argument("--blobs", type=int, default=1_000_000, help="unique blobs to write")
    ap.add_argument("--per-commit", type=int, default=100, help="files edited per commit")
    ap.add_argument("--import", dest="one_commit", action="store_true",
                    help="one commit holding every blob")
    ap.add_argument("--no-deltas", action="store_true",
                    help="store every blob whole (fast-import --depth=0), as an import's files often are")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.one_commit and args.blobs > DIRS * SUBDIRS * FILES:
        sys.exit(f"make_git_scale: --import holds at most {DIRS * SUBDIRS * FILES} files")
    if os.path.exists(args.dest):
        sys.exit(f"make_git_scale: {args.dest} exists")
    rng = random.Random(args.seed)
    fakes = Fakes(f"git-scale-{args.seed}")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", args.dest], check=True)
    fi = subprocess.Popen(["git", "-C", args.dest, "fast-import", "--quiet",
                           "--depth=0" if args.no_deltas else "--depth=10"],
                          stdin=subprocess.PIPE, bufsize=1 << 20)
    out = fi.stdin
    written = 0
    commit_no = 0
    when = 1500000000
    authors = [(b"Ada", b"ada@example.org"), (b"Brian", b"brian@example.org"),
               (b"Chen", b"chen@example.org"), (b"Dana", b"dana@example.org")]
    if args.one_commit:
        msg = b"import"
        out.write(b"commit refs/heads/main\n")
        out.write(b"author %s <%s> %d +0000\n" % (authors[0][0], authors[0][1], when))
        out.write(b"committer %s <%s> %d +0000\n" % (authors[0][0], authors[0][1], when))
        out.write(b"data %d\n%s\n" % (len(msg), msg))
        for i in range(args.blobs):
            written += 1
            # In path order, as `git add` and a repack write an import's blobs.
            d, s, f = i // (SUBDIRS * FILES), (i // FILES) % SUBDIRS, i % FILES
            body = b"# m%02d/s%02d/f%03d rev 1\nname = item_%d\nchecksum = %032x\n" % (
                d, s, f, written, rng.getrandbits(128))
            if written % SECRET_EVERY == 0:
                body += b'GITHUB_TOKEN = "%s"\n' % fakes.github_token().encode()
            out.write(b"M 100644 inline m%02d/s%02d/f%03d.cfg\ndata %d\n%s\n" % (d, s, f, len(body), body))
        commit_no = 1
    while written < args.blobs:
        commit_no += 1
        d, s = rng.randrange(DIRS), rng.randrange(SUBDIRS)
        n = min(args.per_commit, args.blobs - written, FILES)
        name, email = authors[commit_no % len(authors)]
        when += 600
        msg = b"commit %d" % commit_no
        out.write(b"commit refs/heads/main\n")
        out.write(b"author %s <%s> %d +0000\n" % (name, email, when))
        out.write(b"committer %s <%s> %d +0000\n" % (name, email, when))
        out.write(b"data %d\n%s\n" % (len(msg), msg))
        for f in rng.sample(range(FILES), n):
            written += 1
            body = b"# m%02d/s%02d/f%03d rev %d\nname = item_%d\nchecksum = %032x\n" % (
                d, s, f, commit_no, written, rng.getrandbits(128))
            if written % SECRET_EVERY == 0:
                body += b'GITHUB_TOKEN = "%s"\n' % fakes.github_token().encode()
            out.write(b"M 100644 inline m%02d/s%02d/f%03d.cfg\ndata %d\n%s\n" % (d, s, f, len(body), body))
        if commit_no % 2000 == 0:
            print(f"make_git_scale: {commit_no} commits, {written} blobs", file=sys.stderr)
    out.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    print(f"make_git_scale: {commit_no} commits, {written} unique blobs written to {args.dest}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
