#!/usr/bin/env python3
"""End-to-end test of `keysweep report` over a small generated fleet: 40 APK-shaped apps from
bench/fleet/generate_fleet.py (4 publishers with their own signing keys, SDKs and publishers
sharing credentials, 4 malformed files; ~1 MB), scanned with `keysweep scan --datastore
--metadata`, reported as JSON (checked against the generator's truth.json) and as HTML, which
Debian's headless Chromium renders offline: the DOM it builds must hold the charts and cluster
rows (so the inline script ran), and the screenshot must show them (decoded with png_pixels.py).

The same report from a throwaway PostgreSQL server (tests/e2e/storeutil.py) must equal it.

The report's risk order is checked against an oracle computed from truth.json (what each planted
credential grants, its apps and publishers); every format lists the same order; the HTML page's
DOM (the order, an expanded cluster's apps and locations, the filters, the counts) matches the
JSON. Empty, older-schema, newer and foreign datastores are handled as docs/FLEET.md says.

Run: /usr/bin/python3 tests/e2e/fleet_report_test.py --keysweep build/src/cli/keysweep \
         [--fleet-dir build/fleet-40]
Skips (exit 0, "skipped") when the Android tools or chromium are missing.
"""
import argparse
import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import unittest
import zipfile

import e2e_util
from e2e_util import ROOT
from png_pixels import colours_in, read_png

FLEET_DIR = None


def keysweep(*args, cwd=None, check=True):
    r = e2e_util.run(*args, cwd=cwd)
    if check and r.returncode not in (0, 1):
        raise AssertionError(f"keysweep {' '.join(args)} exited {r.returncode}:\n{r.stderr}")
    return r


class FleetFixture(unittest.TestCase):
    """The generated fleet, scanned into a datastore, and its JSON report."""

    @classmethod
    def setUpClass(cls):
        missing = [t for t in ("aapt2", "smali", "openssl") if not shutil.which(t)]
        if missing:
            raise unittest.SkipTest("Android build tools missing: " + " ".join(missing))
        gen = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench/fleet/generate_fleet.py"),
                              "--out", FLEET_DIR, "--apps", "40", "--size-scale", "0.02"],
                             capture_output=True, text=True)
        if gen.returncode != 0:
            raise AssertionError("generate_fleet.py failed:\n" + gen.stderr)
        with open(os.path.join(FLEET_DIR, "truth.json")) as f:
            cls.truth = json.load(f)
        with open(os.path.join(FLEET_DIR, "metadata.csv")) as f:
            cls.meta = {r["app_id"]: r for r in csv.DictReader(f)}
        cls.tmp = e2e_util.scratch_dir("fleet-report")
        cls.db = os.path.join(cls.tmp, "fleet.db")
        cls.scan = keysweep("scan", "--datastore", cls.db, "--metadata", "metadata.csv", "-q",
                            "--progress", "never", "apps", cwd=FLEET_DIR)
        r = keysweep("report", "--datastore", cls.db, "--deterministic")
        cls.json_text = r.stdout
        cls.report = json.loads(r.stdout)

    @classmethod
    def tearDownClass(cls):
        e2e_util.remove_tree(getattr(cls, "tmp", ""))

    def clusters(self, rule, holder=None):
        return [c for c in self.report["clusters"]
                if c["rule_id"] == rule and (holder is None or self.holders(c) == [holder])]

    def holders(self, c):
        """A cluster's holders, less the "none" that a malformed copy of an app adds (the damaged
        files are cut from real apps, and without their manifest they are no identified app)."""
        if "none" in c["holders"]:
            self.assertTrue(any("/malformed/" in i for i in c["inputs"]), c)
        return [h for h in c["holders"] if h != "none"]

    def truth_for(self, holder_prefix, rule=None):
        return [t for t in self.truth["secrets"].values()
                if t["holder"].startswith(holder_prefix) and (rule is None or t["rule"] == rule)]


class FleetReport(FleetFixture):
    def test_sdk_key_is_one_cluster_across_publishers_and_signers(self):
        [aws] = self.clusters("aws.credentials")
        self.assertEqual(self.holders(aws), ["sdk:com.example.sdk"])
        [want] = self.truth_for("sdk:com.example.sdk")
        self.assertEqual([a["app_id"] for a in aws["apps"]], want["packages"])
        self.assertEqual(aws["publisher_count"], len(want["publishers"]))
        self.assertEqual(aws["multiple_signers"], len(want["publishers"]) > 1)
        self.assertEqual(aws["signer_count"], len(want["publishers"]))  # one key per publisher
        self.assertEqual([i for i in aws["inputs"] if "/malformed/" not in i], sorted(want["files"]))
        self.assertTrue(aws["multiple_signers"], "the fixture fleet spreads the SDK over publishers")

    def test_publisher_twilio_credentials_are_app_held_one_signer_each(self):
        twilio = self.clusters("twilio.account")
        want = self.truth_for("app", "twilio.auth_token")
        self.assertEqual(len(twilio), len(want))
        self.assertEqual(sorted(tuple(a["app_id"] for a in c["apps"]) for c in twilio),
                         sorted(tuple(t["packages"]) for t in want))
        for c in twilio:
            self.assertEqual(self.holders(c), ["app"])
            self.assertEqual(c["signer_count"], 1)
            self.assertFalse(c["multiple_signers"])
            self.assertEqual(c["publisher_count"], 1)

    def test_apps_own_keys_are_single_app_clusters(self):
        own = self.clusters("google.api_key", "app")
        want = self.truth_for("app", "google.api_key")
        self.assertEqual(len(own), len(want))
        self.assertTrue(all(c["app_count"] == 1 for c in own))
        [mapkit] = self.clusters("google.api_key", "sdk:io.mapkit.core")
        self.assertGreater(mapkit["app_count"], 0)

    def test_encoded_keys_name_the_decoding_that_revealed_them(self):
        want = self.truth_for("app", "sendgrid.api_key")
        self.assertTrue(any(t["decoders"] for t in want), "the fleet hides some keys in base64")
        self.assertTrue(any(not t["decoders"] for t in want))
        by_app = {tuple(a["app_id"] for a in c["apps"]): c for c in self.clusters("sendgrid.api_key")}
        for t in want:
            c = by_app[tuple(t["packages"])]
            self.assertEqual(c["decoders"], [t["decoders"]] if t["decoders"] else [], c)

    def test_versions_installs_and_users_at_risk(self):
        packages = {p for t in self.truth["secrets"].values() for p in t["packages"]}
        self.assertEqual(self.report["users_at_risk"]["all_apps"], len(packages))
        self.assertEqual(self.report["users_at_risk"]["all_installs"],
                         sum(int(self.meta[p]["installs"]) for p in packages))
        self.assertEqual(self.report["users_at_risk"]["live_installs"], 0)  # nothing verified
        for c in self.report["clusters"]:
            self.assertEqual(c["installs"], sum(int(self.meta[a["app_id"]]["installs"])
                                                for a in c["apps"]))
            self.assertGreaterEqual(c["versions"], c["app_count"])
        self.assertEqual(self.report["summary"]["apps"], len(self.meta))

    def test_provider_counts_add_up(self):
        by = {p["provider"]: p for p in self.report["providers"]}
        for name, p in by.items():
            self.assertEqual(p["credentials"], sum(1 for c in self.report["clusters"]
                                                   if c["provider"] == name))
        self.assertEqual(sum(p["credentials"] for p in by.values()),
                         self.report["summary"]["credentials"])

    def test_every_malformed_input_is_listed_and_the_scan_went_on(self):
        listed = {p["path"] for p in self.report["problem_inputs"]}
        malformed = sorted(f"apps/malformed/{n}" for n in os.listdir(os.path.join(FLEET_DIR, "apps/malformed")))
        self.assertEqual(len(malformed), self.truth["malformed"])
        for path in malformed:
            self.assertIn(path, listed)
        self.assertEqual(self.report["summary"]["inputs"], self.truth["apps"] + self.truth["malformed"])

    def test_report_is_deterministic_and_redacted(self):
        again = keysweep("report", "--datastore", self.db, "--deterministic").stdout
        self.assertEqual(again, self.json_text)
        self.assertNotIn('"run"', self.json_text)
        with_run = json.loads(keysweep("report", "--datastore", self.db).stdout)
        self.assertEqual(with_run["run"]["scan_runs"], 1)
        self.assertRegex(with_run["run"]["generated_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # No clear secret anywhere: every value the fleet planted is absent from the report.
        secrets = self.planted_secrets()
        self.assertGreater(len(secrets), 10)
        for s in secrets:
            self.assertNotIn(s, self.json_text)

    def test_four_shards_in_any_order_report_like_one_run(self):
        db = os.path.join(self.tmp, "sharded.db")
        for k in (3, 1, 4, 2):
            keysweep("scan", "--datastore", db, "--metadata", "metadata.csv", "--shard", f"{k}/4",
                     "-q", "--progress", "never", "apps", cwd=FLEET_DIR)
        sharded = keysweep("report", "--datastore", db, "--deterministic").stdout
        self.assertEqual(sharded, self.json_text)
        self.assertEqual(json.loads(keysweep("report", "--datastore", db).stdout)["run"]["scan_runs"], 4)

    def test_postgres_store_reports_like_sqlite(self):
        from storeutil import PgServer
        if not PgServer.available():
            self.skipTest("PostgreSQL server binaries missing (postgresql-15)")
        pg = os.path.join(self.tmp, "pg")
        os.makedirs(pg)
        os.chmod(self.tmp, 0o755)
        server = PgServer(pg).start()
        try:
            uri = server.create_db("fleet")
            keysweep("scan", "--datastore", uri, "--metadata", "metadata.csv", "-q",
                     "--progress", "never", "apps", cwd=FLEET_DIR)
            self.assertEqual(keysweep("report", "--datastore", uri, "--deterministic").stdout,
                             self.json_text)
            run = json.loads(keysweep("report", "--datastore", uri).stdout)["run"]
            self.assertEqual(run["scan_runs"], 1)
        finally:
            server.stop()

    def planted_secrets(self):
        """The clear values in every app's assets/config.json (Twilio, SendGrid, Stripe)."""
        out = set()
        for root, _, names in os.walk(os.path.join(FLEET_DIR, "apps")):
            for n in names:
                if "malformed" in root:
                    continue
                with zipfile.ZipFile(os.path.join(root, n)) as z:
                    cfg = json.loads(z.read("assets/config.json"))
                out.update(cfg.get("twilio", {}).values())
                out.update(v for k, v in cfg.items() if k in ("sendgrid_api_key", "stripe_secret_key"))
        return out

    def test_live_credentials_count_users_at_risk(self):
        # What `scan --verify` would have stored: the SDK's AWS key answered live.
        db = os.path.join(self.tmp, "verified.db")
        shutil.copy(self.db, db)
        with sqlite3.connect(db) as c:
            c.execute("UPDATE findings SET verification_status = 'live' "
                      "WHERE rule_id = 'aws.credentials'")
        r = json.loads(keysweep("report", "--datastore", db, "--deterministic").stdout)
        [aws] = [c for c in r["clusters"] if c["rule_id"] == "aws.credentials"]
        self.assertEqual(aws["verification"], "live")
        self.assertEqual(r["summary"]["live_credentials"], 1)
        self.assertEqual(r["users_at_risk"]["live_apps"], aws["app_count"])
        self.assertEqual(r["users_at_risk"]["live_installs"],
                         sum(int(self.meta[a["app_id"]]["installs"]) for a in aws["apps"]))
        [p] = [p for p in r["providers"] if p["provider"] == aws["provider"]]
        self.assertEqual(p["live_credentials"], 1)

    def test_google_keys_meant_for_the_app_are_configuration_to_review(self):
        # What a scan stores for a Maps key in the manifest's meta-data, and for a key Google
        # refused for want of the app it is bound to (core/app_restricted_key.h): moved apart.
        # A key with one occurrence there and others in code stays a credential.
        google = [c for c in self.report["clusters"] if c["rule_id"] == "google.api_key"]
        own = sorted((c for c in google if c["findings"] == 1), key=lambda c: c["secret_sha256"])
        spread = [c for c in google if c["findings"] > 1]
        self.assertGreaterEqual(len(own), 2)
        self.assertTrue(spread)
        declared, bound, partly = own[0]["secret_sha256"], own[1]["secret_sha256"], spread[0]["secret_sha256"]
        db = os.path.join(self.tmp, "restricted.db")
        shutil.copy(self.db, db)
        with sqlite3.connect(db) as c:
            c.execute("UPDATE findings SET symbol = 'com.google.android.geo.API_KEY' "
                      "WHERE secret_sha256 = ?", (declared,))
            c.execute("UPDATE findings SET verification_status = 'live', verification_detail = "
                      "'valid key, restricted or API not enabled (API_KEY_ANDROID_APP_BLOCKED)' "
                      "WHERE secret_sha256 = ?", (bound,))
            c.execute("UPDATE findings SET symbol = '@string/google_maps_key' WHERE id = "
                      "(SELECT MIN(id) FROM findings WHERE secret_sha256 = ?)", (partly,))
        r = json.loads(keysweep("report", "--datastore", db, "--deterministic").stdout)
        config = {c["secret_sha256"]: c for c in r["configuration"]}
        self.assertEqual(config[declared]["grants"], "public-config")
        self.assertEqual(config[declared]["severity"], "info")
        self.assertTrue(config[declared]["why"].startswith(
            "Google key declared for the app's Maps/Firebase SDK: check its restrictions"), config[declared])
        self.assertTrue(config[bound]["why"].startswith("Google key restricted to an app, site or IP"))
        self.assertEqual(config[bound]["verification"], "live")
        credentials = {c["secret_sha256"] for c in r["clusters"]}
        self.assertIn(partly, credentials)
        self.assertNotIn(declared, credentials)
        self.assertEqual(r["summary"]["credentials"], self.report["summary"]["credentials"] - 2)
        self.assertEqual(r["summary"]["configuration_values"],
                         self.report["summary"]["configuration_values"] + 2)

    def test_metadata_flag_overrides_the_store(self):
        csv_path = os.path.join(self.tmp, "override.csv")
        first = self.report["clusters"][0]["apps"][0]["app_id"]
        with open(csv_path, "w") as f:
            f.write(f"app_id,publisher,installs,store\n{first},Renamed Inc,7,other\n")
        r = json.loads(keysweep("report", "--datastore", self.db, "--deterministic",
                                "--metadata", csv_path).stdout)
        app = r["clusters"][0]["apps"][0]
        self.assertEqual((app["app_id"], app["publisher"], app["installs"]), (first, "Renamed Inc", 7))

    def test_errors_are_exit_2(self):
        r = keysweep("report", "--datastore", os.path.join(self.tmp, "nope.db"), check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no such datastore", r.stderr)
        r = keysweep("report", "--datastore", self.db, "--format", "pdf", check=False)
        self.assertEqual(r.returncode, 2)

    def test_risk_order_follows_what_each_credential_grants_and_reaches(self):
        """The order is the documented model (docs/FLEET.md, "Risk order") computed here from the
        generator's truth (what each planted credential grants, its apps and publishers) and the
        metadata's installs: an independent oracle for the C++."""
        ranks = [c["rank"] for c in self.report["clusters"]]
        self.assertEqual(ranks, list(range(1, len(ranks) + 1)))
        order = ["info", "low", "medium", "high", "critical"]
        sev = [order.index(c["severity"]) for c in self.report["clusters"]]
        self.assertEqual(sev, sorted(sev, reverse=True), "clusters are most severe first")
        checked = 0
        for c in self.report["clusters"]:
            truth = self.truth_of(c)
            if truth is None:
                continue
            checked += 1
            self.assertEqual(c["grants"], truth["grants"], c["rule_id"])
            apps = truth["packages"]
            installs = sum(int(self.meta[p]["installs"]) for p in apps)
            wide = len(truth["publishers"]) >= 2 or len(apps) >= 10 or installs >= 1_000_000
            base = {"full-account": 3, "scoped-write": 2, "read-only": 1}[truth["grants"]]
            level = base + (1 if wide else 0) - (1 if c["confidence"] == "low" else 0)
            want = order[max(1, min(4, level))]
            self.assertEqual(c["severity"], want, c["why"])
            self.assertIn("not checked", c["why"])  # nothing was verified: said, not hidden
            if len(truth["publishers"]) >= 2:
                self.assertIn(f"{len(truth['publishers'])} publishers", c["why"])
        self.assertGreater(checked, 10)
        # What the seed incident was about comes first: a full-account credential shipped by
        # several publishers outranks every scoped one.
        first = self.report["clusters"][0]
        self.assertEqual(first["grants"], "full-account")
        self.assertEqual(first["severity"], "critical")
        [aws] = self.clusters("aws.credentials")
        self.assertEqual(aws["parts"][0]["role"], "id")
        self.assertTrue(aws["parts"][0]["redacted"].startswith("AKIA"))
        for t in self.clusters("twilio.account"):
            self.assertTrue(t["parts"][0]["redacted"].startswith("AC"), t["parts"])  # the Account SID
            self.assertTrue(t["remediation"].startswith("Rotate the Auth Token now"))
            self.assertIn("Never ship it in an app", t["remediation"])  # the whole text
            self.assertTrue(t["references"])
            for a in t["apps"]:
                self.assertEqual([l["file"] for l in a["locations"]], ["assets/config.json"])
                self.assertTrue(a["publisher"].startswith("Publisher "))

    def truth_of(self, cluster):
        """The truth entry of a cluster: by its hash, or a pair's by its secret part's."""
        for t_hash, t in self.truth["secrets"].items():
            if t_hash == cluster["secret_sha256"]:
                return t
        # A pair's hash combines its parts'; the generator records the secret part's value.
        if cluster["rule_id"] in ("twilio.account", "aws.credentials"):
            apps = [a["app_id"] for a in cluster["apps"]]
            for t in self.truth["secrets"].values():
                if t["packages"] == apps and t["grants"] == cluster["grants"]:
                    return t
        return None

    def test_every_format_lists_the_same_order_and_counts(self):
        human = keysweep("report", "--datastore", self.db, "--format", "human", "--top", "0").stdout
        heads = re.findall(r"^#(\d+)  ([A-Z]+)  (.*)$", human, re.M)
        self.assertEqual([(int(n), s.lower(), why) for n, s, why in heads],
                         [(c["rank"], c["severity"], c["why"]) for c in self.report["clusters"]])
        self.assertIn('verified:  nothing checked (0 of %d)' % self.report["summary"]["credentials"], human)
        self.assertIn("at risk:   not known: no credential was checked", human)
        csv_text = keysweep("report", "--datastore", self.db, "--format", "csv").stdout
        rows = list(csv.DictReader(io.StringIO(csv_text)))
        for col in ("app_package", "app_versions", "app_signers", "publisher", "severity", "why"):
            self.assertIn(col, rows[0])
        # One row per credential and app, plus one for places outside apps (the damaged copies).
        want = sum(len(c["apps"]) + (1 if c["other_locations"] or not c["apps"] else 0)
                   for c in self.report["clusters"])
        self.assertEqual(len(rows), want)
        self.assertEqual([int(r["rank"]) for r in rows], sorted(int(r["rank"]) for r in rows))
        by_pub = json.loads(keysweep("report", "--datastore", self.db, "--by", "publisher",
                                     "--deterministic").stdout)
        pubs = by_pub["by_publisher"]
        self.assertEqual({p["publisher"] for p in pubs}, {m["publisher"] for m in self.meta.values()
                                                          if any(m["app_id"] in t["packages"]
                                                                 for t in self.truth["secrets"].values())})
        for p in pubs:
            ranks = [c["rank"] for c in p["credentials"]]
            self.assertEqual(ranks, sorted(ranks))
            mine = {a["app_id"] for a in p["apps"]}
            for c in p["credentials"]:
                self.assertTrue(set(c["apps"]) <= mine)
        human_pub = keysweep("report", "--datastore", self.db, "--format", "human", "--by",
                             "publisher").stdout
        self.assertIn(pubs[0]["publisher"] + "  (publisher; ", human_pub)

    def test_top_limits_the_publisher_view_and_says_how_many_more(self):
        def report(*args):
            return keysweep("report", "--datastore", self.db, "--by", "publisher", "--deterministic", *args).stdout
        full = json.loads(report())["by_publisher"]
        self.assertGreater(len(full), 1)
        self.assertGreater(len(full[0]["credentials"]), 1)
        top = json.loads(report("--top", "1"))
        self.assertEqual((top["by_publisher_count"], top["by_publisher_listed"]), (len(full), 1))
        [first] = top["by_publisher"]
        self.assertEqual(first["publisher"], full[0]["publisher"])  # the worst one
        self.assertEqual(first["credentials"], full[0]["credentials"][:1])
        self.assertEqual((first["credential_count"], first["credentials_listed"]),
                         (len(full[0]["credentials"]), 1))
        human = report("--format", "human", "--top", "1")
        self.assertIn("  and %d more credential%s (--top 0 lists all)\n" % (
            len(full[0]["credentials"]) - 1, "" if len(full[0]["credentials"]) == 2 else "s"), human)
        self.assertIn("and %d more publisher%s (--top 0 lists all)\n" % (
            len(full) - 1, "" if len(full) == 2 else "s"), human)
        self.assertNotIn(full[1]["publisher"] + "  (", human)
        rows = list(csv.DictReader(io.StringIO(report("--format", "csv", "--top", "1"))))
        self.assertEqual({r["by_publisher"] for r in rows}, {full[0]["publisher"]})
        self.assertEqual({int(r["rank"]) for r in rows if r["section"] == "credential"},
                         {full[0]["credentials"][0]["rank"]})

    def test_json_and_csv_follow_their_documented_schemas(self):
        import jsonschema
        with open(os.path.join(ROOT, "docs/schemas/fleet-report-2.schema.json")) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        docs = [self.report, json.loads(keysweep("report", "--datastore", self.db).stdout),
                json.loads(keysweep("report", "--datastore", self.db, "--by", "publisher").stdout),
                json.loads(keysweep("report", "--datastore", self.db, "--by", "publisher",
                                    "--top", "1").stdout),
                json.loads(keysweep("report", "--datastore", self.db, "--min-severity", "critical",
                                    "--disable-rule", "stripe.*", "--min-confidence", "high").stdout)]
        for doc in docs:
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
            self.assertEqual([], [f"{list(e.path)}: {e.message}" for e in errors[:5]])
        # The CSV header is the documented one (docs/FLEET.md, "CSV").
        documented = ("section,rank,severity,why,grants,provider,rule_id,rule_name,redacted,"
                      "secret_sha256,parts,confidence,verification,app_count,publisher_count,"
                      "signer_count,app_package,app_versions,app_signers,publisher,app_installs,"
                      "app_store,locations,holders,decoders,remediation,references")
        out = os.path.join(self.tmp, "report.csv")
        keysweep("report", "--datastore", self.db, "--format", "csv", "-o", out)
        with open(out, "rb") as f:
            data = f.read().decode()
        self.assertEqual(data.split("\r\n")[0], documented)
        self.assertEqual(data.count("\n"), data.count("\r\n"))  # CRLF line ends (RFC 4180)
        text = keysweep("report", "--datastore", self.db, "--format", "csv", "--by", "publisher").stdout
        self.assertEqual(text.splitlines()[0], "by_publisher,by_publisher_kind,by_publisher_id," + documented)
        with open(os.path.join(ROOT, "docs/FLEET.md")) as f:
            fleet_md = f.read()
        for col in documented.split(","):
            self.assertIn(f"`{col}`", fleet_md, col)

    def test_filters_leave_out_and_count(self):
        r = keysweep("report", "--datastore", self.db, "--deterministic", "--disable-rule",
                     "google.*", "--min-severity", "high")
        doc = json.loads(r.stdout)
        self.assertTrue(all(c["rule_id"] != "google.api_key" for c in doc["clusters"]))
        self.assertTrue(all(c["severity"] in ("high", "critical") for c in doc["clusters"]))
        f = doc["filters"]
        self.assertEqual(f["disabled_rules"], ["google.*"])
        self.assertEqual(f["hidden_clusters"] + len(doc["clusters"]), len(self.report["clusters"]))
        google = sum(c["findings"] for c in self.clusters("google.api_key"))
        self.assertEqual(f["hidden_findings_by"]["disable-rule"], google)
        self.assertIn("keysweep: the filters hide %d credentials" % f["hidden_clusters"], r.stderr)
        r = keysweep("report", "--datastore", self.db, "--disable-rule", "nosuch.rule", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("matches no rule", r.stderr)

class FleetReportHtml(FleetFixture):
    """The HTML page in headless Chromium (its own CTest test, e2e_fleet_report_html, skipped
    with a message when chromium is missing)."""

    @classmethod
    def setUpClass(cls):
        if not shutil.which("chromium"):
            raise unittest.SkipTest("chromium missing (scripts/install-deps installs it)")
        super().setUpClass()

    def chromium_dom(self, page, fragment=""):
        chromium = shutil.which("chromium")
        cmd = [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
               f"--user-data-dir={self.tmp}/chromium-profile",
               # Offline: any host name fails to resolve, so only what is in the file can load.
               "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1200,900",
               "--dump-dom", "file://" + page + fragment]
        dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
        self.assertIn('data-rendered="yes"', dom)  # the script ran to its end
        return dom

    def test_html_renders_offline_in_chromium(self):
        page = os.path.join(self.tmp, "report.html")
        r = keysweep("report", "--datastore", self.db, "--format", "html", "-o", page)
        self.assertEqual(r.returncode, 0, r.stderr)
        dom = self.chromium_dom(page)
        # The risk order, row for row, is the JSON's.
        rows = re.findall(r'<tr class="cluster-row" data-rank="(\d+)" data-secret="([0-9a-f]+)" '
                          r'data-provider="([^"]+)" data-severity="([a-z]+)"', dom)
        self.assertEqual([(int(n), h, p, s) for n, h, p, s in rows],
                         [(c["rank"], c["secret_sha256"], c["provider"], c["severity"])
                          for c in self.report["clusters"]])
        # The footer counts what was drawn, and it is what the JSON lists.
        footer = re.search(r'id="footer" data-drawn="(\d+)"[^>]*>([^<]*)', dom)
        self.assertEqual(int(footer.group(1)), len(rows))
        self.assertIn(f"{len(rows)} of {self.report['summary']['credentials']} credentials drawn",
                      footer.group(2))
        # Honest cards: nothing was verified, so "not checked", not "0 live".
        self.assertIn('data-card="verified live" data-value="not checked"', dom)
        self.assertIn('data-card="users at risk (live)" data-value="not known"', dom)
        self.assertIn('data-card="credentials" data-value="%d"' % self.report["summary"]["credentials"], dom)
        self.assertEqual(len(re.findall(r'<rect class="bar"', dom)), len(self.report["providers"]))
        reused = [c for c in self.report["clusters"] if c["app_count"] > 1]
        self.assertEqual(dom.count('class="cluster-node"'), min(24, len(reused)))
        self.assertGreaterEqual(dom.count('class="edge"'), len(reused[:24]))
        self.assertEqual(dom.count('class="problem-row"'), len(self.report["problem_inputs"]))
        self.assertEqual(dom.count('class="publisher-row"'),
                         len({a["publisher"] for c in self.report["clusters"] for a in c["apps"]}))
        self.assertIn("sdk:com.example.sdk", dom)
        self.assertNotIn('class="cluster-detail"', dom)  # nothing expanded unless asked
        # Each cluster found only through a decoding names it beside the secret.
        decoded = [c for c in self.report["clusters"] if any(c["decoders"])]
        self.assertGreater(len(decoded), 0)
        self.assertEqual(dom.count('class="decoded"'), sum(len([d for d in c["decoders"] if d])
                                                           for c in decoded))
        self.assertIn('title="decoded: base64">base64</span>', dom)

        # Expanded (as a click or a link does): the AWS pair's apps, where in each, its parts,
        # the whole remediation and the references.
        [aws] = self.clusters("aws.credentials")
        dom = self.chromium_dom(page, f"#open={aws['rank']}")
        detail = dom[dom.index('<tr class="cluster-detail" data-rank="%d"' % aws["rank"]):]
        detail = detail[:detail.index('<tr class="cluster-row"')]  # up to the next cluster
        self.assertEqual(re.findall(r'class="app-row" data-app="([^"]+)"', detail),
                         [a["app_id"] for a in aws["apps"]])
        self.assertEqual(detail.count('class="location"'),
                         sum(len(a["locations"]) for a in aws["apps"]) + len(aws["other_locations"]))
        self.assertIn("com.example.sdk.Telemetry.AWS_SECRET_ACCESS_KEY", detail)
        self.assertIn(aws["parts"][0]["redacted"], detail)
        self.assertIn(aws["remediation"], html_unescape(detail))
        # Each reference is a link that tells the site nothing (rel), opened apart.
        links = re.findall(r'<a href="([^"]*)" rel="noreferrer noopener" target="_blank">([^<]*)</a>', detail)
        self.assertEqual([(html_unescape(h), html_unescape(t)) for h, t in links],
                         [(r, r) for r in aws["references"]])

        # Filters (from the address, as the selects write it): provider, severity, status.
        dom = self.chromium_dom(page, "#provider=twilio&severity=critical")
        want = [c for c in self.report["clusters"] if c["provider"] == "twilio" and c["severity"] == "critical"]
        shown = re.findall(r'<tr class="cluster-row" data-rank="(\d+)"[^>]*data-status="[a-z_]+">', dom)
        self.assertEqual([int(n) for n in shown], [c["rank"] for c in want])
        self.assertIn(f'data-shown="{len(want)}"', dom)
        dom = self.chromium_dom(page, "#status=live")
        self.assertIn('data-shown="0"', dom)  # nothing was verified live

        shot = os.path.join(self.tmp, "report.png")
        chromium = shutil.which("chromium")
        subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                        f"--user-data-dir={self.tmp}/chromium-profile",
                        "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1200,900",
                        f"--screenshot={shot}", "file://" + page], capture_output=True, timeout=120)
        self.assertTrue(os.path.exists(shot), "chromium wrote no screenshot")
        with open(shot, "rb") as f:
            width, height, rows_px, bpp = read_png(f.read(), max_rows=900)
        self.assertEqual((width, height), (1200, 900))
        # The header and cards (dark), then the risk table with its severity badges.
        header, ink = colours_in(rows_px, bpp, 0, 0, width, 60)
        self.assertGreater(ink, width * 50)
        table, ink = colours_in(rows_px, bpp, 0, 300, width, 900)
        self.assertGreater(ink, 5000)
        self.assertIn(bytes.fromhex("b3261e"), table, "no critical badge in the risk table")

    def test_top_limits_the_publisher_section_and_says_how_many_more(self):
        page = os.path.join(self.tmp, "top1.html")
        keysweep("report", "--datastore", self.db, "--format", "html", "--top", "1", "-o", page)
        full = json.loads(keysweep("report", "--datastore", self.db, "--by", "publisher",
                                   "--deterministic").stdout)["by_publisher"]
        dom = self.chromium_dom(page)
        self.assertEqual(dom.count('class="publisher-row"'), 1)
        self.assertEqual(dom.count('class="publisher-credential"'), 1)
        self.assertIn('<li class="publisher-more">and %d more credentials</li>'
                      % (len(full[0]["credentials"]) - 1), dom)
        self.assertIn("and %d more publishers (report --top N draws more)" % (len(full) - 1), dom)


class FleetReportHtmlLinks(unittest.TestCase):
    """References come from rule files, which anyone can write: only http(s) addresses become
    links, their text cannot leave the attribute, and the page still loads nothing."""

    @classmethod
    def setUpClass(cls):
        if not shutil.which("chromium"):
            raise unittest.SkipTest("chromium missing (scripts/install-deps installs it)")
        cls.tmp = e2e_util.scratch_dir("fleet-links")

    @classmethod
    def tearDownClass(cls):
        e2e_util.remove_tree(getattr(cls, "tmp", ""))

    def test_only_http_references_are_links_and_stay_in_their_attribute(self):
        refs = ['https://example.com/rotate?a=1&b="x"><img src=//evil.example/p.png>',
                "javascript:alert(1)", "JAVASCRIPT:https://example.com", "ftp://example.com/f",
                "data:text/html,<script>alert(1)</script>", "http://example.org/ok"]
        rules = os.path.join(self.tmp, "refs.toml")
        with open(rules, "w") as f:
            f.write('[[rules]]\nid = "test.refs"\nname = "Reference test"\nprovider = "test"\n'
                    "pattern = '''\\b(zq[0-9a-f]{16})\\b'''\n"
                    'positive_examples = ["key = zq3f9a1c7e5b2d8046"]\nremediation = "Rotate it."\n'
                    "references = [%s]\n" % ", ".join(json.dumps(r) for r in refs))
        src = os.path.join(self.tmp, "src")
        os.makedirs(src)
        with open(os.path.join(src, "a.txt"), "w") as f:
            f.write("key = zq3f9a1c7e5b2d8046\n")
        db, page = os.path.join(self.tmp, "links.db"), os.path.join(self.tmp, "links.html")
        keysweep("scan", "--datastore", db, "--rules", rules, "-q", "--progress", "never", src)
        r = keysweep("report", "--datastore", db, "--rules", rules, "--format", "html", "-o", page)
        self.assertEqual(r.returncode, 0, r.stderr)
        chromium = shutil.which("chromium")
        dom = subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox",
                              f"--user-data-dir={self.tmp}/chromium-profile",
                              "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom",
                              "file://" + page + "#open=1"],
                             capture_output=True, text=True, timeout=120).stdout
        self.assertIn('data-rendered="yes"', dom)
        refs_html = dom[dom.index('<ul class="refs">'):]
        refs_html = refs_html[:refs_html.index("</ul>")]
        links = re.findall(r'<li><a href="([^"]*)" rel="noreferrer noopener" target="_blank">([^<]*)</a></li>', refs_html)
        # The parser's own form of the address: quotes and angle brackets percent-encoded.
        self.assertEqual([(html_unescape(h), html_unescape(t)) for h, t in links],
                         [("https://example.com/rotate?a=1&b=%22x%22%3E%3Cimg%20src=//evil.example/p.png%3E", refs[0]),
                          ("http://example.org/ok", refs[5])])
        texts = [html_unescape(t) for t in re.findall(r"<li><code>([^<]*)</code></li>", refs_html)]
        self.assertEqual(texts, refs[1:5])
        self.assertEqual(dom.count("<a "), 2)
        self.assertNotIn("<img", dom)
        # The policy that keeps the page from loading anything, whatever a reference says.
        self.assertIn("default-src 'none'", dom)


def html_unescape(text):
    import html
    return html.unescape(text)


class ReportStores(unittest.TestCase):
    """Datastores that are not a scanned fleet: empty, from an older schema, newer, not ours."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e_util.scratch_dir("report-stores")

    @classmethod
    def tearDownClass(cls):
        e2e_util.remove_tree(cls.tmp)

    def test_empty_datastore_gives_an_empty_report_that_says_so(self):
        db = os.path.join(self.tmp, "empty.db")
        open(db, "wb").close()
        r = keysweep("report", "--datastore", db, "--deterministic", check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["clusters"], [])
        self.assertIn("holds no scanned input", doc["notice"])
        self.assertIn("holds no scanned input", r.stderr)
        import jsonschema
        with open(os.path.join(ROOT, "docs/schemas/fleet-report-2.schema.json")) as f:
            jsonschema.validate(doc, json.load(f), cls=jsonschema.Draft202012Validator)
        for fmt in ("human", "html", "csv"):
            r = keysweep("report", "--datastore", db, "--format", fmt, check=False)
            self.assertEqual(r.returncode, 0, fmt + r.stderr)
        self.assertIn("holds no scanned input",
                      keysweep("report", "--datastore", db, "--format", "human").stdout)

    def test_a_version_1_store_is_upgraded_and_reported(self):
        db = os.path.join(self.tmp, "v1.db")
        with open(os.path.join(ROOT, "src/store/migrations/0001_initial.sql")) as f:
            schema = f.read().replace("@ID@", "INTEGER PRIMARY KEY")
        with sqlite3.connect(db) as c:
            c.executescript(schema)
            c.executescript("""
              CREATE TABLE schema_version (version BIGINT NOT NULL);
              INSERT INTO schema_version VALUES (1);
              INSERT INTO scan_runs (started_at, status, tool_version, host, command)
                VALUES ('2025-01-01T00:00:00Z', 'finished', '0.0.1', 'h', 'keysweep scan');
              INSERT INTO apps (platform, package, version, signer_sha256, team_id)
                VALUES ('android', 'com.old.app', '1.0', 'aa', '');
              INSERT INTO inputs (run_id, path, content_sha256, size, status, app_id, scanned_at)
                VALUES (1, 'old.apk', 'cc', 10, 'ok', 1, '2025-01-01T00:00:00Z');
              INSERT INTO files (input_id, chain, depth) VALUES (1, 'old.apk!classes.dex', 1);
              INSERT INTO findings (input_id, file_id, app_id, rule_id, rule_name, provider,
                confidence, secret_sha256, redacted, fingerprint, symbol, line, col, byte_offset,
                code_class, code_package, snippet, verification_status, verification_identity,
                verification_detail, pair_role, git_commit, git_author, git_time, git_path)
                VALUES (1, 1, 1, 'stripe.secret_key', 'Stripe Live Secret Key', 'stripe', 'high',
                'h1', 'sk_l…abcd', 'fp', 'com.old.app.Pay.KEY', 0, 0, 0, 'com.old.app.Pay',
                'com.old.app', '', 'not_checked', '', '', '', '', '', 0, '');
            """)
        r = keysweep("report", "--datastore", db, "--deterministic", check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("datastore upgraded from schema version 1 to", r.stderr)
        [c] = json.loads(r.stdout)["clusters"]
        self.assertEqual((c["rule_id"], c["grants"], c["severity"]), ("stripe.secret_key", "full-account", "high"))
        self.assertEqual(c["apps"][0]["locations"][0]["symbol"], "com.old.app.Pay.KEY")

    def test_a_newer_or_foreign_store_is_refused_naming_why(self):
        db = os.path.join(self.tmp, "newer.db")
        keysweep("scan", "--datastore", db, "-q", "--progress", "never", os.path.join(ROOT, "README.md"))
        with sqlite3.connect(db) as c:
            c.execute("UPDATE schema_version SET version = 99")
        r = keysweep("report", "--datastore", db, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("schema version 99 is newer", r.stderr)
        other = os.path.join(self.tmp, "other.db")
        with sqlite3.connect(other) as c:
            c.execute("CREATE TABLE t (x)")
        r = keysweep("report", "--datastore", other, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a keysweep datastore", r.stderr)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--fleet-dir", default=os.path.join(ROOT, "build", "fleet-40"))
    args, rest = e2e_util.parse_args(ap)
    FLEET_DIR = os.path.abspath(args.fleet_dir)
    e2e_util.run_tests(rest)
