"""Large files (issue 16.2): a plain file larger than a window is scanned in overlapping windows by
several workers, a credential across a window edge is reported once at its true line, and a file
skipped by --max-file-size (opt-in) is listed as not fully read in every output format and in the
datastore. The hidden --window-size makes a file of a few hundred kilobytes span many windows.
A file the disk cannot read (the hidden --inject-read-error makes its reads fail with EIO, as a
dying disk or a broken network mount would) is named with the errno text, the rest is scanned,
and the exit code says the scan is incomplete."""
import csv
import io
import json
import os
import sqlite3
import unittest

import e2e_util
from e2e_util import run, scratch_dir, remove_tree
from fake_credentials import Fakes  # on sys.path through e2e_util

FAKE = Fakes("large-files")
AKID = FAKE.aws_access_key_id()
SECRET_KEY = FAKE.aws_secret_access_key()
GITHUB = FAKE.github_token()
WINDOW = 64 * 1024


def write_file(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def filler(first, count):
    return "".join(f"log line {first + i}: request served in {i % 97} ms\n" for i in range(count))


class WindowEdges(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("large-files")
        # Each credential is placed so that the edge between two windows cuts through it.
        text, cls.lines = "", {}
        for name, value, line in (("id", AKID, f"aws_access_key_id = {AKID}\n"),
                                  ("key", SECRET_KEY, f'aws_secret_access_key = "{SECRET_KEY}"\n'),
                                  ("token", GITHUB, f"GITHUB_TOKEN={GITHUB}\n")):
            edge = (len(text) // WINDOW + 2) * WINDOW
            while len(text) + 200 < edge - len(line):
                text += filler(text.count("\n"), 1)
            # Padding so that the edge falls in the middle of the value.
            value_at = line.index(value)
            text += "x" * (edge - len(value) // 2 - value_at - len(text) - 1) + "\n"
            cls.lines[name] = text.count("\n") + 1
            assert len(text) + value_at < edge < len(text) + value_at + len(value), name
            text += line
        text += filler(text.count("\n"), 2000)
        cls.path = os.path.join(cls.dir, "server.log")
        with open(cls.path, "w") as f:
            f.write(text)

    @classmethod
    def tearDownClass(cls):
        remove_tree(cls.dir)

    def findings(self, *args):
        r = run("scan", "--format", "json", *args, self.path)
        self.assertEqual(r.returncode, 1, r.stderr)
        doc = json.loads(r.stdout)
        self.assertNotIn("inputs_not_fully_read", doc["summary"])
        return doc["findings"]

    def test_a_credential_across_a_window_edge_is_found_once_at_its_line(self):
        for extra in ([], ["--no-decode"], ["--jobs", "1"]):
            found = self.findings("--window-size", str(WINDOW), *extra)
            # The AWS pair is one finding with its two parts; the token another.
            self.assertEqual(len(found), 2, found)
            lines = {}
            for f in found:
                for part in f.get("parts") or [f]:
                    self.assertNotIn(part["rule_id"], lines, found)
                    lines[part["rule_id"]] = part["location"]["line"]
            self.assertEqual(lines, {"aws.access_key_id": self.lines["id"],
                                     "aws.secret_access_key": self.lines["key"],
                                     "github.pat_classic": self.lines["token"]}, extra)

    def test_windows_give_what_one_read_of_the_whole_file_gives(self):
        whole = self.findings()
        windowed = self.findings("--window-size", str(WINDOW))
        self.assertEqual(json.dumps(windowed, sort_keys=True), json.dumps(whole, sort_keys=True))


class EveryRulesExamples(unittest.TestCase):
    """Every rule's positive and negative examples (tests/data/credential-examples.jsonl), three
    times over: decoded values, pairs, PEM keys of 30 KB, context-scored generics. Cut in windows
    of 4 KiB and 64 KiB, they give what one read of the whole file gives, byte for byte."""

    def test_windowed_findings_are_the_whole_files(self):
        d = scratch_dir("every-rule")
        try:
            with open(os.path.join(e2e_util.ROOT, "tests", "data", "credential-examples.jsonl")) as f:
                rows = [json.loads(line) for line in f]
            path = os.path.join(d, "examples.txt")
            with open(path, "w") as f:
                f.write(("\n".join(r["text"] for r in rows) + "\n") * 3)

            def findings(*args):
                r = run("scan", "--format", "json", "--exit-zero", *args, path)
                self.assertEqual(r.returncode, 0, r.stderr)
                return json.dumps(json.loads(r.stdout)["findings"], sort_keys=True)

            for extra in ([], ["--no-decode"]):
                whole = findings(*extra)
                self.assertGreater(whole.count('"rule_id"'), 1000)
                for window in ("4KiB", "64KiB"):
                    self.assertEqual(findings("--window-size", window, *extra), whole, (window, extra))
        finally:
            remove_tree(d)


class MaxFileSize(unittest.TestCase):
    """--max-file-size is opt-in; a file it skips is listed as not fully read everywhere."""

    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("max-file-size")
        cls.big = write_file(cls.dir, "dump.sql", filler(0, 3000) + f"aws_access_key_id = {AKID}\n")
        cls.small = write_file(cls.dir, "app.env", f"GITHUB_TOKEN={GITHUB}\n")

    @classmethod
    def tearDownClass(cls):
        remove_tree(cls.dir)

    def scan(self, fmt, *args):
        return run("scan", "--color", "never", "--format", fmt, "--max-file-size", "10KiB", *args, self.dir)

    def test_without_the_flag_every_file_is_read(self):
        doc = json.loads(run("scan", "--format", "json", self.dir).stdout)
        self.assertIn("aws.access_key_id", {f["rule_id"] for f in doc["findings"]})
        self.assertNotIn("inputs_not_fully_read", doc["summary"])

    def test_json_and_jsonl_list_the_skipped_file(self):
        r = self.scan("json")
        self.assertEqual(r.returncode, 1, r.stderr)
        listed = json.loads(r.stdout)["summary"]["inputs_not_fully_read"]
        self.assertEqual([(d["path"], d["kind"]) for d in listed], [(self.big, "too-large")])
        self.assertIn("over --max-file-size", listed[0]["reason"])
        last = json.loads(self.scan("jsonl").stdout.splitlines()[-1])
        self.assertEqual(last["inputs_not_fully_read"][0]["path"], self.big)

    def test_sarif_lists_it_in_the_run_summary_and_notifications(self):
        log = json.loads(self.scan("sarif").stdout)
        run_ = log["runs"][0]
        self.assertEqual(run_["properties"]["summary"]["inputs_not_fully_read"][0]["path"], self.big)
        kinds = [n["properties"]["kind"] for n in run_["invocations"][0]["toolExecutionNotifications"]]
        self.assertEqual(kinds, ["too-large"])

    def test_human_names_it_under_the_summary(self):
        out = self.scan("human").stdout
        self.assertIn("1 input not fully read:", out)
        self.assertIn(f"\n  {self.big}: skipped: ", out)

    def test_csv_says_it_on_stderr(self):
        r = self.scan("csv")
        rows = list(csv.reader(io.StringIO(r.stdout, newline="")))
        self.assertEqual(len(rows), 2, r.stdout)  # header + the token
        self.assertIn(f"keysweep: not fully read: {self.big}: skipped: ", r.stderr)

    def test_the_datastore_keeps_it_with_its_reason(self):
        store = os.path.join(self.dir + "-store.db")
        try:
            r = self.scan("json", "--datastore", store)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("1 not fully read", r.stdout)
            with sqlite3.connect(store) as db:
                rows = dict(db.execute("SELECT path, status || ': ' || reason FROM inputs"))
            self.assertTrue(rows[self.big].startswith("error: "), rows)
            self.assertIn("over --max-file-size", rows[self.big])
            report = json.loads(run("report", "--datastore", store, "--format", "json").stdout)
            self.assertEqual([p["path"] for p in report["problem_inputs"]], [self.big])
        finally:
            if os.path.exists(store):
                os.remove(store)


class ReadErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("read-errors")
        cls.bad = write_file(cls.dir, "mounted.env", f"aws_access_key_id = {AKID}\n")
        cls.big = write_file(cls.dir, "server.log", filler(0, 3000))  # read in windows
        cls.good = write_file(cls.dir, "app.env", f"GITHUB_TOKEN={GITHUB}\n")

    @classmethod
    def tearDownClass(cls):
        remove_tree(cls.dir)

    def scan(self, fmt, bad, *args):
        return run("scan", "--color", "never", "--format", fmt, "--window-size", str(WINDOW),
                   "--inject-read-error", bad, *args, self.dir)

    def test_the_file_is_named_with_the_errno_the_rest_scanned_and_the_exit_is_2(self):
        for bad in (self.bad, self.big):
            r = self.scan("json", bad)
            self.assertEqual(r.returncode, 2, r.stderr)  # incomplete, although credentials were found
            self.assertIn(f"{bad}: cannot read: Input/output error", r.stderr)
            doc = json.loads(r.stdout)
            self.assertIn("github.pat_classic", {f["rule_id"] for f in doc["findings"]})
            listed = doc["summary"]["inputs_not_fully_read"]
            self.assertEqual([(d["path"], d["kind"]) for d in listed], [(bad, "unreadable")])
            self.assertIn("Input/output error", listed[0]["reason"])

    def test_every_format_says_so(self):
        self.assertIn(f"\n  {self.bad}: cannot read: Input/output error", self.scan("human", self.bad).stdout)
        run_ = json.loads(self.scan("sarif", self.bad).stdout)["runs"][0]
        self.assertFalse(run_["invocations"][0]["executionSuccessful"])
        self.assertEqual(run_["properties"]["summary"]["inputs_not_fully_read"][0]["path"], self.bad)
        r = self.scan("csv", self.bad)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"keysweep: not fully read: {self.bad}: cannot read: Input/output error", r.stderr)

    def test_exit_zero_still_exits_0(self):
        self.assertEqual(self.scan("json", self.bad, "--exit-zero").returncode, 0)


if __name__ == "__main__":
    e2e_util.main()
