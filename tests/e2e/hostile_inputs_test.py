"""Inputs an attacker or an accident can put in front of keysweep: file names that would drive a
terminal or forge report lines (issue 17.3), and paths that cannot be read at all (17.4)."""
import csv
import io
import json
import os
import sqlite3
import unittest

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


if __name__ == "__main__":
    e2e_util.main()
