"""What every end-to-end test of the keysweep binary shares: the binary under test (--keysweep on
the command line, as CTest passes it), running it, scratch directories, building a fixture that
may be skipped, and unittest's entry point.

A test imports it by name: Python puts the running script's own directory first on sys.path, so
this works from any working directory and build tree. Importing it also puts tests/fixtures on
sys.path, for the tests that draw FAKE values (fake_credentials.py).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(HERE, "..", "fixtures")
sys.path.insert(0, FIXTURES)

# Absolute path of the keysweep binary under test; set by parse_args() (main() calls it). Read it
# as e2e_util.KEYSWEEP: a `from e2e_util import KEYSWEEP` would copy the None it starts as.
KEYSWEEP = None


def redacted(secret):
    """keysweep's preview of a secret (core/secret.cc redact_secret): at most 4 characters from
    the head and 4 from the tail, and only while at least 16 stay hidden; none for values of low
    entropy (under 3 bits a character)."""
    import collections
    import math
    n = len(secret)
    counts = collections.Counter(secret.encode())
    entropy = -sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0
    reveal = min(8, n - 16) if n > 16 else 0
    if entropy < 3.0:
        reveal = 0
    head = min(4, reveal)
    tail = reveal - head
    return secret[:head] + "\u2026" + (secret[n - tail:] if tail else "")


def run(*args, cwd=None, stdin=None, user=None, env=None):
    """Runs keysweep with args and returns the CompletedProcess, output captured as text (bytes
    that are not UTF-8 replaced, so a test sees them rather than a decode error). With user, runs
    it as that uid/gid without supplementary groups (tests of unreadable files, as root). env:
    variables set on top of this process's environment."""
    cmd = [KEYSWEEP, *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, input=stdin,
                          errors="replace", env={**os.environ, **env} if env else None)


def unprivileged_user(test):
    """The uid to run keysweep as so that file permissions apply: None (this user) unless running
    as root, who reads anything; then nobody (65534) through setpriv, or the test is skipped."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        test.skipTest("running as root without setpriv")
    return 65534


def preload_env(shim, **variables):
    """The environment that preloads `shim` (tests/e2e/file_io_shim.c) into keysweep, with the
    shim's own variables."""
    return {"LD_PRELOAD": shim, **variables,
            # A sanitizer build wants its runtime first in the preload list.
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}


def scratch_dir(name):
    """A new empty directory under the system temp dir, named after the test that owns it."""
    return tempfile.mkdtemp(prefix=f"keysweep-{name}-")


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def build_fixture(script, out, scratch, tools):
    """Runs the fixture builder `bash script out`. Exit 77 means the tools it needs are missing:
    the test is skipped with the builder's reason ("<tools> missing: ..."); any other failure
    fails it. Either way the scratch directory is removed first, as tearDownClass will not run."""
    built = subprocess.run(["bash", script, out], capture_output=True, text=True)
    if built.returncode == 77:
        remove_tree(scratch)
        raise unittest.SkipTest(f"{tools} missing: " + built.stderr.strip())
    if built.returncode != 0:
        remove_tree(scratch)
        raise AssertionError(f"{os.path.basename(script)} failed:\n" + built.stderr)


def parse_args(parser=None):
    """Reads --keysweep (and whatever options the caller's parser adds) from the command line and
    sets KEYSWEEP. Returns (options, the arguments left for unittest)."""
    parser = parser or argparse.ArgumentParser()
    parser.add_argument("--keysweep", required=True)
    options, rest = parser.parse_known_args()
    global KEYSWEEP
    KEYSWEEP = os.path.abspath(options.keysweep)
    return options, rest


def run_tests(rest):
    """Runs the tests of the script being executed, one line per test."""
    unittest.main(module="__main__", argv=[sys.argv[0], *rest], verbosity=2)


def main():
    _, rest = parse_args()
    run_tests(rest)
