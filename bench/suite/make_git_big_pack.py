#!/usr/bin/env python3
"""Builds a git repository whose one pack is larger than 4 GiB (issue 16: "a pack above 4 GB"), so
that objects sit past the 32-bit offsets of a pack index (the .idx's 64-bit offset table) and past
any 32-bit arithmetic in a pack reader. Real packs of that size are monorepos, game assets or
vendored binaries; the unit tests cover the index format with a hand-built table, this covers a
real pack written by git.

Commits, in pack order (git fast-import writes objects in the order it is given them):
  1. `assets/blobNN.bin`: BLOBS random (incompressible) binary blobs of BLOB_MIB MiB each,
     4.5 GiB by default, stored with pack.compression=0 so writing it takes seconds, not minutes;
  2. `config/.env` with a fake GitHub token: a whole object beyond 4 GiB;
  3. `config/.env` again with a fake AWS key id added: fast-import stores it as a delta on the
     previous version, so a delta and its base both beyond 4 GiB.
The fake values (tests/fixtures/fake_credentials.py) are printed as JSON on stdout for the
benchmark to check that both are found, at their commits.

    make_git_big_pack.py DEST [--blobs 72] [--blob-mib 64] [--seed 1]
"""
import argparse
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures"))
from fake_credentials import Fakes  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dest")
    ap.add_argument("--blobs", type=int, default=72)
    ap.add_argument("--blob-mib", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if os.path.exists(args.dest):
        sys.exit(f"make_git_big_pack: {args.dest} exists")
    rng = random.Random(args.seed)
    fakes = Fakes(f"git-big-pack-{args.seed}")
    token, key_id = fakes.github_token(), fakes.aws_access_key_id()
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", args.dest], check=True)
    fi = subprocess.Popen(["git", "-C", args.dest, "-c", "pack.compression=0",
                           # Below this many objects (default 100) fast-import would unpack the pack
                           # into loose objects.
                           "-c", "fastimport.unpackLimit=1", "fast-import", "--quiet"],
                          stdin=subprocess.PIPE, bufsize=1 << 20)
    out = fi.stdin
    when = 1600000000

    def commit(message, files):  # files: (path, bytes) pairs, any iterable
        nonlocal when
        when += 3600
        out.write(b"commit refs/heads/main\n")
        out.write(b"author Ada <ada@example.org> %d +0000\n" % when)
        out.write(b"committer Ada <ada@example.org> %d +0000\n" % when)
        out.write(b"data %d\n%s\n" % (len(message), message))
        for path, body in files:
            out.write(b"M 100644 inline %s\ndata %d\n" % (path, len(body)))
            out.write(body)
            out.write(b"\n")

    size = args.blob_mib << 20
    # A generator: one blob in memory at a time.
    commit(b"assets", ((b"assets/blob%02d.bin" % i, rng.randbytes(size)) for i in range(args.blobs)))
    env = b"".join(b"SETTING_%d = value %d\n" % (i, i) for i in range(200))
    commit(b"config", [(b"config/.env", env + b"GITHUB_TOKEN=%s\n" % token.encode())])
    commit(b"aws", [(b"config/.env", env + b"GITHUB_TOKEN=%s\naws_access_key_id = %s\n"
                     % (token.encode(), key_id.encode()))])
    out.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    json.dump({"github_token": token, "aws_access_key_id": key_id}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
