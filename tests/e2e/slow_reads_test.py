"""A file on a slow network mount (issue 16.2), end to end: every read of it waits, as a read from
an overloaded NFS or SMB share does. file_io_shim.c, preloaded (--shim), makes the first pread or
mmap of the one named file wait a fixed time, so the test needs no mount and cannot flake on one.

What a user should see: the scan goes on with the other inputs while one read waits; the progress
line names the input it is still reading and for how long (rather than a count that stops
moving); the slow file is scanned in full once its read returns, and nothing is lost or doubled."""
import argparse
import json
import os
import re
import unittest

import e2e_util
from e2e_util import preload_env, run, scratch_dir, remove_tree
from fake_credentials import Fakes

FAKE = Fakes("slow-reads")
GITHUB = FAKE.github_token()
AKID = FAKE.aws_access_key_id()
SHIM = None
# Past cli/progress.h's kNameInputAfterSeconds (10 s), after which an input in progress is named.
SLOW_MS = 11500


def slow_run(path, *args):
    """keysweep with the first pread or mmap of `path` waiting SLOW_MS."""
    return run(*args, env=preload_env(SHIM, KEYSWEEP_TEST_SLOW_FILE=path,
                                      KEYSWEEP_TEST_SLOW_MS=str(SLOW_MS)))


class SlowMount(unittest.TestCase):
    """One slow file among fast ones, scanned once by two workers with a plain progress line
    every second."""

    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("slow-reads")
        share = os.path.join(cls.dir, "share")
        os.makedirs(share)
        cls.slow = os.path.join(share, "deploy.env")
        with open(cls.slow, "w") as f:
            f.write(f"GITHUB_TOKEN={GITHUB}\n")
        local = os.path.join(cls.dir, "local")
        os.makedirs(local)
        for i in range(3):
            with open(os.path.join(local, f"service{i}.env"), "w") as f:
                f.write(f"aws_access_key_id = {AKID}\n" if i == 1 else f"PORT={8000 + i}\n")
        cls.result = slow_run(cls.slow, "scan", "--format", "json", "-j", "2", "--progress", "plain",
                              "--progress-interval", "1", cls.dir)

    @classmethod
    def tearDownClass(cls):
        remove_tree(cls.dir)

    def progress_lines(self):
        return [line for line in self.result.stderr.splitlines() if " inputs" in line]

    def test_the_slow_file_is_scanned_in_full_and_so_is_every_other(self):
        r = self.result
        self.assertEqual(r.returncode, 1, r.stderr)  # findings, and nothing went wrong
        doc = json.loads(r.stdout)
        found = sorted((f["rule_id"], os.path.basename(f["location"]["display_path"]))
                       for f in doc["findings"])
        self.assertIn("deploy.env", [name for _, name in found])
        self.assertIn("service1.env", [name for _, name in found])
        self.assertEqual(len(found), len(set(found)), found)  # nothing reported twice
        self.assertNotIn("inputs_not_fully_read", doc["summary"], r.stderr)
        self.assertEqual(doc["summary"]["files_scanned"], 4)

    def test_the_progress_line_names_the_input_it_waits_for(self):
        waiting = [line for line in self.progress_lines() if "still reading" in line]
        self.assertTrue(waiting, "no progress line names the slow file:\n" + self.result.stderr)
        m = re.search(r"still reading (\S+) \((\d+):(\d\d)\)", waiting[-1])
        self.assertIsNotNone(m, waiting[-1])
        self.assertEqual(os.path.realpath(m.group(1)), os.path.realpath(self.slow))
        self.assertGreaterEqual(int(m.group(2)) * 60 + int(m.group(3)), 10)

    def test_the_other_inputs_were_scanned_while_it_waited(self):
        # The line that names the slow file already counts every other input as done: the second
        # worker went on while the first waited on the mount.
        waiting = [line for line in self.progress_lines() if "still reading" in line]
        self.assertTrue(waiting, self.result.stderr)
        m = re.search(r"(\d+)/(\d+) inputs", waiting[-1])
        self.assertIsNotNone(m, waiting[-1])
        done, total = int(m.group(1)), int(m.group(2))
        self.assertEqual(total, 4, waiting[-1])
        self.assertEqual(done, total - 1, waiting[-1])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--shim", required=True)
    options, rest = e2e_util.parse_args(parser)
    SHIM = os.path.abspath(options.shim)
    e2e_util.run_tests(rest)
