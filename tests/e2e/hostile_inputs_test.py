"""Inputs an attacker or an accident can put in front of keysweep: file names that would drive a
terminal or forge report lines (issue 17.3), and paths that cannot be read at all (17.4)."""
import csv
import io
import json
import os
import sqlite3
import subprocess
import unittest
import zipfile

import e2e_util
from e2e_util import run, scratch_dir, remove_tree
from fake_credentials import Fakes  # on sys.path through e2e_util

FAKE = Fakes("hostile-inputs")
AKID = FAKE.aws_access_key_id()

# ESC [31m recolours a terminal; the newline would start a line of its own that looks like a
# finding's headline.
HOSTILE_NAME = "key\x1b[31mred\nforged.py:1:1 fake finding.env"
ESCAPED_NAME = "key\\x1b[31mred\\x0aforged.py:1:1 fake finding.env"


class EscapedNames(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("escaped-names")
        with open(os.path.join(cls.dir, HOSTILE_NAME), "w") as f:
            f.write(f'aws_access_key_id = "{AKID}"\n')

    @classmethod
    def tearDownClass(cls):
        remove_tree(cls.dir)

    def scan(self, *args):
        r = run("scan", "--color", "never", *args, self.dir)
        self.assertEqual(r.returncode, 1, r.stderr)
        for stream in (r.stdout, r.stderr):
            self.assertNotIn("\x1b", stream)
            self.assertNotIn("red\nforged", stream)
        return r

    def test_human_names_the_file_escaped_on_one_line(self):
        r = self.scan("--format", "human")
        headlines = [line for line in r.stdout.splitlines() if ESCAPED_NAME in line]
        self.assertEqual(len(headlines), 1, r.stdout)
        self.assertFalse(any(line.startswith("forged") for line in r.stdout.splitlines()))

    def test_csv_has_one_row_per_finding_with_the_name_escaped(self):
        rows = list(csv.reader(io.StringIO(self.scan("--format", "csv").stdout, newline="")))
        self.assertEqual(len(rows), 2)  # header + the finding
        self.assertTrue(rows[1][0].endswith(ESCAPED_NAME), rows[1])

    def test_json_and_jsonl_stay_parseable_and_exact(self):
        doc = json.loads(self.scan("--format", "json").stdout)
        # JSON escapes control characters itself, so the path stays the file's real name.
        self.assertTrue(doc["findings"][0]["location"]["path"].endswith(HOSTILE_NAME))
        lines = self.scan("--format", "jsonl").stdout.splitlines()
        records = [json.loads(line) for line in lines]
        self.assertTrue(any(rec.get("type") == "finding" or "rule_id" in rec for rec in records))

    def test_sarif_message_is_escaped(self):
        log = json.loads(self.scan("--format", "sarif").stdout)
        result = log["runs"][0]["results"][0]
        self.assertNotIn("\x1b", json.dumps(result, ensure_ascii=False))
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        self.assertIn("%1B", uri.upper())
        self.assertIn("%0A", uri.upper())

    def test_fleet_report_escapes_in_every_format(self):
        store = os.path.join(self.dir + "-store.db")
        try:
            self.scan("--datastore", store)
            outputs = {}
            for fmt in ("human", "csv", "html", "json"):
                r = run("report", "--datastore", store, "--format", fmt)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertNotIn("\x1b", r.stdout, fmt)
                self.assertNotIn("red\nforged", r.stdout, fmt)
                outputs[fmt] = r.stdout
            self.assertIn(ESCAPED_NAME, outputs["human"])
            # The page's data, as its script reads it: the names it will show are escaped.
            html = outputs["html"]
            start = html.index('id="report-data">') + len('id="report-data">')
            data = json.loads(html[start:html.index("</script>", start)])
            self.assertTrue(data["clusters"][0]["inputs"][0].endswith(ESCAPED_NAME))
            rows = list(csv.reader(io.StringIO(outputs["csv"], newline="")))
            self.assertEqual(len(rows), 2, outputs["csv"])
            json.loads(outputs["json"])
        finally:
            if os.path.exists(store):
                os.remove(store)


class ProblemInputs(unittest.TestCase):
    """An input list naming a missing path, a symlink loop and a FIFO next to one good file: the
    good one is scanned, each bad one is a problem input with its reason (summary, formats,
    datastore), and only a run that could read nothing exits 2."""

    @classmethod
    def setUpClass(cls):
        cls.dir = scratch_dir("problem-inputs")
        d = cls.dir
        cls.good = os.path.join(d, "good.env")
        with open(cls.good, "w") as f:
            f.write(f'aws_access_key_id = "{AKID}"\n')
        cls.missing = os.path.join(d, "gone.apk")
        cls.loop = os.path.join(d, "loop")
        os.symlink("loop", cls.loop)  # points at itself
        cls.fifo = os.path.join(d, "pipe")
        os.mkfifo(cls.fifo)  # reading it would block the scan forever
        cls.list = os.path.join(d, "inputs.txt")
        with open(cls.list, "w") as f:
            f.write("\n".join([cls.missing, cls.loop, cls.good, cls.fifo]) + "\n")
        cls.bad_only = os.path.join(d, "bad-only.txt")
        with open(cls.bad_only, "w") as f:
            f.write("\n".join([cls.missing, cls.loop, cls.fifo]) + "\n")

    @classmethod
    def tearDownClass(cls):
        remove_tree(cls.dir)

    def assert_problems_named(self, stderr):
        for path, why in ((self.missing, "no such file or directory"),
                          (self.loop, "symbolic link loop"), (self.fifo, "a FIFO")):
            self.assertTrue(any(path in line and why in line for line in stderr.splitlines()),
                            f"{path}: {why}\n{stderr}")

    def test_the_good_input_is_scanned_and_each_bad_one_reported(self):
        r = run("scan", "--color", "never", "--input-list", self.list)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("aws.access_key_id", r.stdout)
        self.assert_problems_named(r.stderr)
        self.assertIn("1 missing", r.stdout)
        self.assertIn("1 symlink-loop", r.stdout)
        self.assertIn("1 not-a-file", r.stdout)

    def test_every_format_lists_the_problem_inputs(self):
        doc = json.loads(run("scan", "--format", "json", "--input-list", self.list).stdout)
        kinds = {d["path"]: d["kind"] for d in doc["summary"]["diagnostics"]}
        self.assertEqual(kinds, {self.missing: "missing", self.loop: "symlink-loop",
                                 self.fifo: "not-a-file"})
        last = json.loads(run("scan", "--format", "jsonl", "--input-list", self.list)
                          .stdout.splitlines()[-1])
        self.assertEqual(len(last["diagnostics"]), 3)
        log = json.loads(run("scan", "--format", "sarif", "--input-list", self.list).stdout)
        notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        self.assertEqual(sorted(n["properties"]["kind"] for n in notes),
                         ["missing", "not-a-file", "symlink-loop"])
        r = run("scan", "--format", "csv", "--input-list", self.list)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("3 inputs could not be read", r.stderr)

    def test_nothing_readable_exits_2(self):
        r = run("scan", "--input-list", self.bad_only)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assert_problems_named(r.stderr)
        r = run("scan", self.loop)
        self.assertEqual(r.returncode, 2)
        self.assertIn("symbolic link loop", r.stderr)

    def test_an_unreadable_only_input_exits_2(self):
        locked = os.path.join(self.dir, "locked.env")
        with open(locked, "w") as f:
            f.write(f'aws_access_key_id = "{AKID}"\n')
        os.chmod(locked, 0)
        try:
            r = run("scan", locked, user=e2e_util.unprivileged_user(self))
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("Permission denied", r.stderr)
        finally:
            os.remove(locked)

    def test_the_datastore_keeps_each_problem_input_with_its_reason(self):
        store = os.path.join(self.dir, "fleet.db")
        try:
            r = run("scan", "--datastore", store, "--input-list", self.list)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("3 of them could not be read", r.stdout)
            with sqlite3.connect(store) as db:
                rows = dict(db.execute("SELECT path, reason FROM inputs WHERE status = 'error'"))
                kinds = dict(db.execute("SELECT path, kind FROM diagnostics"))
                scanned = db.execute("SELECT COUNT(*) FROM inputs WHERE status = 'ok'").fetchone()[0]
            self.assertEqual(scanned, 1)
            self.assertEqual(set(rows), {self.missing, self.loop, self.fifo})
            self.assertIn("no such file or directory", rows[self.missing])
            self.assertIn("symbolic link loop", rows[self.loop])
            self.assertIn("a FIFO", rows[self.fifo])
            self.assertEqual(kinds[self.fifo], "not-a-file")
            report = json.loads(run("report", "--datastore", store, "--format", "json").stdout)
            self.assertEqual(len(report["problem_inputs"]), 3)
            # A run that reads nothing into the store fails.
            r = run("scan", "--datastore", store, "--input-list", self.bad_only)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        finally:
            if os.path.exists(store):
                os.remove(store)


class InterruptedRuns(unittest.TestCase):
    def test_a_run_left_running_by_a_dead_process_becomes_interrupted(self):
        d = scratch_dir("interrupted")
        try:
            store = os.path.join(d, "fleet.db")
            with open(os.path.join(d, "a.env"), "w") as f:
                f.write(f'aws_access_key_id = "{AKID}"\n')
            self.assertEqual(run("scan", "--datastore", store, d).returncode, 1)
            # What kill -9 leaves: no finish time, status 'running', and a pid no process has now.
            gone = subprocess.Popen(["true"])
            gone.wait()
            with sqlite3.connect(store) as db:
                db.execute("UPDATE scan_runs SET status = 'running', finished_at = NULL, pid = ?",
                           (gone.pid,))
            r = run("scan", "--datastore", store, d)
            self.assertIn("1 earlier run on this host died midway: marked interrupted", r.stderr)
            with sqlite3.connect(store) as db:
                statuses = [s for (s,) in db.execute("SELECT status FROM scan_runs ORDER BY id")]
            self.assertEqual(statuses, ["interrupted", "finished"])
        finally:
            remove_tree(d)


class FoldedWarnings(unittest.TestCase):
    """Thousands of warnings of one kind from one archive (a 42.zip) drowned stderr (issue 17.7):
    after the first few per archive and kind, one line says how many more."""

    @staticmethod
    def zip_of_unsupported_entries(path, n):
        # bzip2 entries: keysweep does not inflate them, so each is one warning of kind "other".
        with zipfile.ZipFile(path, "w") as z:
            for i in range(n):
                z.writestr(zipfile.ZipInfo(f"e{i}.txt"), f"entry {i}", compress_type=zipfile.ZIP_BZIP2)

    def test_many_warnings_of_one_kind_are_folded_per_archive(self):
        d = scratch_dir("folded")
        try:
            self.zip_of_unsupported_entries(os.path.join(d, "many.zip"), 40)
            self.zip_of_unsupported_entries(os.path.join(d, "few.zip"), 2)
            r = run("scan", "--format", "json", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            lines = r.stderr.splitlines()
            many = [line for line in lines if "many.zip!" in line]
            self.assertEqual(len(many), 5, r.stderr)
            self.assertEqual(len([line for line in lines if "few.zip!" in line]), 2, r.stderr)
            self.assertIn(os.path.join(d, "many.zip") + ": and 35 more other warnings", r.stderr)
            self.assertNotIn("few.zip: and", r.stderr)
            # The report itself keeps every one.
            self.assertEqual(len(json.loads(r.stdout)["summary"]["diagnostics"]), 42)
        finally:
            remove_tree(d)



class ContainersReadInParts(unittest.TestCase):
    """A container's entries read in parts by several workers (issue 16.4): a zip bomb inside is
    still stopped, and the report is byte for byte what one worker reading it whole writes."""

    def test_zip_bomb_in_a_container_read_in_parts(self):
        d = scratch_dir("parts")
        try:
            builder = os.path.join(e2e_util.ROOT, "tests", "fixtures", "make_container_parts_fixtures.py")
            subprocess.run(["/usr/bin/python3", builder, d], check=True)
            bomb = os.path.join(d, "bomb.zip")

            def jsonl(*args):
                r = run("scan", "--format", "jsonl", "--exit-zero", "-q", *args, bomb)
                self.assertEqual(r.returncode, 0, r.stderr)
                lines = r.stdout.splitlines()
                summary = json.loads(lines[-1])
                del summary["seconds"]
                return lines[:-1], summary

            whole = jsonl("-j", "1")
            # --part-size 1: every entry read is a part of its own (at most 4 per worker).
            parts = jsonl("-j", "2", "--part-size", "1")
            self.assertEqual(parts, whole)
            messages = [d["path"] + ": " + d["message"] for d in parts[1]["diagnostics"]]
            self.assertTrue(any("bomb.zip!assets/zeros.bin: skipped (zip bomb?)" in m for m in messages), messages)
            self.assertTrue(any("nested_bomb.zip!zeros.bin: skipped (zip bomb?)" in m for m in messages), messages)
            self.assertIn("aws.credentials", "".join(parts[0]))
        finally:
            remove_tree(d)


if __name__ == "__main__":
    e2e_util.main()
