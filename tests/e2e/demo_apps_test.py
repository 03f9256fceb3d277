#!/usr/bin/env python3
"""End-to-end test of the demo apps `make demo` scans: builds them with
tests/fixtures/build_demo_apps.sh into a temporary directory (real signed APKs, an XAPK with a
split), scans them with `keysweep scan --format json`, and checks what a user reads: each finding's
rule, its provenance chain (APK -> classes2.dex, resources.arsc, the manifest, the arm64 .so,
assets), its symbol, the pairs, the app identity (package, version, signing certificate checked
against the certificate openssl reads from the APK), and that no secret is printed in clear.

Run: /usr/bin/python3 tests/e2e/demo_apps_test.py --keysweep build/dev/src/cli/keysweep
Skips (exit 0 with "skipped") when the Android tools are missing (the builder exits 77).
"""
import hashlib
import json
import os
import re
import subprocess
import unittest
import zipfile

import e2e_util
from e2e_util import FIXTURES, run
from fake_credentials import Fakes  # on sys.path through e2e_util

# The same draws, in the same order, as build_demo_apps.sh.
_f = Fakes("keysweep-demo-apps")
SID, TOKEN = _f.twilio_account_sid(), _f.twilio_auth_token()
AWS_ID, AWS_SECRET = _f.aws_access_key_id(), _f.aws_secret_access_key()
GOOGLE_KEY, SLACK_WEBHOOK = _f.google_api_key(), _f.slack_webhook()
MAPS_KEY = _f.google_api_key()
SECRETS = [SID, TOKEN, AWS_ID, AWS_SECRET, GOOGLE_KEY, SLACK_WEBHOOK, MAPS_KEY]


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def signer_sha256(apk):
    """SHA-256 of the APK's signing certificate, read independently of keysweep: the certificate
    in the v1 signature block (META-INF/*.RSA, PKCS#7), which apksigner made from the same key as
    the v2/v3 blocks."""
    with zipfile.ZipFile(apk) as z:
        block = next(n for n in z.namelist() if n.startswith("META-INF/") and n.endswith(".RSA"))
        pkcs7 = z.read(block)
    pem = subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-print_certs"], input=pkcs7,
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "x509", "-outform", "DER"], input=pem,
                         capture_output=True, check=True).stdout
    return hashlib.sha256(der).hexdigest()


class DemoApps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e_util.scratch_dir("demo-apps")
        cls.out = os.path.join(cls.tmp, "apps")
        e2e_util.build_fixture(os.path.join(FIXTURES, "build_demo_apps.sh"), cls.out, cls.tmp,
                               "Android build tools")
        cls.apps = {n: os.path.join(cls.out, n) for n in ("nightbus.apk", "ridealong.apk",
                                                          "nightbus.xapk")}
        r = run("scan", "--format", "json", cls.out)
        cls.returncode, cls.json_text, cls.stderr = r.returncode, r.stdout, r.stderr
        cls.report = json.loads(r.stdout)
        human = run("scan", "--color", "never", cls.out)
        cls.human_text = human.stdout + human.stderr

    @classmethod
    def tearDownClass(cls):
        e2e_util.remove_tree(cls.tmp)

    # Helpers ------------------------------------------------------------------------------------
    def chain_path(self, app, *entries):
        return "!".join([self.apps[app], *entries])

    def findings(self, include_parts=True):
        for f in self.report["findings"]:
            yield f
            if include_parts:
                yield from f.get("parts", [])

    def find(self, rule_id, display_path, symbol=None):
        hits = [f for f in self.findings() if f["rule_id"] == rule_id and
                f["location"]["display_path"] == display_path and
                (symbol is None or f["location"]["symbol"] == symbol)]
        self.assertTrue(hits, f"no {rule_id} at {display_path} ({symbol}); got:\n" + "\n".join(
            f"  {f['rule_id']} {f['location']['display_path']} ({f['location']['symbol']})"
            for f in self.findings()))
        return hits[0]

    def pair(self, rule_id, anchor_path, anchor_symbol):
        p = self.find(rule_id, anchor_path, anchor_symbol)
        self.assertEqual(p["confidence"], "high")
        return {part["pair_role"]: part for part in p["parts"]}

    # Findings and their attribution --------------------------------------------------------------
    def test_exit_code_says_found(self):
        self.assertEqual(self.returncode, 1, self.stderr)

    def test_twilio_pair_from_classes2_dex_field_and_method(self):
        dex = self.chain_path("nightbus.apk", "classes2.dex", "strings")
        parts = self.pair("twilio.account", dex, "com.example.sms.TwilioClient.authorization()")
        self.assertEqual(parts["id"]["location"]["display_path"], dex)
        self.assertEqual(parts["id"]["location"]["symbol"], "com.example.sms.TwilioClient.ACCOUNT_SID")
        self.assertEqual(parts["id"]["secret_sha256"], sha256(SID))
        self.assertEqual(parts["secret"]["secret_sha256"], sha256(TOKEN))
        self.assertEqual(parts["secret"]["location"]["chain"],
                         [self.apps["nightbus.apk"], "classes2.dex", "strings"])

    def test_manifest_meta_data_token(self):
        manifest = self.chain_path("nightbus.apk", "AndroidManifest.xml", "attributes")
        parts = self.pair("twilio.account", manifest, "com.twilio.AUTH_TOKEN")
        self.assertEqual(parts["secret"]["secret_sha256"], sha256(TOKEN))
        # Its SID comes from the same app: the static field in classes2.dex.
        self.assertEqual(parts["id"]["location"]["symbol"], "com.example.sms.TwilioClient.ACCOUNT_SID")

    def test_aws_pair_from_string_resources(self):
        arsc = self.chain_path("nightbus.apk", "resources.arsc", "values")
        parts = self.pair("aws.credentials", arsc, "@string/aws_secret_access_key")
        self.assertEqual(parts["id"]["location"]["symbol"], "@string/aws_access_key_id")
        self.assertEqual(parts["id"]["secret_sha256"], sha256(AWS_ID))
        self.assertEqual(parts["secret"]["secret_sha256"], sha256(AWS_SECRET))

    def test_google_key_in_native_library_with_symbol(self):
        f = self.find("google.api_key",
                      self.chain_path("nightbus.apk", "lib/arm64-v8a/libkeys.so", ".rodata"))
        self.assertIn("kGoogleMapsApiKey", f["location"]["symbol"])
        self.assertIn("arm64-v8a", f["location"]["symbol"])
        self.assertEqual(f["secret_sha256"], sha256(GOOGLE_KEY))

    def test_maps_key_in_the_manifest_is_configuration_and_native_code_key_a_leak(self):
        # The Maps SDK reads its key from this meta-data: a key meant to be restricted to the app
        # (info: check its restrictions); the key compiled into libkeys.so is a leak (medium).
        manifest = self.chain_path("nightbus.apk", "AndroidManifest.xml", "attributes")
        maps = self.find("google.api_key", manifest, "com.google.android.geo.API_KEY")
        self.assertEqual(maps["secret_sha256"], sha256(MAPS_KEY))
        self.assertEqual(maps["severity"], "info")
        self.assertTrue(maps["why"].startswith("Google key declared for the app's Maps/Firebase SDK"))
        native = self.find("google.api_key",
                           self.chain_path("nightbus.apk", "lib/arm64-v8a/libkeys.so", ".rodata"))
        self.assertEqual((native["severity"], native["why"]), ("medium", "scoped Google access; 1 app; not checked"))
        order = [f["secret_sha256"] for f in self.report["findings"]]
        self.assertLess(order.index(sha256(GOOGLE_KEY)), order.index(sha256(MAPS_KEY)))

    def test_slack_webhook_in_assets_with_line(self):
        f = self.find("slack.webhook_url", self.chain_path("nightbus.apk", "assets/config.json"))
        self.assertEqual(f["location"]["line"], 4)
        self.assertEqual(f["secret_sha256"], sha256(SLACK_WEBHOOK))

    def test_xapk_base_and_split_are_opened(self):
        base = ("nightbus.xapk", "com.example.nightbus.apk")
        self.pair("twilio.account", self.chain_path(*base, "classes2.dex", "strings"),
                  "com.example.sms.TwilioClient.authorization()")
        self.pair("aws.credentials", self.chain_path(*base, "resources.arsc", "values"),
                  "@string/aws_secret_access_key")
        f = self.find("google.api_key", self.chain_path(
            "nightbus.xapk", "config.arm64_v8a.apk", "lib/arm64-v8a/libkeys.so", ".rodata"))
        self.assertIn("kGoogleMapsApiKey", f["location"]["symbol"])

    def test_same_twilio_credential_in_another_publishers_app(self):
        dex = self.chain_path("ridealong.apk", "classes.dex", "strings")
        parts = self.pair("twilio.account", dex,
                          "com.othercorp.ridealong.net.SmsGateway.TWILIO_AUTH_TOKEN")
        self.assertEqual(parts["id"]["location"]["symbol"],
                         "com.othercorp.ridealong.net.SmsGateway.TWILIO_ACCOUNT_SID")
        nightbus = self.pair("twilio.account", self.chain_path("nightbus.apk", "classes2.dex", "strings"),
                             "com.example.sms.TwilioClient.authorization()")
        # One credential, two apps: the same hashes let a vetter join them.
        self.assertEqual(parts["secret"]["secret_sha256"], nightbus["secret"]["secret_sha256"])
        self.assertEqual(parts["id"]["secret_sha256"], nightbus["id"]["secret_sha256"])

    # App identity -------------------------------------------------------------------------------
    def app_of(self, app):
        apps = {json.dumps(f.get("app"), sort_keys=True) for f in self.report["findings"]
                if f["location"]["path"] == self.apps[app]}
        self.assertEqual(len(apps), 1, f"{app}: findings disagree on (or lack) the app: {apps}")
        return json.loads(apps.pop()) or {}

    def test_app_identity_nightbus(self):
        app = self.app_of("nightbus.apk")
        self.assertEqual(app.get("platform"), "android")
        self.assertEqual(app.get("package"), "com.example.nightbus")
        self.assertEqual(app.get("version"), "2.4.1")
        self.assertEqual(app.get("signer_sha256"), signer_sha256(self.apps["nightbus.apk"]))

    def test_app_identity_differs_between_publishers(self):
        nightbus, ridealong = self.app_of("nightbus.apk"), self.app_of("ridealong.apk")
        self.assertEqual(ridealong.get("package"), "com.othercorp.ridealong")
        self.assertEqual(ridealong.get("version"), "1.0.3")
        self.assertEqual(ridealong.get("signer_sha256"), signer_sha256(self.apps["ridealong.apk"]))
        self.assertTrue(nightbus.get("signer_sha256"))
        self.assertNotEqual(nightbus.get("signer_sha256"), ridealong.get("signer_sha256"))

    def test_xapk_findings_carry_the_apps_identity(self):
        # Base and split inside the XAPK: same package, version and certificate as nightbus.apk.
        self.assertEqual(self.app_of("nightbus.xapk"), self.app_of("nightbus.apk"))

    def test_the_two_apps_really_have_different_signers(self):
        # Guards the fixture itself: the reuse story needs two certificates.
        self.assertNotEqual(signer_sha256(self.apps["nightbus.apk"]),
                            signer_sha256(self.apps["ridealong.apk"]))

    # Redaction ----------------------------------------------------------------------------------
    def test_no_secret_in_clear(self):
        for secret in SECRETS:
            self.assertNotIn(secret, self.json_text)
            self.assertNotIn(secret, self.human_text)
        for f in self.findings():
            self.assertNotIn("secret", f)
            self.assertIn("…", f["redacted"])

    def test_human_output_names_class_resource_and_library(self):
        for text in ("nightbus.apk!classes2.dex!strings (com.example.sms.TwilioClient.authorization())",
                     "@string/aws_access_key_id", "nightbus.apk!AndroidManifest.xml!attributes",
                     "lib/arm64-v8a/libkeys.so!.rodata (kGoogleMapsApiKey"):
            self.assertIn(text, self.human_text)

    def test_readme_example_is_what_keysweep_prints(self):
        # README's example is `make demo`'s output: examples/ and these apps as build/demo-apps.
        # The signer differs per build (keytool draws a fresh key), the time per run.
        with open(os.path.join(e2e_util.ROOT, "README.md")) as f:
            readme = f.read()
        block = re.search(r"\$ keysweep scan examples build/demo-apps\n(.*?)\n```", readme, re.S)
        self.assertTrue(block, "README lost its example")
        r = run("scan", "--color", "never", "examples", self.out, cwd=e2e_util.ROOT)

        def normal(text):
            text = re.sub(r"signer [0-9a-f]{16}", "signer SIGNER", text)
            return re.sub(r"MB in [0-9.]+s", "MB in Ts", text)
        printed = normal(r.stdout.replace(self.out, "build/demo-apps"))
        shown = [p for p in normal(block.group(1)).split("\n\n") if p.strip()]
        summary, exit_line = shown[-2], shown[-1]
        for finding in shown[:-2]:
            self.assertIn(finding + "\n\n", printed)
        # The findings README shows appear in the order printed.
        where = [printed.index(f) for f in shown[:-2]]
        self.assertEqual(where, sorted(where))
        self.assertTrue(printed.endswith(summary + "\n"), printed[-300:])
        # Its count is the number of findings printed (one paragraph each, then the summary).
        self.assertEqual(int(re.match(r"(\d+) findings", summary).group(1)),
                         len(printed.split("\n\n")) - 1)
        self.assertEqual(exit_line, "keysweep exited 1 (0 nothing found, 1 credentials found, 2 the "
                                    "run failed).")


if __name__ == "__main__":
    e2e_util.main()
