#!/usr/bin/env python3
"""End-to-end tests of `keysweep scan --datastore postgresql://...` against a throwaway PostgreSQL
server (started in a temporary directory, unix socket only): the store holds the same content as
a SQLite store of the same scan; four --shard K/4 processes started at once (racing to create the
schema) fill one database with exactly what one process does; a rerun skips every input.

Run: /usr/bin/python3 tests/e2e/datastore_pg_test.py --keysweep build/dev/src/cli/keysweep
Skips (exit 0, "PostgreSQL server binaries missing") without /usr/lib/postgresql/15/bin/initdb.
"""
import os
import subprocess
import sys
import unittest

import e2e_util
from e2e_util import FIXTURES, run
from storeutil import PgServer, dump


class PostgresDatastore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not PgServer.available():
            raise unittest.SkipTest("PostgreSQL server binaries missing (postgresql-15)")
        cls.tmp = e2e_util.scratch_dir("pg")
        os.chmod(cls.tmp, 0o755)
        cls.fleet = os.path.join(cls.tmp, "fleet")
        subprocess.run([sys.executable, os.path.join(FIXTURES, "make_fleet.py"), cls.fleet, "16"],
                       check=True)
        cls.inputs = [os.path.join(cls.fleet, d) for d in ("ipa", "src", "broken")]
        cls.meta = os.path.join(cls.fleet, "metadata.csv")
        cls.server = PgServer(os.path.join(cls.tmp, "pg")).start()
        cls.sqlite = os.path.join(cls.tmp, "single.db")
        r = run("scan", "--datastore", cls.sqlite, "--metadata", cls.meta, *cls.inputs)
        assert r.returncode == 1, r.stderr
        cls.expected = dump(cls.sqlite)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        e2e_util.remove_tree(cls.tmp)

    def test_postgres_store_equals_the_sqlite_store(self):
        uri = self.server.create_db("single")
        r = run("scan", "--datastore", uri, "--metadata", self.meta, *self.inputs)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("stored 33 inputs", r.stdout)
        self.assertNotIn("user=postgres", r.stdout.replace(uri, ""))
        got = dump(uri)
        self.assertGreater(len(got), 60)
        self.assertEqual(got, self.expected)
        again = run("scan", "--datastore", uri, *self.inputs)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("stored 0 inputs (33 already stored, skipped)", again.stdout)
        self.assertEqual(dump(uri), self.expected)

    def test_four_shards_at_once_fill_one_store_like_one_process(self):
        uri = self.server.create_db("sharded")
        procs = [subprocess.Popen([e2e_util.KEYSWEEP, "scan", "--shard", f"{k}/4", "--datastore", uri,
                                   "--metadata", self.meta, "--progress", "never", *self.inputs],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for k in range(1, 5)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertIn(p.returncode, (0, 1), err)
            self.assertNotIn("error", err)
        self.assertEqual(dump(uri), self.expected)
        runs = subprocess.run(["psql", "-X", "-At", "-d", uri, "-c",
                               "SELECT shard, status FROM scan_runs ORDER BY shard"],
                              capture_output=True, text=True, check=True).stdout.split()
        self.assertEqual(runs, [f"{k}/4|finished" for k in range(1, 5)])

    def test_unreachable_server_is_a_clear_error(self):
        r = run("scan", "--datastore",
                f"postgresql:///nope?host={self.tmp}/nowhere&user=postgres", self.fleet)
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot connect to PostgreSQL datastore", r.stderr)


if __name__ == "__main__":
    e2e_util.main()
