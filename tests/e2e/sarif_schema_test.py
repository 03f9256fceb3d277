#!/usr/bin/env python3
"""End-to-end checks of the machine output formats of the keysweep binary:
- `--format sarif` validates against the official OASIS SARIF 2.1.0 JSON schema
  (tests/data/sarif-schema-2.1.0.json, see tests/data/SOURCES.md) and has what GitHub code
  scanning needs (relative percent-encoded URIs, a region with startLine, partialFingerprints);
- no secret appears in clear in ANY format without --show-secrets, and each appears with it.
Scans examples/ (the demo tree) when present and always a temporary tree of known FAKE values.
Run: /usr/bin/python3 tests/e2e/sarif_schema_test.py --keysweep build/dev/src/cli/keysweep
"""
import json
import os
import re
import subprocess
import unittest
import urllib.parse

import jsonschema

import e2e_util
from e2e_util import ROOT
from fake_credentials import Fakes  # noqa: E402  (e2e_util put tests/fixtures on sys.path)

FAKES = Fakes("e2e-sarif-suppressed")

SCHEMA_PATH = os.path.join(ROOT, "tests", "data", "sarif-schema-2.1.0.json")
FORMATS = ["human", "json", "jsonl", "sarif", "csv"]

# FAKE values with the documented shapes (Twilio Account SID: AC + 32 hex; AWS access key id:
# AKIA + 16 of [A-Z2-7]); written here, never issued by a provider.
TWILIO_SID = "AC7d3e9b0f4a61c85e2d0b9f7a3c6e1d48"
AWS_KEY_ID = "AKIAR5TQ2WXZ7MNB4KJH"
GITHUB_TOKENS = [FAKES.github_token() for _ in range(3)]
SLACK_TOKEN = FAKES.slack_bot_token()

# RFC 3986 characters; jsonschema only checks "uri"/"uri-reference" with optional packages that
# Debian's python3-jsonschema does not pull in, so the formats are checked here.
_URI_CHARS = r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
FORMAT_CHECKER = jsonschema.FormatChecker()


@FORMAT_CHECKER.checks("uri")
def is_uri(value):
    return not isinstance(value, str) or bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:" + _URI_CHARS, value))


@FORMAT_CHECKER.checks("uri-reference")
def is_uri_reference(value):
    if not isinstance(value, str):
        return True
    if not re.fullmatch(_URI_CHARS, value):
        return False
    # A relative reference whose first segment holds ':' would parse as a scheme.
    first = value.split("/", 1)[0]
    return ":" not in first or bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:.*", value)) and is_uri(value)


def run(*args):
    return e2e_util.run(*args, cwd=ROOT)


class Fixture:
    """examples/ (relative to the source root, as a user in a checkout would scan it) and a
    temporary tree with a path that needs percent-encoding."""

    def __init__(self):
        self.tmp = e2e_util.scratch_dir("sarif")
        self.aws_file = os.path.join(self.tmp, "deploy dir", "prod#1.env")
        self.twilio_file = os.path.join(self.tmp, "src", "Sms.java")
        for path, text in ((self.aws_file, f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n"),
                           (self.twilio_file, f'String sid = "{TWILIO_SID}";\n')):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        self.paths = [self.tmp]
        if os.path.isdir(os.path.join(ROOT, "examples")):
            self.paths.insert(0, "examples")

    def cleanup(self):
        e2e_util.remove_tree(self.tmp)


class SarifSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SCHEMA_PATH) as f:
            cls.schema = json.load(f)
        cls.validator_class = jsonschema.validators.validator_for(cls.schema)
        cls.validator_class.check_schema(cls.schema)
        cls.fixture = Fixture()

    @classmethod
    def tearDownClass(cls):
        cls.fixture.cleanup()

    def sarif(self, *extra):
        r = run("scan", "--format", "sarif", "--quiet", *extra, *self.fixture.paths)
        self.assertEqual(r.returncode, 1, r.stderr)  # findings were made
        return json.loads(r.stdout)

    def assert_valid(self, log):
        errors = sorted(self.validator_class(self.schema, format_checker=FORMAT_CHECKER)
                        .iter_errors(log), key=lambda e: list(e.absolute_path))
        self.assertEqual([], [f"{list(e.absolute_path)}: {e.message}" for e in errors[:20]])

    def test_validates_against_the_official_schema(self):
        log = self.sarif()
        self.assert_valid(log)
        self.assertEqual(log["version"], "2.1.0")
        self.assertEqual(len(log["runs"]), 1)
        run_ = log["runs"][0]
        self.assertEqual(run_["tool"]["driver"]["name"], "keysweep")
        self.assertEqual(run_["columnKind"], "unicodeCodePoints")
        self.assertGreaterEqual(len(run_["results"]), 2)

    def test_show_secrets_output_is_valid_too(self):
        self.assert_valid(self.sarif("--show-secrets"))

    def test_a_run_without_findings_is_valid(self):
        clean = os.path.join(self.fixture.tmp, "clean")
        os.makedirs(clean, exist_ok=True)
        r = run("scan", "--format", "sarif", clean)
        self.assertEqual(r.returncode, 0, r.stderr)
        log = json.loads(r.stdout)
        self.assert_valid(log)
        self.assertEqual(log["runs"][0]["results"], [])

    def test_a_git_history_log_is_valid(self):
        # A repository whose directory needs percent-encoding, with an scp-style origin URL.
        repo = os.path.join(self.fixture.tmp, "git repo#1")
        os.makedirs(repo)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="a@example.com",
                   GIT_COMMITTER_NAME="A", GIT_COMMITTER_EMAIL="a@example.com")
        def git(*args):
            subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
        git("init", "-q", "-b", "main")
        with open(os.path.join(repo, "prod.env"), "w") as f:
            f.write(f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")
        git("add", "-A")
        git("commit", "-q", "-m", "add")
        for origin in (None, "git@example.com:acme/app.git"):
            if origin:
                git("remote", "add", "origin", origin)
            r = run("scan", "--format", "sarif", "--quiet", "--git", repo)
            self.assertEqual(r.returncode, 1, r.stderr)
            log = json.loads(r.stdout)
            self.assert_valid(log)
            vcs = log["runs"][0]["versionControlProvenance"][0]
            self.assertEqual(vcs["branch"], "main")
            if origin:
                self.assertEqual(vcs["repositoryUri"], "ssh://git@example.com/acme/app.git")

    def test_what_github_code_scanning_needs(self):
        run_ = self.sarif()["runs"][0]
        rules = run_["tool"]["driver"]["rules"]
        self.assertEqual(len({r["id"] for r in rules}), len(rules))
        for rule in rules:
            self.assertIn("security", rule["properties"]["tags"])
            # The worst severity of the rule's results (src/report/sarif.cc).
            self.assertIn(rule["properties"]["security-severity"], ("9.5", "8.0", "5.5", "3.0", "0.0"))
        uris = set()
        for res in run_["results"]:
            self.assertEqual(rules[res["ruleIndex"]]["id"], res["ruleId"])
            self.assertTrue(res["partialFingerprints"]["keysweep/v1"])
            phys = res["locations"][0]["physicalLocation"]
            self.assertGreaterEqual(phys["region"]["startLine"], 1)
            uri = phys["artifactLocation"]["uri"]
            self.assertNotIn("\\", uri)
            self.assertFalse(uri.startswith(("/", "./", "../")), uri)
            uris.add(uri)
        # Outside the current directory: an absolute file URI, percent-encoded.
        # quote() encodes ' ' as %20 and '#' as %23, as a URI reference needs.
        self.assertIn("file://" + urllib.parse.quote(self.fixture.aws_file, safe="/"), uris)
        if "examples" in self.fixture.paths:
            # Under the current directory: relative, as GitHub resolves against the checkout.
            self.assertTrue(any(u.startswith("examples/") for u in uris), uris)


class SuppressedResults(unittest.TestCase):
    """Findings hidden by an allow comment, .keysweepignore, a keysweep.toml allowlist or a
    baseline stay in the log as results with `suppressions`; a disabled rule's do not."""

    def setUp(self):
        self.tmp = e2e_util.scratch_dir("sarif-suppressed")
        with open(SCHEMA_PATH) as f:
            self.schema = json.load(f)
        files = {
            "allowed.env": f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}  # keysweep:allow\n",
            "vendor/Sms.java": f'String sid = "{TWILIO_SID}";\n',
            "fixtures/gh.txt": f"token={GITHUB_TOKENS[0]}\n",
            "old.txt": f"token={GITHUB_TOKENS[1]}\n",
            "new.txt": f"token={GITHUB_TOKENS[2]}\n",
            "slack.txt": f"SLACK_BOT_TOKEN={SLACK_TOKEN}\n",
            ".keysweepignore": "vendor/\n",
            "keysweep.toml": '[allowlist]\npaths = ["fixtures/**"]\n',
        }
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(self.tmp, rel)), exist_ok=True)
            with open(os.path.join(self.tmp, rel), "w") as f:
                f.write(text)
        # The baseline knows old.txt's token only.
        self.baseline = os.path.join(self.tmp, "keysweep-baseline.json")
        r = run("baseline", "create", "--no-config", "-o", self.baseline,
                os.path.join(self.tmp, "old.txt"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        e2e_util.remove_tree(self.tmp)

    def test_hidden_findings_are_suppressed_results(self):
        r = run("scan", "--format", "sarif", "--baseline", self.baseline,
                "--disable-rule", "slack.*", self.tmp)
        self.assertEqual(r.returncode, 1, r.stderr)  # new.txt is new
        log = json.loads(r.stdout)
        validator = jsonschema.validators.validator_for(self.schema)(
            self.schema, format_checker=FORMAT_CHECKER)
        self.assertEqual([], [f"{list(e.absolute_path)}: {e.message}"
                              for e in validator.iter_errors(log)][:20])
        run_ = log["runs"][0]
        by_file = {}
        for res in run_["results"]:
            uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            by_file[os.path.basename(urllib.parse.unquote(uri))] = res
        # The disabled rule made no finding at all; everything else is listed.
        self.assertEqual(sorted(by_file), ["Sms.java", "allowed.env", "gh.txt", "new.txt", "old.txt"])
        self.assertNotIn("suppressions", by_file["new.txt"])
        kinds = {name: [(s["kind"], s["status"], s["properties"]["mechanism"])
                        for s in res.get("suppressions", [])] for name, res in by_file.items()}
        self.assertEqual(kinds["allowed.env"], [("inSource", "accepted", "allow-comment")])
        self.assertEqual(kinds["Sms.java"], [("external", "accepted", "ignore-file")])
        self.assertEqual(kinds["gh.txt"], [("external", "accepted", "allowlist")])
        self.assertEqual(kinds["old.txt"], [("external", "accepted", "baseline")])
        # The justification names the mechanism's file.
        just = {n: r["suppressions"][0]["justification"] for n, r in by_file.items() if n != "new.txt"}
        self.assertIn(".keysweepignore", just["Sms.java"])
        self.assertIn("keysweep.toml", just["gh.txt"])
        self.assertIn("keysweep-baseline.json", just["old.txt"])
        self.assertIn("keysweep:allow", just["allowed.env"])
        self.assertIn("allowed.env:1", just["allowed.env"])
        # The counts stay; `findings` counts the reported ones only.
        summary = run_["properties"]["summary"]
        self.assertEqual(summary["findings"], 1)
        self.assertEqual(summary["suppressed"], {"allow-comment": 1, "allowlist": 1, "baseline": 1,
                                                 "ignore-file": 1, "rule-disabled": 1})

    def test_no_suppress_lists_them_as_plain_results(self):
        r = run("scan", "--format", "sarif", "--no-suppress", self.tmp)
        results = json.loads(r.stdout)["runs"][0]["results"]
        self.assertEqual(len(results), 6)
        self.assertFalse(any("suppressions" in res for res in results))


class NoSecretInClear(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fixture = Fixture()
        r = run("scan", "--format", "json", "--show-secrets", "--quiet", *cls.fixture.paths)
        doc = json.loads(r.stdout)
        secrets = set()

        def collect(finding):
            secrets.add(finding["secret"])
            for part in finding.get("parts", []):
                collect(part)

        for finding in doc["findings"]:
            collect(finding)
        cls.secrets = secrets

    @classmethod
    def tearDownClass(cls):
        cls.fixture.cleanup()

    def test_the_known_fakes_are_found(self):
        # Otherwise the checks below could pass by finding nothing.
        self.assertIn(TWILIO_SID, self.secrets)
        self.assertIn(AWS_KEY_ID, self.secrets)

    def test_every_format_redacts_by_default(self):
        for fmt in FORMATS:
            with self.subTest(format=fmt):
                r = run("scan", "--format", fmt, "--color", "never", *self.fixture.paths)
                self.assertEqual(r.returncode, 1, r.stderr)
                leaked = [s for s in self.secrets if s in r.stdout or s in r.stderr]
                self.assertEqual(leaked, [])
                self.assertIn(e2e_util.redacted(AWS_KEY_ID), r.stdout)

    def test_every_format_prints_secrets_when_asked(self):
        for fmt in FORMATS:
            with self.subTest(format=fmt):
                r = run("scan", "--format", fmt, "--show-secrets", "--color", "never",
                        *self.fixture.paths)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(TWILIO_SID, r.stdout)
                self.assertIn(AWS_KEY_ID, r.stdout)


if __name__ == "__main__":
    e2e_util.main()
