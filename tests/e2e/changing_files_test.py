"""Files that another process cuts short or extends while keysweep reads them (issue 16.2), end to
end: the real binary, its SIGBUS guard, its messages and exit code. file_io_shim.c, preloaded
(--shim), makes the change right after keysweep first maps or reads the named file, so the test
cannot flake on a race. Unit tests do the same through io/file_faults.h; this shows that nothing
of it depends on a test seam in the binary.

- A plain file read in windows (pread) that shrinks or grows after the first window.
- A zip cut short under its mapping, read by one worker and in parts by two.
- A git pack cut short under the mapping of keysweep's pack reader or of libgit2, which maps
  pack windows itself and had no guard: the scan used to end with SIGBUS."""
import argparse
import json
import os
import random
import shutil
import subprocess
import unittest
import zipfile

import e2e_util
from e2e_util import preload_env, run, scratch_dir, remove_tree
from fake_credentials import Fakes

FAKE = Fakes("changing-files")
GITHUB = FAKE.github_token()
AKID = FAKE.aws_access_key_id()
WINDOW = 64 * 1024
SHIM = None


def changed_run(path, change, after, *args, env=None):
    """keysweep with the shim: `change` (truncate:N or append:N) made to `path` right after its
    first `after` (mmap or pread)."""
    shim_env = preload_env(SHIM, KEYSWEEP_TEST_CHANGE_FILE=path, KEYSWEEP_TEST_CHANGE=change,
                           KEYSWEEP_TEST_CHANGE_AFTER=after)
    return run(*args, env={**shim_env, **(env or {})})


class Common:
    def check_ran(self, r):
        # Never a signal (a negative return code): the scan ends on its own and says why.
        self.assertGreaterEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("Bus error", r.stderr)

    def report(self, r):
        self.check_ran(r)
        return json.loads(r.stdout)

    def rules_at(self, doc):
        return sorted((f["rule_id"], f["location"]["display_path"]) for f in doc["findings"])


class PlainFileInWindows(unittest.TestCase, Common):
    """A log read in 64 KiB windows: a token in the first window, an AWS key id far past it."""

    def setUp(self):
        self.dir = scratch_dir("changing-plain")
        self.addCleanup(remove_tree, self.dir)
        lines = [f"log line {i}: request served in {i % 97} ms\n" for i in range(20000)]
        lines[100] = f"GITHUB_TOKEN={GITHUB}\n"
        lines[15000] = f"aws_access_key_id = {AKID}\n"
        self.log = os.path.join(self.dir, "server.log")
        with open(self.log, "w") as f:
            f.write("".join(lines))
        self.size = os.path.getsize(self.log)
        self.other = os.path.join(self.dir, "app.env")
        with open(self.other, "w") as f:
            f.write(f"GITHUB_TOKEN={GITHUB}\n")

    def scan(self, change):
        return changed_run(self.log, change, "pread", "scan", "--format", "json", "-j", "2",
                           "--window-size", str(WINDOW), self.dir)

    def test_a_file_cut_short_is_scanned_as_far_as_it_was_read_and_listed(self):
        r = self.scan("truncate:100000")
        doc = self.report(r)
        self.assertEqual(r.returncode, 1, r.stderr)  # credentials found; a change is a warning
        self.assertEqual(self.rules_at(doc), [("github.pat_classic", self.other),
                                              ("github.pat_classic", self.log)])
        reason = f"shrank while read: {self.size} bytes when its scan began, 100000 now"
        self.assertIn(f"{self.log}: {reason}", r.stderr)
        listed = doc["summary"]["inputs_not_fully_read"]
        self.assertEqual([(d["path"], d["kind"]) for d in listed], [(self.log, "changed-while-read")])
        self.assertIn(reason, listed[0]["reason"])

    def test_a_file_that_grows_is_scanned_as_it_was_when_its_scan_began(self):
        r = self.scan("append:300000")
        doc = self.report(r)
        self.assertEqual(r.returncode, 1, r.stderr)
        # Both credentials: the whole original file was read.
        self.assertEqual(self.rules_at(doc), [("aws.access_key_id", self.log),
                                              ("github.pat_classic", self.other),
                                              ("github.pat_classic", self.log)])
        self.assertIn(f"{self.log}: grew while read: {self.size} bytes when its scan began, "
                      f"{self.size + 300000} now; scanned the first {self.size}", r.stderr)


class ArchiveCutUnderItsMapping(unittest.TestCase, Common):
    """A 3.6 MB zip (big enough to be read in parts by two workers): a token in its first entry,
    random filler, an AWS key id in its last; cut to 1 MB right after keysweep maps it."""

    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("changing-zip")
        cls.original = os.path.join(cls.dir, "bundle.zip.orig")
        rng = random.Random(7)
        with zipfile.ZipFile(cls.original, "w", zipfile.ZIP_STORED) as z:
            z.writestr("assets/first.env", f"GITHUB_TOKEN={GITHUB}\n")
            for i in range(6):
                z.writestr(f"assets/blob{i}.bin", rng.randbytes(600_000))
            z.writestr("assets/last.env", f"aws_access_key_id = {AKID}\n")

    @classmethod
    def tearDownClass(cls):
        remove_tree(cls.dir)

    def test_the_lost_bytes_read_as_zeros_and_the_archive_is_named(self):
        size = os.path.getsize(self.original)
        for jobs in ("1", "2"):
            with self.subTest(jobs=jobs):
                path = os.path.join(self.dir, f"bundle-j{jobs}.zip")
                shutil.copyfile(self.original, path)
                r = changed_run(path, "truncate:1000000", "mmap", "scan", "--format", "json", "-j", jobs, path)
                doc = self.report(r)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(self.rules_at(doc), [("github.pat_classic", f"{path}!assets/first.env")])
                self.assertIn(f"{path}: shrank while read: {size} bytes when its scan began, 1000000 now; "
                              "the bytes after the cut were scanned as zeros", r.stderr)
                self.assertIn((path, "changed-while-read"),
                              [(d["path"], d["kind"]) for d in doc["summary"]["inputs_not_fully_read"]])


class GitPackCutUnderItsMapping(unittest.TestCase, Common):
    """A repository of 30 commits in one 1.2 MB pack, a token added in commit 26; the pack cut to
    200,000 bytes right after it is first mapped."""

    @classmethod
    def setUpClass(cls):
        cls.root = scratch_dir("changing-git")
        rng = random.Random(3)

        def git(*args):
            return subprocess.run(["git", "-C", cls.root, "-c", "user.name=t", "-c", "user.email=t@example.com",
                                   *args], check=True, capture_output=True, text=True)
        git("init", "-q", "-b", "main")
        for i in range(30):
            with open(os.path.join(cls.root, f"f{i}.txt"), "w") as f:
                f.write("".join(f"{rng.getrandbits(128):032x}\n" for _ in range(2000)))
                if i == 25:
                    f.write(f"GITHUB_TOKEN={GITHUB}\n")
            git("add", ".")
            git("commit", "-qm", f"c{i}")
        git("repack", "-adq")
        pack_dir = os.path.join(cls.root, ".git", "objects", "pack")
        cls.pack = os.path.join(pack_dir, next(n for n in os.listdir(pack_dir) if n.endswith(".pack")))
        os.chmod(cls.pack, 0o644)
        cls.saved = cls.pack + ".saved"
        shutil.copyfile(cls.pack, cls.saved)

    @classmethod
    def tearDownClass(cls):
        remove_tree(cls.root)

    def scan_cut(self, reader, jobs):
        shutil.copyfile(self.saved, self.pack)
        return changed_run(self.pack, "truncate:200000", "mmap", "scan", "--git", "--format", "json",
                           "-j", jobs, self.root, env={"KEYSWEEP_GIT_READER": reader})

    def test_the_whole_pack_scans_as_before(self):
        shutil.copyfile(self.saved, self.pack)
        r = run("scan", "--git", "--format", "json", self.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual([f["location"]["path"] for f in json.loads(r.stdout)["findings"]], ["f25.txt"])

    def test_libgit2s_own_mapping_reads_zeros_and_names_the_pack(self):
        for jobs in ("1", "2"):
            with self.subTest(jobs=jobs):
                r = self.scan_cut("libgit2", jobs)
                doc = self.report(r)
                self.assertIn(r.returncode, (0, 1), r.stderr)
                self.assertRegex(r.stderr, f"{self.pack}: shrank while read: 200000 bytes now; "
                                           r"libgit2's mapping of it read zeros from byte \d+ on")
                self.assertIn("cannot read tree", r.stderr)  # the objects lost are named too
                self.assertEqual(doc["summary"]["diagnostics_by_kind"]["changed-while-read"], 1)

    def test_the_pack_readers_scan_names_what_it_cannot_read(self):
        for jobs in ("1", "2"):
            with self.subTest(jobs=jobs):
                r = self.scan_cut("pack", jobs)
                self.check_ran(r)
                # The branch's commit was in the lost part: nothing of the history can be read.
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertRegex(r.stderr, r"refs/heads/main points to [0-9a-f]{40}, which cannot be read")
                self.assertIn("no commit could be read", r.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--shim", required=True)
    options, rest = e2e_util.parse_args(parser)
    SHIM = os.path.abspath(options.shim)
    e2e_util.run_tests(rest)
