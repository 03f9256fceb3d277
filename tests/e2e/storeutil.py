#!/usr/bin/env python3
"""Helpers for the datastore tests: a throwaway PostgreSQL server in a temporary directory, and a
canonical dump of a store (SQLite or PostgreSQL) that leaves out what differs between equivalent
runs (row ids, timestamps, run ids, host), so two stores can be compared line by line.

    python3 storeutil.py dump STORE             # STORE: a SQLite path or a postgresql:// URI
    python3 storeutil.py pg-start DIR           # prints the URI of a fresh database; DIR/pg.env
    python3 storeutil.py pg-stop DIR
"""
import os
import shutil
import sqlite3
import subprocess
import sys

PG_BIN = "/usr/lib/postgresql/15/bin"

# One line per finding (and pair part), then one per input: everything a report is built from.
DUMP_QUERIES = [
    """SELECT 'finding', i.path, i.content_sha256, fi.chain, f.rule_id, f.rule_name, f.provider,
              f.confidence, f.secret_sha256, f.redacted, f.fingerprint, f.symbol, f.line, f.col,
              f.byte_offset, f.code_class, f.code_package, f.snippet, f.verification_status,
              f.pair_role, COALESCE(p.rule_id, ''), COALESCE(p.byte_offset, -1),
              COALESCE(a.platform, ''), COALESCE(a.package, ''), COALESCE(a.version, ''),
              COALESCE(a.signer_sha256, ''), COALESCE(a.team_id, ''), f.decoders
       FROM findings f JOIN inputs i ON i.id = f.input_id JOIN files fi ON fi.id = f.file_id
       LEFT JOIN findings p ON p.id = f.pair_id LEFT JOIN apps a ON a.id = f.app_id""",
    """SELECT 'input', i.path, COALESCE(i.content_sha256, ''), i.size, i.status, i.reason,
              i.blobs_scanned, i.bytes_scanned, i.findings, COALESCE(a.package, ''),
              COALESCE(a.version, '')
       FROM inputs i LEFT JOIN apps a ON a.id = i.app_id""",
    """SELECT 'diagnostic', i.path, d.severity, d.kind, d.path, d.message
       FROM diagnostics d JOIN inputs i ON i.id = d.input_id""",
    """SELECT 'metadata', app_id, publisher, COALESCE(installs, -1), store FROM app_metadata""",
]


def _text(v):
    return "" if v is None else str(v)


def dump(store):
    """Sorted lines, '|'-separated, of every query above."""
    lines = []
    if store.startswith(("postgresql://", "postgres://")):
        for q in DUMP_QUERIES:
            out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", store,
                                  "-c", q], capture_output=True, text=True, check=True).stdout
            lines += [l for l in out.splitlines() if l]
    else:
        with sqlite3.connect(store) as c:
            for q in DUMP_QUERIES:
                lines += ["|".join(_text(v) for v in row) for row in c.execute(q)]
    return sorted(lines)


class PgServer:
    """initdb + pg_ctl in `root`, listening on a unix socket there only (no TCP). As root the
    server runs as the 'postgres' user (PostgreSQL refuses to run as root)."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.data = os.path.join(self.root, "data")
        self.port = 5400 + os.getpid() % 500
        self.as_root = os.geteuid() == 0

    @staticmethod
    def available():
        return os.path.exists(os.path.join(PG_BIN, "initdb")) and shutil.which("psql") is not None

    def _run(self, *cmd):
        if self.as_root:
            cmd = ("runuser", "-u", "postgres", "--") + cmd
        return subprocess.run(cmd, capture_output=True, text=True)

    def start(self):
        os.makedirs(self.root, exist_ok=True)
        os.chmod(self.root, 0o777)
        r = self._run(os.path.join(PG_BIN, "initdb"), "-D", self.data, "-A", "trust", "-U",
                      "postgres", "--no-sync", "-E", "UTF8", "--locale", "C")
        if r.returncode != 0:
            raise RuntimeError("initdb failed: " + r.stderr)
        opts = f"-k {self.root} -c listen_addresses='' -p {self.port} -F -c max_connections=50"
        r = self._run(os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l",
                      os.path.join(self.root, "server.log"), "-o", opts, "-w", "-t", "30", "start")
        if r.returncode != 0:
            log = open(os.path.join(self.root, "server.log")).read() if os.path.exists(
                os.path.join(self.root, "server.log")) else ""
            raise RuntimeError("pg_ctl start failed: " + r.stderr + log)
        return self

    def create_db(self, name):
        subprocess.run(["psql", "-X", "-q", "-d", self.uri("postgres"), "-c",
                        f"CREATE DATABASE {name}"], check=True, capture_output=True)
        return self.uri(name)

    def uri(self, db):
        return f"postgresql:///{db}?host={self.root}&port={self.port}&user=postgres"

    def stop(self):
        self._run(os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "dump":
        print("\n".join(dump(sys.argv[2])))
    elif cmd == "pg-start":
        s = PgServer(sys.argv[2]).start()
        print(s.create_db(sys.argv[3] if len(sys.argv) > 3 else "keysweep"))
    elif cmd == "pg-create-db":
        s = PgServer(sys.argv[2])
        s.port = int(sys.argv[3])
        print(s.create_db(sys.argv[4]))
    elif cmd == "pg-stop":
        PgServer(sys.argv[2]).stop()
    else:
        sys.exit("unknown command " + cmd)
