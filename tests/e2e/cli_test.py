#!/usr/bin/env python3
"""End-to-end tests of the keysweep command line: findings, redaction, exit codes, and how bad
input (unreadable file, directory loop, oversize file, invalid UTF-8) is reported while the scan
goes on. Run: /usr/bin/python3 tests/e2e/cli_test.py --keysweep build/dev/src/cli/keysweep
"""
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import unittest

import e2e_util
from fake_credentials import Fakes  # on sys.path through e2e_util
from e2e_util import run


class Tree:
    """A temporary directory with files written from a dict."""

    def __init__(self, files):
        self.root = e2e_util.scratch_dir("e2e")
        os.chmod(self.root, 0o755)
        for rel, data in files.items():
            path = os.path.join(self.root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode())

    def path(self, rel=""):
        return os.path.join(self.root, rel)

    def cleanup(self):
        for dirpath, dirnames, filenames in os.walk(self.root):
            for n in dirnames + filenames:
                try:
                    os.chmod(os.path.join(dirpath, n), 0o755, follow_symlinks=False)
                except (OSError, NotImplementedError):
                    pass
        e2e_util.remove_tree(self.root)


FAKE = Fakes("e2e")
SID, TOKEN = FAKE.twilio_account_sid(), FAKE.twilio_auth_token()
AKID = FAKE.aws_access_key_id()


class FindingsAndExitCodes(unittest.TestCase):
    def setUp(self):
        self.tree = Tree({
            "app/Config.java": f'static final String TWILIO_SID = "{SID}";\n'
                               f'static final String TWILIO_AUTH_TOKEN = "{TOKEN}";\n',
            "deploy/.env": f"AWS_ACCESS_KEY_ID={AKID}\n",
            "clean/readme.txt": "nothing to see\n",
        })

    def tearDown(self):
        self.tree.cleanup()

    def test_findings_exit_one_with_location_and_redaction(self):
        r = run("scan", "--color", "never", self.tree.path())
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(self.tree.path("app/Config.java") + ":2:", r.stdout)
        # The SID and the token in one file are one paired finding listing both parts.
        self.assertIn("[twilio.account, high confidence]", r.stdout)
        self.assertIn("id " + e2e_util.redacted(SID) + "  (twilio.account_sid line 1)", r.stdout)
        self.assertIn("secret " + e2e_util.redacted(TOKEN) + "  (twilio.auth_token line 2)",
                      r.stdout)
        self.assertIn(self.tree.path("deploy/.env") + ":1:19", r.stdout)
        self.assertIn(e2e_util.redacted(AKID), r.stdout)
        for secret in (SID, TOKEN, AKID):
            self.assertNotIn(secret, r.stdout + r.stderr)
        self.assertIn("2 findings in 3 files", r.stdout)

    def test_show_secrets_prints_them(self):
        r = run("scan", "--show-secrets", self.tree.path())
        self.assertEqual(r.returncode, 1)
        for secret in (SID, TOKEN, AKID):
            self.assertIn(secret, r.stdout)

    def test_clean_tree_exits_zero(self):
        r = run("scan", self.tree.path("clean"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 findings", r.stdout)

    def test_exit_zero_flag(self):
        self.assertEqual(run("scan", "--exit-zero", self.tree.path()).returncode, 0)

    def test_missing_path_is_an_error(self):
        r = run("scan", self.tree.path("does-not-exist"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("does-not-exist", r.stderr)
        self.assertIn("no such file", r.stderr)

    def test_unknown_format_is_an_error(self):
        r = run("scan", "--format", "yaml", self.tree.path())
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown format", r.stderr)

    def test_exclude_glob(self):
        r = run("scan", "--exclude", "*.env", "--exclude", "app", self.tree.path())
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_output_file(self):
        out = self.tree.path("report.txt")
        r = run("scan", "--output", out, self.tree.path("deploy"))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        with open(out) as f:
            self.assertIn("aws.access_key_id", f.read())

    def test_jobs_do_not_change_the_result(self):
        one = run("scan", "--jobs", "1", "--color", "never", self.tree.path()).stdout
        four = run("scan", "--jobs", "4", "--color", "never", self.tree.path()).stdout
        strip = lambda s: [l for l in s.splitlines() if " findings in " not in l]
        self.assertEqual(strip(one), strip(four))


    def test_min_severity_and_min_confidence_hide_and_count(self):
        import json
        # The Twilio pair grants the whole account (high); the AWS key id alone names an account
        # and grants nothing (low).
        r = run("scan", "--format", "json", "--min-severity", "medium", self.tree.path())
        self.assertEqual(r.returncode, 1, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual([f["rule_id"] for f in doc["findings"]], ["twilio.account"])
        self.assertEqual(doc["summary"]["suppressed"]["min-severity"], 1)
        r = run("scan", "--color", "never", "--min-confidence", "high", self.tree.path())
        self.assertIn("1 finding in 3 files", r.stdout)  # the AWS key id is medium confidence
        self.assertIn("1 suppressed by min-confidence", r.stdout)
        r = run("scan", "--format", "csv", "--min-severity", "critical", self.tree.path())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("keysweep: 2 findings hidden by --min-severity", r.stderr)
        self.assertIn("app_package,app_version,app_signer_sha256", r.stdout.splitlines()[0])
        r = run("scan", "--min-severity", "severe", self.tree.path())
        self.assertEqual(r.returncode, 2)
        db = os.path.join(self.tree.path(), "fleet.db")
        r = run("scan", "--datastore", db, "--min-severity", "high", self.tree.path("app"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("apply to reports", r.stderr)

    def test_fix_prints_the_whole_remediation(self):
        r = run("scan", "--color", "never", self.tree.path("app"))
        # The Twilio remediation's first sentence says how to rotate; the rest, what to ship.
        self.assertIn("fix:     Rotate the Auth Token now", r.stdout)
        self.assertIn("Access Tokens or call your backend.", r.stdout)


class RiskOrder(unittest.TestCase):
    """`scan` lists findings most severe first, each with its severity and why, in every format;
    a Maps key where the Maps SDK reads it is configuration (info), the same kind of key in code a
    leak (docs/FLEET.md "Risk order")."""

    MAPS_KEY, CODE_KEY = FAKE.google_api_key(), FAKE.google_api_key()

    def setUp(self):
        self.tree = Tree({
            "a/.env": f"AWS_ACCESS_KEY_ID={AKID}\n",  # an identifier: low
            "b/Config.java": f'static final String TWILIO_SID = "{SID}";\n'
                             f'static final String TWILIO_AUTH_TOKEN = "{TOKEN}";\n',  # high
            "c/res/values/google_maps_api.xml":
                '<resources>\n'
                f'    <string name="google_maps_key" translatable="false">{self.MAPS_KEY}</string>\n'
                '</resources>\n',  # info
            "d/Net.java": f'String key = "{self.CODE_KEY}";\n',  # scoped: medium
        })

    def tearDown(self):
        self.tree.cleanup()

    WANT = [("twilio.account", "high", "b/Config.java"), ("google.api_key", "medium", "d/Net.java"),
            ("aws.access_key_id", "low", "a/.env"),
            ("google.api_key", "info", "c/res/values/google_maps_api.xml")]

    def got(self, findings):
        return [(f["rule_id"], f["severity"], os.path.relpath(f["location"]["path"], self.tree.path()))
                for f in findings]

    def test_json_and_jsonl_most_severe_first_with_why(self):
        import json
        doc = json.loads(run("scan", "--format", "json", "--jobs", "2", self.tree.path()).stdout)
        self.assertEqual(self.got(doc["findings"]), self.WANT)
        self.assertEqual(doc["findings"][0]["why"], "full Twilio account; not checked")
        self.assertEqual(doc["findings"][3]["why"],
                         "Google key declared for the app's Maps/Firebase SDK: check its "
                         "restrictions in the Cloud console; not checked")
        lines = [json.loads(l) for l in run("scan", "--format", "jsonl", self.tree.path()).stdout.splitlines()]
        self.assertEqual(self.got([l for l in lines if l["type"] == "finding"]), self.WANT)

    def test_human_lists_the_same_order_and_says_why(self):
        out = run("scan", "--color", "never", self.tree.path()).stdout
        places = [out.index(self.tree.path(p) + ":") for _, _, p in self.WANT]
        self.assertEqual(places, sorted(places), out)
        self.assertIn("  severity: high (full Twilio account; not checked)\n", out)
        self.assertIn("  severity: info (Google key declared for the app's Maps/Firebase SDK", out)

    def test_sarif_level_and_security_severity_follow_severity(self):
        import json
        log = json.loads(run("scan", "--format", "sarif", self.tree.path()).stdout)
        got = [(r["ruleId"], r["level"], r["properties"]["severity"], r["properties"]["security-severity"])
               for r in log["runs"][0]["results"]]
        self.assertEqual(got, [("twilio.account", "error", "high", "8.0"),
                               ("google.api_key", "warning", "medium", "5.5"),
                               ("aws.access_key_id", "note", "low", "3.0"),
                               ("google.api_key", "note", "info", "0.0")])
        rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
        self.assertEqual(rules["google.api_key"]["properties"]["security-severity"], "5.5")


class BadInput(unittest.TestCase):
    """Each problem is named with its path on stderr, counted in the summary, and the scan of the
    other files goes on (the planted AWS key is still found)."""

    def setUp(self):
        self.tree = Tree({"good/.env": f"AWS_ACCESS_KEY_ID={AKID}\n"})

    def tearDown(self):
        self.tree.cleanup()

    def assert_still_found(self, r):
        self.assertIn("aws.access_key_id", r.stdout)

    def test_unreadable_file(self):
        path = self.tree.path("locked.txt")
        with open(path, "w") as f:
            f.write(f"token {TOKEN}\n")
        os.chmod(path, 0)
        r = run("scan", "--color", "never", self.tree.path(), user=e2e_util.unprivileged_user(self))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(path, r.stderr)
        self.assertIn("Permission denied", r.stderr)
        self.assertIn("1 unreadable", r.stdout)
        self.assert_still_found(r)

    def test_directory_loop(self):
        os.makedirs(self.tree.path("loop/inner"))
        os.symlink("..", self.tree.path("loop/inner/back"))
        r = run("scan", "--follow-symlinks", "--color", "never", self.tree.path())
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(self.tree.path("loop/inner/back"), r.stderr)
        self.assertIn("directory cycle", r.stderr)
        self.assertIn("1 symlink-loop", r.stdout)
        self.assert_still_found(r)
        # Without --follow-symlinks the link is not followed at all.
        r = run("scan", "--color", "never", self.tree.path())
        self.assertNotIn("cycle", r.stderr)

    def test_file_over_size_limit(self):
        big = self.tree.path("big.bin")
        with open(big, "wb") as f:
            f.write(b"A" * 4096)
        r = run("scan", "--max-file-size", "1KiB", "--color", "never", self.tree.path())
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(big, r.stderr)
        self.assertIn("over --max-file-size", r.stderr)
        self.assertIn("1 too-large", r.stdout)
        self.assert_still_found(r)

    def test_invalid_utf8(self):
        path = self.tree.path("latin1.properties")
        with open(path, "wb") as f:
            f.write(b"caf\xe9=\xff\xfe\ntwilio_auth_token=" + TOKEN.encode() + b"\n")
        r = run("scan", "--color", "never", self.tree.path())
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(path, r.stderr)
        self.assertIn("not valid UTF-8", r.stderr)
        self.assertIn("1 invalid-utf8", r.stdout)
        self.assertIn("twilio.auth_token", r.stdout)
        self.assert_still_found(r)

    def test_quiet_still_counts(self):
        os.makedirs(self.tree.path("loop/inner"))
        os.symlink("..", self.tree.path("loop/inner/back"))
        r = run("scan", "-q", "--follow-symlinks", "--color", "never", self.tree.path())
        self.assertEqual(r.stderr, "")
        self.assertIn("1 symlink-loop", r.stdout)


class Rules(unittest.TestCase):
    def test_check_passes(self):
        r = run("rules", "check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(" 0 failures", r.stdout)

    def test_check_fails_on_a_rule_that_misses_its_example(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write("""[[rules]]
id = "test.broken"
name = "Broken"
provider = "test"
pattern = '''\\b(zz[0-9]{8})\\b'''
positive_examples = ["key = yy12345678"]
remediation = "none"
""")
        try:
            r = run("rules", "check", "--rules", f.name)
            self.assertEqual(r.returncode, 1)
            self.assertIn("test.broken: positive example 1 not found", r.stderr)
        finally:
            os.unlink(f.name)

    def test_bad_rule_file_is_a_config_error(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write('[[rules]]\nid = "x.y"\nname = "n"\nprovider = "p"\npattern = "(unclosed"\n'
                    'positive_examples = ["a"]\nremediation = "r"\n')
        try:
            r = run("scan", "--rules", f.name, ".")
            self.assertEqual(r.returncode, 2)
            self.assertIn("x.y", r.stderr)
        finally:
            os.unlink(f.name)

    def test_a_user_rule_is_checked_at_start_even_without_a_candidate(self):
        # Vectorscan accepts this pattern; only RE2's group count shows secret_group is wrong. A
        # built-in rule's RE2 is compiled on its first candidate, a user's at start, so the scan of
        # a file holding no candidate must still fail, naming the rule (also one that replaces a
        # built-in rule's id).
        for rid in ("test.badgroup", "twilio.auth_token"):
            with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
                f.write('[[rules]]\nid = "%s"\nname = "Bad group"\nprovider = "test"\n'
                        "pattern = '''\\b(zq[0-9]{8})\\b'''\nsecret_group = 2\n"
                        'positive_examples = ["key = zq12345678"]\nremediation = "none"\n' % rid)
            try:
                r = run("scan", "--rules", f.name, "README.md")
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn("rule '%s': secret_group 2" % rid, r.stderr)
            finally:
                os.unlink(f.name)

    def test_check_refuses_an_unknown_grants_value(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write('[[rules]]\nid = "x.y"\nname = "n"\nprovider = "p"\npattern = "\\\\b(zz[0-9]{8})"\n'
                    'grants = "root"\npositive_examples = ["zz12345678"]\nremediation = "r"\n')
        try:
            r = run("rules", "check", "--rules", f.name)
            self.assertEqual(r.returncode, 2)
            self.assertIn("rule 'x.y': grants must be one of public-config, identifier, read-only, "
                          "scoped-write, full-account, not 'root'", r.stderr)
        finally:
            os.unlink(f.name)

    def test_list_and_show_say_what_each_rule_grants(self):
        import json
        listed = run("rules", "list").stdout
        self.assertRegex(listed, r"twilio\.auth_token\s+medium\s+full-account\s+Twilio Auth Token")
        shown = json.loads(run("rules", "show", "firebase.database_url").stdout)
        self.assertEqual(shown["grants"], "public-config")

    def test_list_has_at_least_the_core_providers(self):
        out = run("rules", "list").stdout
        for rid in ("twilio.account_sid", "twilio.auth_token", "aws.access_key_id",
                    "aws.secret_access_key"):
            self.assertIn(rid, out)

    def test_export_ripgrep_one_pattern_per_rule(self):
        listed = run("rules", "list").stdout.strip().splitlines()[-1]
        count = int(listed.split()[0])
        exported = run("rules", "export", "--format", "ripgrep").stdout.splitlines()
        self.assertEqual(len(exported), count)


class HashKey(unittest.TestCase):
    """Issue 17: guessable secrets are hashed under a key of the user's (cli/hash_key.h), so that a
    shared report cannot be reversed by a dictionary; other secrets keep their plain SHA-256."""

    WEAK = "Winter2022"
    STRONG = FAKE.aws_secret_access_key()

    def setUp(self):
        self.tree = Tree({"app.env": f'DB_PASSWORD="{self.WEAK}"\nAWS_SECRET_ACCESS_KEY={self.STRONG}\n'})
        self.config = e2e_util.scratch_dir("e2e-config")
        self.env = {"XDG_CONFIG_HOME": self.config}

    def tearDown(self):
        self.tree.cleanup()
        e2e_util.remove_tree(self.config)

    def scan(self, env):
        # KEYSWEEP_HASH_KEY is set for every test by CTest; these tests decide it themselves.
        full = {k: v for k, v in os.environ.items() if k != "KEYSWEEP_HASH_KEY"}
        full.update(env)
        r = subprocess.run([e2e_util.KEYSWEEP, "scan", self.tree.path(), "--format", "json", "-q"],
                           capture_output=True, text=True, env=full)
        self.assertEqual(r.returncode, 1, r.stderr)
        return json.loads(r.stdout)["findings"], r.stderr

    def finding(self, findings, field):
        hits = [f for f in findings if field in f]
        self.assertTrue(hits, findings)
        return hits[0]

    def test_key_file_is_made_private_and_reused(self):
        first, err = self.scan(self.env)
        key_path = os.path.join(self.config, "keysweep", "hash-key")
        self.assertEqual(os.stat(key_path).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.dirname(key_path)).st_mode & 0o777, 0o700)
        with open(key_path) as f:
            key = f.read().strip()
        self.assertRegex(key, r"^[0-9a-f]{64}$")
        weak = self.finding(first, "secret_hmac_sha256")
        self.assertNotIn("secret_sha256", weak)
        self.assertEqual(weak["secret_hmac_sha256"],
                         hmac.new(key.encode(), self.WEAK.encode(), hashlib.sha256).hexdigest())
        self.assertNotIn(hashlib.sha256(self.WEAK.encode()).hexdigest(), json.dumps(first))
        strong = [f for f in first if f.get("secret_sha256") == hashlib.sha256(self.STRONG.encode()).hexdigest()]
        self.assertTrue(strong, "a high-entropy secret keeps its plain SHA-256")
        again, _ = self.scan(self.env)
        self.assertEqual(self.finding(again, "secret_hmac_sha256")["secret_hmac_sha256"],
                         weak["secret_hmac_sha256"], "the same key on the next run")

    def test_a_key_file_others_can_read_is_refused(self):
        first, _ = self.scan(self.env)
        os.chmod(os.path.join(self.config, "keysweep", "hash-key"), 0o644)
        second, err = self.scan(self.env)
        self.assertIn("ignoring the hash key", err)
        self.assertIn("this run only", err)
        self.assertNotEqual(self.finding(first, "secret_hmac_sha256")["secret_hmac_sha256"],
                            self.finding(second, "secret_hmac_sha256")["secret_hmac_sha256"])

    def test_environment_key_wins(self):
        findings, _ = self.scan({**self.env, "KEYSWEEP_HASH_KEY": "shared CI key"})
        self.assertEqual(self.finding(findings, "secret_hmac_sha256")["secret_hmac_sha256"],
                         hmac.new(b"shared CI key", self.WEAK.encode(), hashlib.sha256).hexdigest())
        self.assertFalse(os.path.exists(os.path.join(self.config, "keysweep", "hash-key")))


if __name__ == "__main__":
    e2e_util.main()
