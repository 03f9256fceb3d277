#!/usr/bin/env python3
"""Builds a large synthetic git history from text nobody here wrote, for bench/suite/git_throughput.sh.

The content is Debian's installed text trees (/usr/include, /usr/lib/python3.11, /usr/share/perl
...): each commit adds a batch of those files and edits some already-added ones (a line inserted,
one replaced), so the history holds many versions of the same files, as real ones do, and the pack
has delta chains. Deterministic for a given seed and set of installed files. Written with
`git fast-import`, then repacked like a server-side repository (`git repack -a -d -f`).

    make_git_history.py DEST [--target-mb 700] [--seed 1]
"""
import argparse
import os
import random
import subprocess
import sys

TREES = ["/usr/include", "/usr/lib/python3.11", "/usr/share/perl", "/usr/lib/python3/dist-packages"]
TEXT_EXT = (".h", ".hpp", ".py", ".pm", ".pl", ".pod", ".txt", ".c", ".cc", ".inc", ".def", ".rst")


def source_files(limit_bytes):
    files, total = [], 0
    for tree in TREES:
        for dirpath, dirnames, filenames in os.walk(tree):
            dirnames.sort()
            for n in sorted(filenames):
                p = os.path.join(dirpath, n)
                if not n.endswith(TEXT_EXT) or os.path.islink(p):
                    continue
                try:
                    size = os.path.getsize(p)
                except OSError:
                    continue
                if 200 <= size <= 512 * 1024:
                    files.append(p)
                    total += size
                    if total >= limit_bytes:
                        return files
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dest")
    ap.add_argument("--target-mb", type=int, default=700, help="unique blob bytes to aim for")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    target = args.target_mb * 1000 * 1000
    files = source_files(target // 4)  # a quarter is first versions, the rest later edits
    rng.shuffle(files)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", args.dest], check=True)
    fi = subprocess.Popen(["git", "-C", args.dest, "fast-import", "--quiet", "--depth=50"],
                          stdin=subprocess.PIPE)
    out = fi.stdin
    contents = {}  # repo path -> current bytes
    paths = []
    total = 0
    mark = 0
    commit_no = 0
    when = 1500000000
    authors = [("Ada", "ada@example.org"), ("Brian", "brian@example.org"),
               ("Chen", "chen@example.org"), ("Dana", "dana@example.org")]
    pending = list(files)
    while total < target:
        commit_no += 1
        changes = []
        for _ in range(min(len(pending), 40)):
            src = pending.pop()
            with open(src, "rb") as f:
                data = f.read()
            rel = src.lstrip("/")
            contents[rel] = data
            paths.append(rel)
            changes.append(rel)
        for _ in range(min(len(paths), 60)):
            rel = rng.choice(paths)
            lines = contents[rel].split(b"\n")
            i = rng.randrange(len(lines))
            note = b"/* rev %d: %08x */" % (commit_no, rng.getrandbits(32))
            if rng.random() < 0.5:
                lines.insert(i, note)
            else:
                lines[i] = note
            contents[rel] = b"\n".join(lines)
            changes.append(rel)
        if not changes:
            break
        name, email = authors[commit_no % len(authors)]
        when += 3600
        msg = b"commit %d" % commit_no
        out.write(b"commit refs/heads/main\n")
        out.write(b"committer %s <%s> %d +0000\n" % (name.encode(), email.encode(), when))
        out.write(b"data %d\n%s\n" % (len(msg), msg))
        for rel in dict.fromkeys(changes):
            data = contents[rel]
            total += len(data)
            mark += 1
            out.write(b"M 100644 inline %s\ndata %d\n" % (rel.encode(), len(data)))
            out.write(data + b"\n")
        if commit_no % 200 == 0:
            print(f"make_git_history: {commit_no} commits, {total / 1e6:.0f} MB of blobs", file=sys.stderr)
    out.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", args.dest, "repack", "-q", "-a", "-d", "-f", "--window=10",
                    "--depth=50"], check=True)
    print(f"make_git_history: {commit_no} commits, {total / 1e6:.0f} MB of blob versions written "
          f"to {args.dest}", file=sys.stderr)


if __name__ == "__main__":
    main()
