#!/usr/bin/env python3
"""End-to-end tests of suppression: a baseline round trip (create, scan, move a secret, add a new
one), inline keysweep:allow comments, .keysweepignore, --disable-rule, keysweep.toml, and the
per-mechanism counts every report carries.
Run: /usr/bin/python3 tests/e2e/suppress_test.py --keysweep build/dev/src/cli/keysweep
"""
import hashlib
import json
import os
import unittest

import e2e_util
from fake_credentials import Fakes  # on sys.path through e2e_util
from e2e_util import run

FAKE = Fakes("e2e-suppress")
SID, TOKEN = FAKE.twilio_account_sid(), FAKE.twilio_auth_token()
AKID = FAKE.aws_access_key_id()
GHP = FAKE.github_token()
GHP2 = FAKE.github_token()


def scan_json(*args, cwd=None):
    r = run("scan", "--format", "json", *args, cwd=cwd)
    doc = json.loads(r.stdout) if r.stdout.strip() else None
    return r, doc


class TreeTest(unittest.TestCase):
    FILES = {
        "app/Config.java": f'static final String TWILIO_SID = "{SID}";\n'
                           f'static final String TWILIO_AUTH_TOKEN = "{TOKEN}";\n',
        "deploy/.env": f"AWS_ACCESS_KEY_ID={AKID}\n",
    }

    def setUp(self):
        self.root = e2e_util.scratch_dir("suppress")
        for rel, text in self.FILES.items():
            self.write(rel, text)

    def tearDown(self):
        e2e_util.remove_tree(self.root)

    def path(self, rel=""):
        return os.path.join(self.root, rel)

    def write(self, rel, text):
        os.makedirs(os.path.dirname(self.path(rel)), exist_ok=True)
        with open(self.path(rel), "w") as f:
            f.write(text)


class BaselineRoundTrip(TreeTest):
    def test_create_scan_move_and_add(self):
        baseline = self.path("keysweep-baseline.json")
        r = run("baseline", "create", self.root, "-o", baseline)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("2 findings", r.stdout)
        with open(baseline) as f:
            text = f.read()
        for secret in (SID, TOKEN, AKID):
            self.assertNotIn(secret, text)
        doc = json.loads(text)
        self.assertEqual(doc["keysweep_baseline"], 1)
        self.assertEqual(
            sorted((e["rule_id"], e["path"]) for e in doc["findings"] if "part_of" not in e),
            [("aws.access_key_id", "deploy/.env"), ("twilio.account", "app/Config.java")])
        self.assertIn(hashlib.sha256(AKID.encode()).hexdigest(),
                      [e["secret_sha256"] for e in doc["findings"]])

        # Nothing new: exit 0, and the summary says what the baseline hid.
        r = run("scan", "--color", "never", "--baseline", baseline, self.root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 findings", r.stdout)
        self.assertIn("2 suppressed by baseline", r.stdout)

        # Same result from inside the tree, with the paths spelled differently.
        r = run("scan", "--baseline", "keysweep-baseline.json", ".", cwd=self.root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # Lines added above a known secret do not make it new.
        self.write("deploy/.env", f"# staging\nREGION=eu-west-1\nAWS_ACCESS_KEY_ID={AKID}\n")
        r = run("scan", "--baseline", baseline, self.root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # A new secret is the only finding; the known ones stay hidden and counted.
        self.write("src/ci.sh", f"export GITHUB_TOKEN={GHP}\n")
        r, doc = scan_json("--baseline", baseline, self.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual([f["rule_id"] for f in doc["findings"]], ["github.pat_classic"])
        self.assertEqual(doc["summary"]["suppressed"]["baseline"], 2)
        self.assertEqual(doc["summary"]["findings"], 1)

    def test_the_same_secret_in_another_file_is_new(self):
        baseline = self.path("b.json")
        self.assertEqual(run("baseline", "create", "-o", baseline, self.root).returncode, 0)
        self.write("deploy/prod.env", f"AWS_ACCESS_KEY_ID={AKID}\n")
        r, doc = scan_json("--baseline", baseline, self.root)
        self.assertEqual(r.returncode, 1)
        self.assertEqual([f["location"]["path"] for f in doc["findings"]],
                         [self.path("deploy/prod.env")])

    def test_bad_baseline_is_an_error(self):
        bad = self.path("bad.json")
        self.write("bad.json", '{"keysweep_baseline": 7, "findings": []}')
        r = run("scan", "--baseline", bad, self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.json", r.stderr)
        self.assertIn("version 7", r.stderr)
        r = run("scan", "--baseline", self.path("missing.json"), self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing.json", r.stderr)

    def test_baseline_create_refuses_report_flags(self):
        r = run("baseline", "create", "--format", "json", self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--format", r.stderr)


class AllowComment(TreeTest):
    def test_allow_comment_on_the_secrets_line(self):
        self.write("deploy/.env", f"AWS_ACCESS_KEY_ID={AKID}  # keysweep:allow test account\n")
        r = run("scan", "--color", "never", self.path("deploy"))
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("1 suppressed by allow-comment", r.stdout)

    def test_allow_comment_naming_another_rule_does_not_hide_it(self):
        self.write("deploy/.env", f"AWS_ACCESS_KEY_ID={AKID}  # keysweep:allow twilio.*\n")
        self.assertEqual(run("scan", self.path("deploy")).returncode, 1)
        self.write("deploy/.env", f"AWS_ACCESS_KEY_ID={AKID}  # keysweep:allow aws.*\n")
        self.assertEqual(run("scan", self.path("deploy")).returncode, 0)

    def test_allow_comment_on_another_line_does_not_count(self):
        self.write("deploy/.env", f"# keysweep:allow\nAWS_ACCESS_KEY_ID={AKID}\n")
        self.assertEqual(run("scan", self.path("deploy")).returncode, 1)

    def test_allow_on_one_part_hides_the_pair(self):
        self.write("app/Config.java",
                   f'static final String TWILIO_SID = "{SID}";\n'
                   f'static final String TWILIO_AUTH_TOKEN = "{TOKEN}"; /* keysweep:allow */\n')
        r, doc = scan_json(self.path("app"))
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(doc["summary"]["suppressed"]["allow-comment"], 1)

    def test_no_suppress_reports_everything(self):
        self.write("deploy/.env", f"AWS_ACCESS_KEY_ID={AKID}  # keysweep:allow\n")
        self.assertEqual(run("scan", "--no-suppress", self.path("deploy")).returncode, 1)


class IgnoreFileAndDisabledRules(TreeTest):
    def test_keysweepignore_at_the_scanned_root(self):
        self.write(".keysweepignore", "# fixtures\ndeploy/\n")
        r = run("scan", "--color", "never", self.root)
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("deploy/.env", r.stdout)
        self.assertIn("twilio.account", r.stdout)
        self.assertIn("1 suppressed by ignore-file", r.stdout)
        self.assertEqual(run("scan", "--no-config", self.root).stdout.count("deploy/.env"), 1)

    def test_ignore_file_flag_is_relative_to_the_working_directory(self):
        self.write("../keysweep-extra-ignore", "*.java\n")
        ignore = self.path("../keysweep-extra-ignore")
        try:
            r, doc = scan_json("--ignore-file", ignore, ".", cwd=self.root)
            self.assertEqual([f["rule_id"] for f in doc["findings"]], ["aws.access_key_id"])
            self.assertEqual(doc["summary"]["suppressed"]["ignore-file"], 1)
        finally:
            os.remove(ignore)

    def test_disable_rule_by_id_and_glob(self):
        r, doc = scan_json("--disable-rule", "aws.*", self.root)
        self.assertEqual([f["rule_id"] for f in doc["findings"]], ["twilio.account"])
        self.assertEqual(doc["summary"]["suppressed"]["rule-disabled"], 1)
        r = run("scan", "--disable-rule", "twilio.account", "--disable-rule", "aws.access_key_id",
                self.root)
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_disable_rule_typo_is_an_error(self):
        r = run("scan", "--disable-rule", "aws.acces_key_id", self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("aws.acces_key_id", r.stderr)


class ProjectConfig(TreeTest):
    def test_config_at_the_repository_root(self):
        os.makedirs(self.path(".git"))
        sha = hashlib.sha256(AKID.encode()).hexdigest()
        self.write("keysweep.toml", f'[allowlist]\nsecret_sha256 = ["{sha}"]\n'
                                    '[scan]\nexclude = ["*.java"]\n')
        # Found from a subdirectory, as a pre-commit hook scanning one file would.
        r, doc = scan_json(self.path("deploy/.env"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(doc["summary"]["suppressed"]["allowlist"], 1)
        r, doc = scan_json(self.root)
        self.assertEqual(doc["findings"], [])  # the .java file is excluded, not scanned
        r, doc = scan_json("--no-config", self.root)
        self.assertEqual(len(doc["findings"]), 2)

    def test_rules_and_allowlist_sections(self):
        self.write("tests/fixture.txt", f"token={GHP}\n")
        self.write("keysweep.toml", '[rules]\ndisable = ["twilio.*"]\n'
                                    '[allowlist]\npaths = ["tests/"]\n'
                                    f'secret_regex = ["^{AKID[:8]}"]\n')
        r, doc = scan_json(self.root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(doc["summary"]["suppressed"],
                         {"allow-comment": 0, "allowlist": 2, "baseline": 0, "ignore-file": 0,
                          "rule-disabled": 1})

    def test_explicit_config_and_size_flag_override(self):
        self.write("../keysweep-other.toml", '[scan]\nmax_file_size = "10"\n')
        cfg = self.path("../keysweep-other.toml")
        try:
            r = run("scan", "--config", cfg, self.root)
            self.assertEqual(r.returncode, 0)  # every file is over 10 bytes: skipped
            self.assertIn("too-large", r.stdout)
            r = run("scan", "--config", cfg, "--max-file-size", "1M", self.root)
            self.assertEqual(r.returncode, 1)
        finally:
            os.remove(cfg)

    def test_unknown_key_is_an_error_naming_file_and_key(self):
        self.write("keysweep.toml", '[scan]\nexcludes = ["*.java"]\n')
        r = run("scan", self.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("keysweep.toml", r.stderr)
        self.assertIn("scan.excludes", r.stderr)


class CountsInEveryFormat(TreeTest):
    def test_counts_in_json_jsonl_sarif_and_csv(self):
        self.write("deploy/.env", f"AWS_ACCESS_KEY_ID={AKID}  # keysweep:allow\n")
        self.write(".keysweepignore", "app/\n")
        self.write("new.txt", f"GITHUB_TOKEN={GHP2}\n")
        expected = {"allow-comment": 1, "allowlist": 0, "baseline": 0, "ignore-file": 1,
                    "rule-disabled": 0}
        r, doc = scan_json(self.root)
        self.assertEqual(doc["summary"]["suppressed"], expected)
        self.assertEqual(len(doc["findings"]), 1)
        r = run("scan", "--format", "jsonl", self.root)
        self.assertEqual(json.loads(r.stdout.splitlines()[-1])["suppressed"], expected)
        r = run("scan", "--format", "sarif", self.root)
        props = json.loads(r.stdout)["runs"][0]["properties"]["summary"]
        self.assertEqual(props["suppressed"], expected)
        r = run("scan", "--format", "csv", self.root)
        self.assertIn("2 findings suppressed (1 allow-comment, 1 ignore-file)", r.stderr)


class IncludeSuppressed(TreeTest):
    def setUp(self):
        super().setUp()
        self.write("deploy/.env", f"AWS_ACCESS_KEY_ID={AKID}  # keysweep:allow\n")
        self.write(".keysweepignore", "app/\n")
        self.write("new.txt", f"GITHUB_TOKEN={GHP2}\n")

    def test_json_lists_hidden_findings_with_suppressed_by(self):
        r, doc = scan_json("--include-suppressed", "--disable-rule", "github.*", self.root)
        self.assertEqual(r.returncode, 0, r.stderr)  # nothing reported: exit code unchanged
        self.assertEqual(doc["summary"]["findings"], 0)
        by = {f["rule_id"]: f["suppressed_by"] for f in doc["findings"]}
        # The disabled rule's finding is not listed: a disabled rule makes no findings.
        self.assertEqual(sorted(by), ["aws.access_key_id", "twilio.account"])
        self.assertEqual(by["aws.access_key_id"]["mechanism"], "allow-comment")
        self.assertEqual(by["twilio.account"]["mechanism"], "ignore-file")
        self.assertEqual(by["twilio.account"]["source"], self.path(".keysweepignore"))
        self.assertIn(".keysweepignore", by["twilio.account"]["justification"])

    def test_jsonl_lists_them_and_default_json_does_not(self):
        r = run("scan", "--format", "jsonl", "--include-suppressed", self.root)
        lines = [json.loads(line) for line in r.stdout.splitlines()]
        findings = [x for x in lines if x["type"] == "finding"]
        self.assertEqual(len(findings), 3)
        self.assertEqual(sum("suppressed_by" in x for x in findings), 2)
        r, doc = scan_json(self.root)
        self.assertEqual(len(doc["findings"]), 1)
        self.assertFalse(any("suppressed_by" in f for f in doc["findings"]))

    def test_formats_that_cannot_list_them_refuse_the_flag(self):
        r = run("scan", "--include-suppressed", self.root)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--include-suppressed", r.stderr)


if __name__ == "__main__":
    e2e_util.main()
