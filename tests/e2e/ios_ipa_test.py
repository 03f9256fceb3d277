#!/usr/bin/env python3
"""End-to-end test of an iOS app through the keysweep command line: builds demo.ipa with
tests/fixtures/ios/build_ipa_fixtures.sh, runs `keysweep scan` on it (JSON and human output) and
checks what a user reads: plist key paths as symbols, the UTF-16 .strings key, and the app's bundle
id, version and team on every finding, including the one inside a framework.
Run: /usr/bin/python3 tests/e2e/ios_ipa_test.py --keysweep build/dev/src/cli/keysweep
"""
import json
import os
import unittest

import e2e_util
from e2e_util import run

FIXTURES = os.path.join(e2e_util.FIXTURES, "ios")


class ScanDemoIpa(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e_util.scratch_dir("ios")
        e2e_util.build_fixture(os.path.join(FIXTURES, "build_ipa_fixtures.sh"), cls.tmp, cls.tmp,
                               "iOS fixture tools")
        cls.ipa = os.path.join(cls.tmp, "demo.ipa")
        with open(os.path.join(cls.tmp, "developer_cert.sha256")) as f:
            cls.cert_sha256 = f.read().strip()
        r = run("scan", "--format", "json", cls.ipa)
        cls.returncode, cls.stderr = r.returncode, r.stderr
        cls.report = json.loads(r.stdout)
        human = run("scan", "--color", "never", cls.ipa)
        cls.human = human.stdout

    @classmethod
    def tearDownClass(cls):
        e2e_util.remove_tree(cls.tmp)

    def findings(self):
        for f in self.report["findings"]:
            yield f
            yield from f.get("parts", [])

    def find(self, rule_id, symbol):
        hits = [f for f in self.findings()
                if f["rule_id"] == rule_id and f["location"]["symbol"] == symbol]
        self.assertTrue(hits, f"no {rule_id} ({symbol}); got:\n" + "\n".join(
            f"  {f['rule_id']} {f['location']['display_path']} ({f['location']['symbol']})"
            for f in self.findings()))
        return hits[0]

    def test_exit_code_says_secrets_were_found(self):
        self.assertEqual(self.returncode, 1, self.stderr)

    def test_plist_key_paths_are_the_symbols(self):
        google = self.find("google.api_key", "GoogleService-Info.plist:API_KEY")
        self.assertEqual(google["location"]["display_path"],
                         self.ipa + "!Payload/Demo.app/GoogleService-Info.plist!values")
        self.find("twilio.auth_token", "Info.plist:TwilioAuthToken")
        self.find("aws.access_key_id", "Localizable.strings:upload_access_key_id")

    def test_every_finding_names_the_app(self):
        framework = self.find("aws.access_key_id", "Info.plist:UploadKeyId")
        self.assertIn("Frameworks/DemoKit.framework", framework["location"]["display_path"])
        for f in self.report["findings"]:
            self.assertEqual(f.get("app"), {
                "platform": "ios", "package": "com.example.demo", "version": "2.3.1 (417)",
                "team_id": "7Q3XK2M9PL", "signer_sha256": self.cert_sha256,
            }, f["location"]["display_path"])

    def test_no_secret_in_clear_without_show_secrets(self):
        for secret in ("AIzaSyB7kQ2mX9vL4pR8tN1wZ6cF3hJ5dG0sYeU", "4f9c2e7a1b8d3f6e0c5a9b2d7e1f4a8c"):
            self.assertNotIn(secret, json.dumps(self.report))
            self.assertNotIn(secret, self.human)

    def test_human_output_shows_symbol_and_app(self):
        self.assertIn("Info.plist:TwilioAuthToken", self.human)
        self.assertIn("app:     com.example.demo 2.3.1 (417)", self.human)
        self.assertIn("team 7Q3XK2M9PL", self.human)


if __name__ == "__main__":
    e2e_util.main()
