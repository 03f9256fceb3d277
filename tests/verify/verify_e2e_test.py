#!/usr/bin/python3
"""End-to-end tests of `keysweep scan --verify` against tests/verify/mock_providers.py on 127.0.0.1.

No test touches the internet: every provider is overridden to the mock, and every run also gets
ALL_PROXY pointing at a closed local port, so a request that escaped the overrides would fail at
once instead of leaving the machine. Credentials are FAKES with the right format (fake_credentials.py).

    verify_e2e_test.py --keysweep build/dev/src/cli/keysweep
"""
import json
import base64
import os
import socket
import string
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import e2e_util  # noqa: E402
from fake_credentials import Fakes  # noqa: E402  (on sys.path through e2e_util)

PROVIDERS = ["twilio", "aws", "github", "gitlab", "slack", "stripe", "sendgrid", "mailgun", "openai", "google",
             "anthropic", "huggingface", "npm", "digitalocean", "groq", "openrouter", "xai", "buildkite"]
ALNUM = string.ascii_letters + string.digits


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Credentials:
    """One live and one revoked fake of each kind, plus tokens the mock answers 500 / 503-then-200."""

    def __init__(self, fakes):
        self.fakes = fakes
        self.live = {}
        self.revoked = {}
        for table in (self.live, self.revoked):
            table["twilio"] = (fakes.twilio_account_sid(), fakes.twilio_auth_token())
            table["aws"] = (fakes.aws_access_key_id(), fakes.aws_secret_access_key())
            table["github"] = fakes.github_token()
            table["gitlab"] = "glpat-" + fakes.chars(ALNUM, 20)
            table["slack"] = fakes.slack_bot_token()
            table["stripe"] = fakes.stripe_secret_key()
            table["sendgrid"] = fakes.sendgrid_key()
            table["mailgun"] = "key-" + fakes.chars("0123456789abcdef", 32)
            table["openai"] = "sk-proj-" + fakes.chars(ALNUM, 24) + "T3BlbkFJ" + fakes.chars(ALNUM, 24)
            table["google"] = fakes.google_api_key()
            table["anthropic"] = "sk-ant-api03-" + fakes.chars(ALNUM + "_-", 93) + "AA"
            table["huggingface"] = "hf_" + fakes.chars(string.ascii_letters, 34)
            table["npm"] = fakes.github_token("npm_")  # same shape: 30 base62 + CRC32
            table["digitalocean"] = "dop_v1_" + fakes.chars("0123456789abcdef", 64)
            table["groq"] = "gsk_" + fakes.chars(ALNUM, 48)
            table["openrouter"] = "sk-or-v1-" + fakes.chars("0123456789abcdef", 64)
            table["xai"] = "xai-" + fakes.chars(ALNUM, 80)
            table["buildkite"] = "bkua_" + fakes.chars("0123456789abcdef", 40)
        # An API key pair, checked on the URL of an Account SID found beside it.
        self.twilio_api = (fakes.twilio_account_sid(), fakes.twilio_api_key_sid(), fakes.chars(ALNUM, 32))
        self.unknown_github = fakes.github_token()
        self.flaky_github = fakes.github_token()
        self.identity = {p: "Mock %s Ltd" % p.capitalize() for p in PROVIDERS}
        # Google keys that work but are restricted: to an Android app, and to other APIs only.
        self.google_app_bound, self.google_api_bound = fakes.google_api_key(), fakes.google_api_key()
        self.aws_arn = "arn:aws:iam::123456789012:user/mock-deployer"

    def files(self, directory, which):
        """Writes one file per provider holding `which` ("live"/"revoked") credentials."""
        table = self.live if which == "live" else self.revoked
        os.makedirs(directory, exist_ok=True)
        sid, token = table["twilio"]
        akid, secret = table["aws"]
        text = {
            "twilio": "TWILIO_ACCOUNT_SID=%s\nTWILIO_AUTH_TOKEN=%s\n" % (sid, token),
            "aws": "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (akid, secret),
            "github": "GITHUB_TOKEN=%s\n" % table["github"],
            "gitlab": "GITLAB_TOKEN=%s\n" % table["gitlab"],
            "slack": "SLACK_BOT_TOKEN=%s\n" % table["slack"],
            "stripe": "STRIPE_KEY=%s\n" % table["stripe"],
            "sendgrid": "SENDGRID_API_KEY=%s\n" % table["sendgrid"],
            "mailgun": "MAILGUN_API_KEY=%s\n" % table["mailgun"],
            "openai": "OPENAI_API_KEY=%s\n" % table["openai"],
            "google": "GOOGLE_API_KEY=%s\n" % table["google"],
            "anthropic": "ANTHROPIC_API_KEY=%s\n" % table["anthropic"],
            "huggingface": "HF_TOKEN=%s\n" % table["huggingface"],
            "npm": "//registry.npmjs.org/:_authToken=%s\n" % table["npm"],
            "digitalocean": "DIGITALOCEAN_TOKEN=%s\n" % table["digitalocean"],
            "groq": "GROQ_API_KEY=%s\n" % table["groq"],
            "openrouter": "OPENROUTER_API_KEY=%s\n" % table["openrouter"],
            "xai": "XAI_API_KEY=%s\n" % table["xai"],
            "buildkite": "BUILDKITE_API_TOKEN=%s\n" % table["buildkite"],
        }
        for provider, body in text.items():
            with open(os.path.join(directory, provider + ".env"), "w") as f:
                f.write(body)

    def mock_config(self):
        live = self.live
        sid, token = live["twilio"]
        akid, secret = live["aws"]
        cfg = {p: {"live": {live[p]: self.identity[p]}} for p in
               ["github", "gitlab", "slack", "stripe", "sendgrid", "mailgun", "openai", "google",
                "anthropic", "huggingface", "npm", "digitalocean", "groq", "openrouter", "xai", "buildkite"]}
        ac, sk, api_secret = self.twilio_api
        cfg["twilio"] = {"live": {"%s:%s@%s" % (sid, token, sid): self.identity["twilio"],
                                  "%s:%s@%s" % (sk, api_secret, ac): "Mock Api Key Account"}}
        cfg["aws"] = {"live": {akid: {"secret": secret, "arn": self.aws_arn}}}
        cfg["github"]["unknown"] = [self.unknown_github]
        cfg["google"]["blocked"] = {self.google_app_bound: "API_KEY_ANDROID_APP_BLOCKED",
                                    self.google_api_bound: "API_KEY_SERVICE_BLOCKED"}
        cfg["github"]["flaky"] = {self.flaky_github: "flaky-octocat"}
        return cfg

    def all_secrets(self):
        out = []
        for table in (self.live, self.revoked):
            for v in table.values():
                out.extend(v if isinstance(v, tuple) else [v])
        return out + [self.unknown_github, self.flaky_github, self.twilio_api[2], self.google_app_bound,
                      self.google_api_bound]


class VerifyE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="keysweep-verify-")
        root = cls.tmp.name
        cls.creds = Credentials(Fakes("keysweep-verify-e2e"))
        cls.live_dir = os.path.join(root, "live")
        cls.revoked_dir = os.path.join(root, "revoked")
        cls.creds.files(cls.live_dir, "live")
        cls.creds.files(cls.revoked_dir, "revoked")
        cls.other_dir = os.path.join(root, "other")
        os.makedirs(cls.other_dir)
        with open(os.path.join(cls.other_dir, "unknown.env"), "w") as f:
            f.write("GITHUB_TOKEN=%s\n" % cls.creds.unknown_github)
        with open(os.path.join(cls.other_dir, "twilio_api_key.env"), "w") as f:
            f.write("TWILIO_ACCOUNT_SID=%s\nTWILIO_API_KEY=%s\nTWILIO_API_SECRET=\"%s\"\n" % cls.creds.twilio_api)
        with open(os.path.join(cls.other_dir, "flaky.env"), "w") as f:
            f.write("GITHUB_TOKEN=%s\n" % cls.creds.flaky_github)
        # The live GitHub token a second time: the run must ask about it once.
        with open(os.path.join(cls.other_dir, "copy.env"), "w") as f:
            f.write("GH_TOKEN=%s\n" % cls.creds.live["github"])
        cls.cfg_path = os.path.join(root, "creds.json")
        with open(cls.cfg_path, "w") as f:
            json.dump(cls.creds.mock_config(), f)
        cls.log_path = os.path.join(root, "requests.jsonl")
        cls.mock = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "mock_providers.py"), "--credentials", cls.cfg_path,
             "--log", cls.log_path], stdout=subprocess.PIPE, text=True)
        line = cls.mock.stdout.readline()
        assert line.startswith("PORT "), "mock did not start: %r" % line
        cls.base = "http://127.0.0.1:%d" % int(line.split()[1])
        cls.blackhole = closed_port()

    @classmethod
    def tearDownClass(cls):
        cls.mock.kill()
        cls.mock.wait()
        cls.tmp.cleanup()

    def run_keysweep(self, paths, *extra, base=None, fmt="json"):
        base = base or self.base
        args = [e2e_util.KEYSWEEP, "scan", "--format", fmt, "--verify", *extra]
        for p in PROVIDERS:
            args += ["--verify-endpoint-override", "%s=%s" % (p, base)]
        env = dict(os.environ, ALL_PROXY="http://127.0.0.1:%d" % self.blackhole,
                   HTTPS_PROXY="http://127.0.0.1:%d" % self.blackhole)
        return subprocess.run(args + paths, capture_output=True, text=True, env=env, timeout=120)

    def requests(self):
        with open(self.log_path) as f:
            return [json.loads(line) for line in f]

    def by_file(self, doc):
        out = {}
        for f in doc["findings"]:
            out[os.path.basename(f["location"]["path"])] = f
        return out

    def test_live_and_revoked_for_every_provider(self):
        for which, expected in (("live", "live"), ("revoked", "revoked")):
            directory = self.live_dir if which == "live" else self.revoked_dir
            r = self.run_keysweep([directory])
            self.assertEqual(r.returncode, 1, r.stderr)
            found = self.by_file(json.loads(r.stdout))
            for p in PROVIDERS:
                with self.subTest(provider=p, which=which):
                    self.assertIn(p + ".env", found, "no finding for %s: %s" % (p, sorted(found)))
                    v = found[p + ".env"]["verification"]
                    self.assertEqual(v["status"], expected, v)
                    if expected == "live":
                        want = self.creds.aws_arn if p == "aws" else self.creds.identity[p]
                        if p in ("sendgrid", "google", "anthropic", "groq"):
                            want = ""  # these answers name no account
                        self.assertIn(want, v["identity"], v)
                    self.assertTrue(v["endpoint"].startswith("127.0.0.1:"), v)
        self.assertEqual([q for q in self.requests() if q["outcome"] == "unexpected"], [])

    def test_aws_signature_checked_by_botocore(self):
        r = self.run_keysweep([os.path.join(self.live_dir, "aws.env")])
        v = json.loads(r.stdout)["findings"][0]["verification"]
        self.assertEqual(v["status"], "live", v)
        self.assertIn("account 123456789012", v["detail"])
        aws = [q for q in self.requests() if q["provider"] == "aws"]
        self.assertIn("live", [q["outcome"] for q in aws])
        self.assertNotIn("bad-signature", [q["outcome"] for q in aws])

    def test_unknown_retry_and_cache(self):
        before = len(self.requests())
        r = self.run_keysweep([self.other_dir, os.path.join(self.live_dir, "github.env")])
        self.assertEqual(r.returncode, 1, r.stderr)
        found = self.by_file(json.loads(r.stdout))
        unknown = found["unknown.env"]["verification"]
        self.assertEqual(unknown["status"], "unknown")
        self.assertIn("HTTP 500", unknown["detail"])
        self.assertEqual(found["flaky.env"]["verification"]["status"], "live")  # 503, then retried
        self.assertEqual(found["copy.env"]["verification"]["status"], "live")
        self.assertEqual(found["github.env"]["verification"]["status"], "live")
        new = [q for q in self.requests()[before:] if q["provider"] == "github"]
        outcomes = [q["outcome"] for q in new]
        self.assertEqual(outcomes.count("unknown"), 4)  # the first try and 3 retries
        self.assertEqual(outcomes.count("flaky"), 1)
        # The live token sits in two files and was asked about once.
        self.assertEqual(outcomes.count("live"), 2, outcomes)  # flaky's retry + the shared token

    def test_a_google_key_google_says_is_bound_to_an_app_is_configuration(self):
        # docs/FLEET.md "Risk order": an application restriction makes the key configuration to
        # review (info), wherever it was found; an API restriction alone leaves it a leak.
        d = os.path.join(self.tmp.name, "google-restricted")
        os.makedirs(d, exist_ok=True)
        for name, key in (("bound.env", self.creds.google_app_bound), ("apis.env", self.creds.google_api_bound)):
            with open(os.path.join(d, name), "w") as f:
                f.write("GOOGLE_API_KEY=%s\n" % key)
        found = self.by_file(json.loads(self.run_keysweep([d]).stdout))
        bound, apis = found["bound.env"], found["apis.env"]
        self.assertEqual(bound["verification"]["status"], "live", bound)
        self.assertIn("API_KEY_ANDROID_APP_BLOCKED", bound["verification"]["detail"])
        self.assertEqual(bound["severity"], "info")
        self.assertEqual(bound["why"], "Google key restricted to an app, site or IP: check the "
                                       "restrictions in the Cloud console; live")
        self.assertEqual(apis["verification"]["status"], "live", apis)
        self.assertEqual((apis["severity"], apis["why"]), ("high", "scoped Google access; live"))
        # Most severe first.
        self.assertEqual([f["severity"] for f in json.loads(self.run_keysweep([d]).stdout)["findings"]],
                         ["high", "info"])

    def test_twilio_api_key_uses_account_sid_found_beside_it(self):
        r = self.run_keysweep([os.path.join(self.other_dir, "twilio_api_key.env")])
        doc = json.loads(r.stdout)
        pair = [f for f in doc["findings"] if f["rule_id"] == "twilio.api_key"]
        self.assertEqual(len(pair), 1, doc["findings"])
        self.assertEqual(pair[0]["verification"]["status"], "live", pair[0]["verification"])
        self.assertEqual(pair[0]["verification"]["identity"], "Mock Api Key Account")

    def hostile_pair(self, mode):
        """A Twilio pair the mock treats as `mode` ("echo" or "hang"), in a file of its own, and
        a mock started for it alone (the shared mock's table is fixed at start)."""
        fakes = self.creds.fakes
        sid, token = fakes.twilio_account_sid(), fakes.twilio_auth_token()
        d = tempfile.mkdtemp(dir=self.tmp.name)
        with open(os.path.join(d, "twilio.env"), "w") as f:
            f.write("TWILIO_ACCOUNT_SID=%s\nTWILIO_AUTH_TOKEN=%s\n" % (sid, token))
        cfg = os.path.join(tempfile.mkdtemp(dir=self.tmp.name), "creds.json")  # not in the scanned dir
        with open(cfg, "w") as f:
            json.dump({"twilio": {mode: ["%s:%s@%s" % (sid, token, sid)]}}, f)
        mock = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "mock_providers.py"), "--credentials",
                                 cfg, "--log", os.path.join(os.path.dirname(cfg), "log.jsonl")],
                                stdout=subprocess.PIPE, text=True)
        self.addCleanup(mock.stdout.close)
        self.addCleanup(mock.wait)
        self.addCleanup(mock.kill)
        port = int(mock.stdout.readline().split()[1])
        return d, (sid, token), "http://127.0.0.1:%d" % port

    def test_an_echoed_authorization_header_is_never_printed(self):
        d, (sid, token), base = self.hostile_pair("echo")
        r = self.run_keysweep([d], base=base)
        doc = json.loads(r.stdout)
        pair = [f for f in doc["findings"] if f["rule_id"] == "twilio.account"]
        self.assertEqual(len(pair), 1, doc["findings"])
        v = pair[0]["verification"]
        self.assertEqual(v["status"], "live", v)
        self.assertIn("withheld", v.get("identity", ""), v)
        basic = base64.b64encode(("%s:%s" % (sid, token)).encode()).decode()
        for out in (r.stdout, r.stderr):
            self.assertNotIn(basic, out)
            self.assertNotIn(token, out)

    def test_a_hanging_server_is_cut_off_by_the_verify_timeout(self):
        d, _, base = self.hostile_pair("hang")
        started = time.monotonic()
        r = self.run_keysweep([d], "--verify-timeout", "2", base=base)
        elapsed = time.monotonic() - started
        doc = json.loads(r.stdout)
        pair = [f for f in doc["findings"] if f["rule_id"] == "twilio.account"]
        self.assertEqual(pair[0]["verification"]["status"], "unknown", pair[0]["verification"])
        # The server holds the request for 60 s and curl's own limit is 15 s: only the 2 s budget
        # can have ended the run this soon (a bound on hanging, not a speed measurement).
        self.assertLess(elapsed, 12, r.stderr)

    def test_verify_timeout_without_verify_is_an_error(self):
        r = subprocess.run([e2e_util.KEYSWEEP, "scan", "--verify-timeout", "5", self.other_dir],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--verify-timeout needs --verify", r.stderr)

    def test_only_verified_keeps_live(self):
        r = self.run_keysweep([self.live_dir, self.revoked_dir], "--only-verified")
        self.assertEqual(r.returncode, 1, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual({f["verification"]["status"] for f in doc["findings"]}, {"live"})
        self.assertEqual(len(doc["findings"]), len(PROVIDERS))
        self.assertEqual(doc["summary"]["verification"]["live"], len(PROVIDERS))
        # Nothing live: nothing reported, exit 0 as for a clean scan.
        r = self.run_keysweep([self.revoked_dir], "--only-verified")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["findings"], [])

    def test_only_verified_says_what_it_could_not_check(self):
        # No network: every credential is "unknown". Not listing them and exiting 0 would read
        # as "nothing is live"; the run exits 2 and says how many could not be checked.
        dead = "http://127.0.0.1:%d" % closed_port()
        r = self.run_keysweep([self.live_dir], "--only-verified", base=dead)
        self.assertEqual(r.returncode, 2, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["findings"], [])
        self.assertEqual(doc["summary"]["suppressed"]["only-verified"], len(PROVIDERS))
        self.assertIn("--only-verified: not listed, although they may be live: %d credentials that "
                      "could not be checked (no network" % len(PROVIDERS), r.stderr)
        human = self.run_keysweep([self.live_dir], "--only-verified", base=dead, fmt="human")
        self.assertEqual(human.returncode, 2, human.stderr)
        self.assertIn("0 findings", human.stdout)
        self.assertIn("%d suppressed by only-verified" % len(PROVIDERS), human.stdout)
        # A credential no verifier knows (a generic password) cannot be checked either: exit 1.
        plain = os.path.join(self.tmp.name, "no-verifier")
        os.makedirs(plain, exist_ok=True)
        with open(os.path.join(plain, "settings.py"), "w") as f:
            f.write('DATABASE_PASSWORD = "Tr0ub4dor&3-horse-staple"\n')
        r = self.run_keysweep([plain], "--only-verified")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("1 with no verifier", r.stderr)
        # --exit-zero still wins.
        r = self.run_keysweep([self.live_dir], "--only-verified", "--exit-zero", base=dead)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_every_format_states_the_override(self):
        path = [os.path.join(self.live_dir, "twilio.env")]
        human = self.run_keysweep(path, fmt="human").stdout
        self.assertIn("notice: verification endpoint override in effect", human)
        self.assertIn("verified: live (account: Mock Twilio Ltd", human)
        self.assertIn("verified: 1 live, 0 revoked, 0 unknown", human)
        doc = json.loads(self.run_keysweep(path).stdout)
        self.assertIn("twilio=" + self.base, doc["summary"]["verification"]["endpoint_overrides"])
        sarif = json.loads(self.run_keysweep(path, fmt="sarif").stdout)
        run = sarif["runs"][0]
        self.assertIn("twilio=" + self.base, run["properties"]["verification"]["endpoint_overrides"])
        self.assertEqual(run["results"][0]["properties"]["verification"]["status"], "live")
        self.assertIn("[verified live: Mock Twilio Ltd]", run["results"][0]["message"]["text"])
        jsonl = [json.loads(l) for l in self.run_keysweep(path, fmt="jsonl").stdout.splitlines()]
        self.assertEqual(jsonl[0]["verification"]["status"], "live")
        self.assertIn("endpoint_overrides", jsonl[-1]["verification"])
        csv = self.run_keysweep(path, fmt="csv").stdout.splitlines()
        self.assertIn("verification_status", csv[0])
        self.assertIn(",live,Mock Twilio Ltd,", csv[1])

    def test_secrets_never_printed(self):
        for fmt in ("human", "json"):  # the other formats share json's mapping (report_test)
            r = self.run_keysweep([self.live_dir, self.revoked_dir, self.other_dir], fmt=fmt)
            for secret in self.creds.all_secrets():
                if secret.startswith("AC"):  # an Account SID is an identifier, shown in clear
                    continue
                self.assertNotIn(secret, r.stderr, fmt)
                self.assertNotIn(secret, r.stdout, fmt)

    def test_offline_said_once(self):
        dead = "http://127.0.0.1:%d" % closed_port()
        start = time.monotonic()
        r = self.run_keysweep([self.live_dir, self.revoked_dir], base=dead)
        elapsed = time.monotonic() - start
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stderr.count("verification skipped: no network"), 1, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual({f["verification"]["status"] for f in doc["findings"]}, {"unknown"})
        self.assertIn("offline", doc["summary"]["verification"])
        self.assertLess(elapsed, 30)  # no per-finding timeouts and retries

    def test_override_must_be_loopback(self):
        r = subprocess.run([e2e_util.KEYSWEEP, "scan", "--verify", "--verify-endpoint-override",
                            "github=https://collector.example.com", self.live_dir],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("loopback", r.stderr)
        r = subprocess.run([e2e_util.KEYSWEEP, "scan", "--verify-endpoint-override", "github=" + self.base,
                            self.live_dir], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("needs --verify", r.stderr)

    def test_without_verify_no_request_and_no_field(self):
        before = len(self.requests())
        r = subprocess.run([e2e_util.KEYSWEEP, "scan", "--format", "json", self.live_dir],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("verification", r.stdout)
        self.assertEqual(len(self.requests()), before)


if __name__ == "__main__":
    e2e_util.main()
