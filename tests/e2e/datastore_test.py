#!/usr/bin/env python3
"""End-to-end tests of `keysweep scan --datastore` on SQLite, over the generated fleet of
tests/fixtures/make_fleet.py: every finding of a plain `scan --format json` lands in the store
(with its app, file chain and pair parts) and no secret in clear does; a second run skips every
input; a run killed midway keeps what it committed and the rerun finishes the rest; a malformed app
and an oversize file are recorded, not fatal; the metadata CSV joins apps; --shard K/N splits the
inputs into disjoint parts that cover them all; --input-list (file and stdin); plain progress lines.

Run: /usr/bin/python3 tests/e2e/datastore_test.py --keysweep build/dev/src/cli/keysweep
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

import e2e_util
from e2e_util import FIXTURES, run
from fake_credentials import Fakes  # on sys.path through e2e_util

N_APPS = 12


def rows(db, sql, *params):
    with sqlite3.connect(db) as c:
        return c.execute(sql, params).fetchall()


def json_findings(report):
    """(rule, chain, symbol, secret hash, role) of every finding and part of a JSON report."""
    out = set()
    for f in report["findings"]:
        for x in [f] + f.get("parts", []):
            out.add((x["rule_id"], "!".join(x["location"]["chain"]), x["location"]["symbol"],
                     x["secret_sha256"], x.get("pair_role", "")))
    return out


def store_findings(db):
    return set(rows(db, "SELECT f.rule_id, fi.chain, f.symbol, f.secret_sha256, f.pair_role "
                        "FROM findings f JOIN files fi ON fi.id = f.file_id"))


class Datastore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = e2e_util.scratch_dir("datastore")
        cls.fleet = os.path.join(cls.tmp, "fleet")
        subprocess.run([sys.executable, os.path.join(FIXTURES, "make_fleet.py"), cls.fleet,
                        str(N_APPS)], check=True)
        cls.apps = [os.path.join(cls.fleet, d) for d in ("ipa", "src", "broken")]
        r = run("scan", "--format", "json", *cls.apps)
        cls.report = json.loads(r.stdout)

    @classmethod
    def tearDownClass(cls):
        e2e_util.remove_tree(cls.tmp)

    def db(self, name):
        return os.path.join(self.tmp, name)

    def test_every_finding_is_stored_with_its_app_and_no_secret_in_clear(self):
        db = self.db("roundtrip.db")
        r = run("scan", "--datastore", db, *self.apps)
        self.assertEqual(r.returncode, 1, r.stderr)  # findings stored
        self.assertRegex(r.stdout, r"stored 25 inputs \(0 already stored, skipped\), \d+ findings")
        self.assertEqual(store_findings(db), json_findings(self.report))
        self.assertEqual(rows(db, "SELECT COUNT(*) FROM findings WHERE pair_id IS NULL")[0][0],
                         len(self.report["findings"]))
        # Each IPA is an app; its pair's parts point at the pair.
        self.assertEqual(rows(db, "SELECT COUNT(*) FROM apps WHERE platform = 'ios'")[0][0], N_APPS)
        self.assertEqual(rows(db, """SELECT a.package, a.version, p.rule_id, f.pair_role
            FROM findings f JOIN findings p ON p.id = f.pair_id JOIN apps a ON a.id = f.app_id
            JOIN inputs i ON i.id = f.input_id
            WHERE i.path LIKE '%app04.ipa' ORDER BY f.pair_role"""),
            [("com.fleet.app04", "1.4", "twilio.account", "id"),
             ("com.fleet.app04", "1.4", "twilio.account", "secret")])
        # The same Twilio credential in apps 0-2: one secret hash across three apps.
        shared = rows(db, """SELECT COUNT(DISTINCT f.app_id) FROM findings f
            WHERE f.rule_id = 'twilio.account' GROUP BY f.secret_sha256 ORDER BY 1 DESC""")
        self.assertEqual(shared[0][0], 3)
        run_row = rows(db, "SELECT status, inputs_scanned, findings FROM scan_runs")
        self.assertEqual(run_row, [("finished", 25, len(self.report["findings"]))])
        blob = b""
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                with open(db + suffix, "rb") as fh:
                    blob += fh.read()
        plain = run("scan", "--format", "json", "--show-secrets", *self.apps)
        for f in json.loads(plain.stdout)["findings"]:
            self.assertNotIn(f["secret"].encode(), blob, f["rule_id"])

    def test_the_decoder_chain_is_stored_and_reported(self):
        db = self.db("decoders.db")
        r = run("scan", "--datastore", db, *self.apps)
        self.assertEqual(r.returncode, 1, r.stderr)
        # service02.env holds a GitHub token only base64 reveals; everything else is in clear.
        self.assertEqual(rows(db, """SELECT f.rule_id, fi.chain, f.decoders FROM findings f
            JOIN files fi ON fi.id = f.file_id WHERE f.decoders <> ''"""),
            [("github.pat_classic", os.path.join(self.fleet, "src", "service02.env"), "base64")])
        plain = [f for f in self.report["findings"] if f["location"].get("decoders")]
        self.assertEqual([f["location"]["decoders"] for f in plain], [["base64"]])
        report = json.loads(run("report", "--datastore", db, "--deterministic").stdout)
        decoded = [c for c in report["clusters"] if c["decoders"]]
        self.assertEqual([(c["rule_id"], c["decoders"]) for c in decoded],
                         [("github.pat_classic", ["base64"])])
        self.assertTrue(all("decoders" in c for c in report["clusters"]))

    def test_second_run_skips_every_stored_input(self):
        db = self.db("resume.db")
        first = run("scan", "--datastore", db, *self.apps)
        self.assertEqual(first.returncode, 1, first.stderr)
        before = rows(db, "SELECT COUNT(*) FROM findings")[0][0]
        again = run("scan", "--datastore", db, *self.apps)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("stored 0 inputs (25 already stored, skipped), 0 findings", again.stdout)
        self.assertEqual(rows(db, "SELECT COUNT(*) FROM findings")[0][0], before)
        self.assertEqual(rows(db, "SELECT COUNT(*) FROM scan_runs WHERE status = 'finished'")[0][0], 2)

    def test_a_killed_run_keeps_what_it_committed_and_the_rerun_does_the_rest(self):
        # Small inputs sorted before one large (sparse) file, scanned by one worker: the small ones
        # are committed while the large one is still being hashed and scanned; then SIGKILL.
        tree = os.path.join(self.tmp, "killed")
        shutil.copytree(os.path.join(self.fleet, "ipa"), os.path.join(tree, "a"))
        big = os.path.join(tree, "z-large.bin")
        with open(big, "wb") as fh:
            fh.truncate(3 << 30)
        db = self.db("killed.db")
        p = subprocess.Popen([e2e_util.KEYSWEEP, "scan", "--jobs", "1", "--max-file-size", "4GiB",
                              "--progress", "never", "--datastore", db, tree],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        committed = 0
        deadline = time.time() + 60
        while time.time() < deadline and p.poll() is None:
            try:
                committed = rows(db, "SELECT COUNT(*) FROM inputs")[0][0]
            except sqlite3.Error:
                committed = 0
            if committed == N_APPS:
                break
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait()
        os.unlink(big)
        self.assertEqual(committed, N_APPS, "the small inputs were not committed before the large one")
        self.assertEqual(rows(db, "SELECT COUNT(*) FROM inputs")[0][0], N_APPS)
        self.assertEqual(rows(db, "SELECT status FROM scan_runs"), [("running",)])
        # Every committed input is whole: its findings column matches its rows.
        self.assertEqual(rows(db, """SELECT COUNT(*) FROM inputs i WHERE i.findings !=
            (SELECT COUNT(*) FROM findings f WHERE f.input_id = i.id AND f.pair_id IS NULL)"""),
            [(0,)])
        with open(os.path.join(tree, "late.env"), "w") as fh:
            fh.write("GITHUB_TOKEN=%s\n" % Fakes("keysweep-kill").github_token())
        rerun = run("scan", "--datastore", db, tree)
        self.assertIn("stored 1 input (%d already stored, skipped)" % N_APPS, rerun.stdout)

    def test_malformed_and_oversize_inputs_are_recorded_and_the_run_goes_on(self):
        db = self.db("malformed.db")
        r = run("scan", "--max-file-size", "200", "--datastore", db, *self.apps)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # warnings only: findings decide
        got = dict(rows(db, "SELECT path, status FROM inputs"))
        trunc = os.path.join(self.fleet, "broken", "truncated.apk")
        self.assertEqual(got[trunc], "error")  # over 200 bytes: not read
        self.assertTrue(all(s == "error" for p, s in got.items() if p.endswith(".ipa")))
        small = [p for p, s in got.items() if p.endswith(".env")]
        self.assertEqual(len(small), N_APPS)
        self.assertIn(("too-large",), rows(db, "SELECT DISTINCT kind FROM diagnostics"))

    def test_truncated_app_is_partial_with_its_reason(self):
        db = self.db("partial.db")
        run("scan", "--datastore", db, os.path.join(self.fleet, "broken"))
        ((status, reason),) = rows(db, "SELECT status, reason FROM inputs")
        self.assertEqual(status, "partial")
        self.assertIn("truncated", reason)
        self.assertEqual(rows(db, "SELECT DISTINCT kind FROM diagnostics"), [("malformed",)])

    def test_metadata_csv_joins_apps(self):
        db = self.db("meta.db")
        r = run("scan", "--datastore", db, "--metadata", os.path.join(self.fleet, "metadata.csv"),
                os.path.join(self.fleet, "ipa"))
        self.assertEqual(r.returncode, 1, r.stderr)
        joined = rows(db, """SELECT a.package, m.publisher, m.installs, m.store FROM apps a
            JOIN app_metadata m ON m.app_id = a.package ORDER BY a.package""")
        self.assertEqual(len(joined), N_APPS)
        self.assertEqual(joined[0], ("com.fleet.app00", "Shared SDK Corp", 1000, "appstore"))
        self.assertEqual(joined[5], ("com.fleet.app05", "Publisher 1", 6000, "play"))
        bad = run("scan", "--metadata", os.path.join(self.fleet, "metadata.csv"), self.fleet)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--metadata needs --datastore", bad.stderr)

    def test_shards_are_disjoint_and_cover_every_input(self):
        n = 3
        seen = []
        for k in range(1, n + 1):
            db = self.db(f"shard{k}.db")
            r = run("scan", "--shard", f"{k}/{n}", "--datastore", db, *self.apps)
            self.assertIn(r.returncode, (0, 1), r.stderr)
            paths = [p for (p,) in rows(db, "SELECT path FROM inputs")]
            self.assertTrue(paths, f"shard {k}/{n} is empty")
            self.assertEqual(rows(db, "SELECT shard FROM scan_runs"), [(f"{k}/{n}",)])
            seen += paths
        full = self.db("shard-all.db")
        run("scan", "--datastore", full, *self.apps)
        all_paths = sorted(p for (p,) in rows(full, "SELECT path FROM inputs"))
        self.assertEqual(sorted(seen), all_paths)  # union = all, and no path twice
        self.assertEqual(len(set(seen)), len(seen))
        for bad in ("0/3", "4/3", "3", "a/b", "1/0"):
            r = run("scan", "--shard", bad, self.fleet)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("--shard wants K/N", r.stderr)

    def test_input_list_from_file_and_stdin(self):
        listed = [os.path.join(self.fleet, "ipa", "app03.ipa"), os.path.join(self.fleet, "src")]
        lst = os.path.join(self.tmp, "inputs.txt")
        with open(lst, "w") as fh:
            fh.write("# the fleet\n\n" + "\n".join(listed) + "\n")
        a = self.db("list-file.db")
        run("scan", "--datastore", a, "--input-list", lst)
        b = self.db("list-stdin.db")
        run("scan", "--datastore", b, "--input-list", "-", stdin="\n".join(listed) + "\n")
        expect = 1 + N_APPS
        self.assertEqual(rows(a, "SELECT COUNT(*) FROM inputs")[0][0], expect)
        self.assertEqual(rows(b, "SELECT COUNT(*) FROM inputs")[0][0], expect)
        r = run("scan", "--input-list", os.devnull)
        self.assertEqual(r.returncode, 2)
        self.assertIn("the input list names no path", r.stderr)

    def test_verify_checks_each_input_before_it_is_written(self):
        # No network here (or an unreachable provider): every checked credential is stored as
        # "unknown" with the reason, the rest stay "not_checked"; nothing is left unverified.
        db = self.db("verify.db")
        r = run("scan", "--verify", "--datastore", db, os.path.join(self.fleet, "src"))
        self.assertEqual(r.returncode, 1, r.stderr)
        statuses = dict(rows(db, """SELECT rule_id, MIN(verification_status) FROM findings
            WHERE pair_id IS NULL GROUP BY rule_id"""))
        self.assertIn(statuses.get("aws.credentials"), ("live", "revoked", "unknown"))
        self.assertIn(statuses.get("github.pat_classic"), ("live", "revoked", "unknown"))

    def test_plain_progress_lines(self):
        db = self.db("progress.db")
        r = run("scan", "--progress", "plain", "--datastore", db, *self.apps)
        lines = [l for l in r.stderr.splitlines() if " inputs" in l and "MB/s" in l]
        self.assertTrue(lines, r.stderr)
        self.assertRegex(lines[-1], r"^keysweep: 25/25 inputs, [\d.]+ MB/s, \d+ findings, done in \d+:\d\d$")
        again = run("scan", "--progress", "plain", "--datastore", db, *self.apps)
        self.assertRegex(again.stderr, r"keysweep: 25/25 inputs \(25 already stored\), [\d.]+ MB/s, 0 findings")
        never = run("scan", "--progress", "never", "--datastore", self.db("quiet.db"), *self.apps)
        self.assertNotIn("MB/s", never.stderr)


if __name__ == "__main__":
    e2e_util.main()
