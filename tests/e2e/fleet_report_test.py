#!/usr/bin/env python3
"""End-to-end test of `keysweep report` over a small generated fleet: 40 APK-shaped apps from
bench/fleet/generate_fleet.py (4 publishers with their own signing keys, SDKs and publishers
sharing credentials, 4 malformed files; ~1 MB), scanned with `keysweep scan --datastore
--metadata`, reported as JSON (checked against the generator's truth.json) and as HTML, which
Debian's headless Chromium renders offline: the DOM it builds must hold the charts and cluster
rows (so the inline script ran), and the screenshot must show them (decoded with png_pixels.py).

The same report from a throwaway PostgreSQL server (tests/e2e/storeutil.py) must equal it.

Run: /usr/bin/python3 tests/e2e/fleet_report_test.py --keysweep build/src/cli/keysweep \
         [--fleet-dir build/fleet-40]
Skips (exit 0, "skipped") when the Android tools or chromium are missing.
"""
import argparse
import csv
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


class FleetReport(unittest.TestCase):
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

    def test_html_renders_offline_in_chromium(self):
        chromium = shutil.which("chromium")
        if not chromium:
            self.skipTest("chromium missing (scripts/install-deps installs it)")
        page = os.path.join(self.tmp, "report.html")
        r = keysweep("report", "--datastore", self.db, "--format", "html", "-o", page)
        self.assertEqual(r.returncode, 0, r.stderr)
        base = [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                f"--user-data-dir={self.tmp}/chromium-profile",
                # Offline: any host name fails to resolve, so only what is in the file can load.
                "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1200,900"]
        url = "file://" + page
        dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True,
                             timeout=120).stdout
        self.assertIn('data-rendered="yes"', dom)  # the script ran to its end
        n_clusters = len(self.report["clusters"])
        self.assertEqual(dom.count('class="cluster-row"'), min(100, n_clusters))
        self.assertEqual(len(re.findall(r'<rect class="bar"', dom)), len(self.report["providers"]))
        reused = [c for c in self.report["clusters"] if c["app_count"] > 1]
        self.assertEqual(dom.count('class="cluster-node"'), min(24, len(reused)))
        self.assertGreaterEqual(dom.count('class="edge"'), len(reused[:24]))
        self.assertEqual(dom.count('class="problem-row"'), len(self.report["problem_inputs"]))
        self.assertIn("sdk:com.example.sdk", dom)
        # Each shown cluster found only through a decoding names it beside the secret.
        decoded = [c for c in self.report["clusters"][:100] if any(c["decoders"])]
        self.assertGreater(len(decoded), 0)
        self.assertEqual(dom.count('class="decoded"'), sum(len([d for d in c["decoders"] if d])
                                                           for c in decoded))
        self.assertIn('title="decoded: base64">base64</span>', dom)

        shot = os.path.join(self.tmp, "report.png")
        subprocess.run(base + [f"--screenshot={shot}", url], capture_output=True, timeout=120)
        self.assertTrue(os.path.exists(shot), "chromium wrote no screenshot")
        with open(shot, "rb") as f:
            width, height, rows, bpp = read_png(f.read(), max_rows=700)
        self.assertEqual((width, height), (1200, 900))
        # The header and cards (dark), then the provider bars in their palette colours.
        header, ink = colours_in(rows, bpp, 0, 0, width, 60)
        self.assertGreater(ink, width * 50)
        chart, ink = colours_in(rows, bpp, 0, 150, 900, 400)
        self.assertGreaterEqual(len(chart), 6, "the provider chart area is nearly blank")
        self.assertGreater(ink, 5000)
        palette = {bytes.fromhex(c) for c in ("3b6fd4", "2f9e44", "e8590c")}
        self.assertTrue(palette & chart, "no provider bar colour in the chart area")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--fleet-dir", default=os.path.join(ROOT, "build", "fleet-40"))
    args, rest = e2e_util.parse_args(ap)
    FLEET_DIR = os.path.abspath(args.fleet_dir)
    e2e_util.run_tests(rest)
