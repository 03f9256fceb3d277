#!/usr/bin/env python3
"""End-to-end tests of `keysweep scan --git / --staged / --diff / --since / --ref` and
`keysweep hook install`, on real repositories built here with the git CLI: commits by several
authors on fixed dates, a branch and a merge, a secret added then removed, the same blob at two
paths, a rename, a bare clone, staged and unstaged changes, and the pre-commit hook refusing a
commit that adds a credential.
Run: /usr/bin/python3 tests/e2e/git_test.py --keysweep build/dev/src/cli/keysweep
"""
import csv
import io
import json
import os
import stat
import subprocess
import tempfile
import unittest

import e2e_util
from fake_credentials import Fakes  # on sys.path through e2e_util
from e2e_util import run as keysweep

FAKE = Fakes("git-e2e")
GITHUB = FAKE.github_token()
AKID = FAKE.aws_access_key_id()
SLACK = FAKE.slack_bot_token()
STAGED_KEY = FAKE.aws_access_key_id()


def scan_json(*args, cwd=None, env=None):
    r = keysweep("scan", "-q", "--format", "json", *args, cwd=cwd, env=env)
    if r.returncode not in (0, 1):
        raise AssertionError(f"keysweep {args} failed ({r.returncode}): {r.stderr}")
    return r.returncode, json.loads(r.stdout)


def by_rule(report):
    return {f["rule_id"]: f for f in report["findings"]}


class Repo:
    """A git repository in a temp dir; every commit has its own author and a fixed date."""

    def __init__(self, root=None):
        self.root = root or e2e_util.scratch_dir("git")
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Hook User")
        self.git("config", "user.email", "hook@example.com")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args, env=None, check=True):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        full_env.update(env or {})
        r = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, env=full_env)
        if check and r.returncode != 0:
            raise AssertionError(f"git {args} failed: {r.stderr}")
        return r

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def commit(self, message, author, day):
        name = author.capitalize()
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": f"{author}@example.com",
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": f"{author}@example.com",
               "GIT_AUTHOR_DATE": f"2024-01-{day:02d}T12:00:00+0000",
               "GIT_COMMITTER_DATE": f"2024-01-{day:02d}T12:00:00+0000"}
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.git("rev-parse", "HEAD").stdout.strip()

    def cleanup(self):
        e2e_util.remove_tree(self.root)


class History(unittest.TestCase):
    """c1 adds a token, c2 removes it; c3 on a branch adds an AWS key; c4 copies c1's file (same
    blob); c5 merges the branch; c6 renames the AWS file; c7 adds a Slack token."""

    @classmethod
    def setUpClass(cls):
        r = cls.repo = Repo()
        settings = f'GITHUB_TOKEN = "{GITHUB}"\n'
        r.write("README.md", "a project\n")
        r.write("src/settings.py", settings)
        cls.c1 = r.commit("add settings", "alice", 1)
        r.write("src/settings.py", 'GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\n')
        r.write("docs/notes.txt", "the token now comes from the environment\n")
        cls.c2 = r.commit("remove the token", "bob", 2)
        r.git("checkout", "-q", "-b", "feature")
        r.write("deploy/.env", f"AWS_ACCESS_KEY_ID={AKID}\n")
        cls.c3 = r.commit("deploy config", "carol", 3)
        r.git("checkout", "-q", "main")
        r.write("backup/settings.py.bak", settings)  # byte for byte c1's blob
        cls.c4 = r.commit("backup", "dave", 4)
        r.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature",
              env={"GIT_AUTHOR_NAME": "Eve", "GIT_AUTHOR_EMAIL": "eve@example.com",
                   "GIT_COMMITTER_NAME": "Eve", "GIT_COMMITTER_EMAIL": "eve@example.com",
                   "GIT_AUTHOR_DATE": "2024-01-05T12:00:00+0000",
                   "GIT_COMMITTER_DATE": "2024-01-05T12:00:00+0000"})
        cls.c5 = r.git("rev-parse", "HEAD").stdout.strip()
        os.makedirs(os.path.join(r.root, "config"))  # git mv makes no directories
        r.git("mv", "deploy/.env", "config/prod.env")
        cls.c6 = r.commit("rename", "frank", 6)
        r.write("keys/slack.txt", f"SLACK_BOT_TOKEN={SLACK}\n")
        cls.c7 = r.commit("slack", "grace", 7)

    @classmethod
    def tearDownClass(cls):
        cls.repo.cleanup()

    def test_every_secret_in_history_with_the_commit_that_introduced_it(self):
        rc, report = scan_json("--git", self.repo.root)
        self.assertEqual(rc, 1)
        found = by_rule(report)
        self.assertEqual(sorted(found), ["aws.access_key_id", "github.pat_classic",
                                         "slack.bot_token"], report["findings"])
        # Added in c1 and removed in c2: still reported, at c1, by Alice.
        gh = found["github.pat_classic"]["location"]
        self.assertEqual(gh["path"], "src/settings.py")
        self.assertEqual(gh["git"]["commit"], self.c1)
        self.assertEqual(gh["git"]["author"], "Alice <alice@example.com>")
        self.assertEqual(gh["git"]["date"], "2024-01-01T12:00:00Z")
        self.assertEqual(gh["line"], 1)
        # On a branch, merged, then renamed: reported once, where and when it came in.
        aws = found["aws.access_key_id"]["location"]
        self.assertEqual((aws["path"], aws["git"]["commit"], aws["git"]["author"]),
                         ("deploy/.env", self.c3, "Carol <carol@example.com>"))
        slack = found["slack.bot_token"]["location"]
        self.assertEqual((slack["path"], slack["git"]["commit"]), ("keys/slack.txt", self.c7))

    def test_each_unique_blob_is_scanned_once(self):
        _, report = scan_json("--git", self.repo.root)
        s = report["summary"]
        self.assertEqual(s["git_commits"], 7)
        # README, token settings, clean settings, notes, .env, slack: the .bak copy and the
        # renamed .env are the same objects, so they are not read again.
        self.assertEqual(s["files_scanned"], 6)

    def test_human_output_names_commit_author_and_date(self):
        r = keysweep("scan", "--git", "--color", "never", self.repo.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"{self.c1[:7]}:src/settings.py:1:", r.stdout)
        self.assertIn(f"commit:  {self.c1} 2024-01-01T12:00:00Z Alice <alice@example.com>", r.stdout)
        self.assertIn("3 findings in 6 git blobs of 7 commits", r.stdout)
        self.assertNotIn(GITHUB, r.stdout + r.stderr)

    def test_since_scans_only_later_commits(self):
        rc, report = scan_json("--git", "--since", self.c5, self.repo.root)
        self.assertEqual(rc, 1)
        # c6 only renames (nothing new); c7 adds the Slack token.
        self.assertEqual([f["rule_id"] for f in report["findings"]], ["slack.bot_token"])
        self.assertEqual(report["summary"]["git_commits"], 2)
        self.assertEqual(report["summary"]["files_scanned"], 1)

    def test_diff_scans_what_a_branch_adds(self):
        rc, report = scan_json("--diff", f"{self.c2}..feature", self.repo.root)
        self.assertEqual(rc, 1)
        self.assertEqual([(f["rule_id"], f["location"]["git"]["commit"]) for f in report["findings"]],
                         [("aws.access_key_id", self.c3)])
        rc, report = scan_json("--diff", f"{self.c5}..{self.c6}", self.repo.root)
        self.assertEqual((rc, report["findings"]), (0, []), "a rename adds nothing")

    def test_a_merge_is_charged_only_for_what_it_resolves(self):
        # feature..c5 is c4 and the merge. The merge brings deploy/.env from feature, which the
        # base already has: not new. c4's copy of the token is new on this side.
        rc, report = scan_json("--diff", f"feature..{self.c5}", self.repo.root)
        self.assertEqual(rc, 1)
        got = [(f["rule_id"], f["location"]["path"], f["location"]["git"]["commit"])
               for f in report["findings"]]
        self.assertEqual(got, [("github.pat_classic", "backup/settings.py.bak", self.c4)])

    def test_ref_selects_where_the_walk_starts(self):
        _, report = scan_json("--git", "--ref", "feature", self.repo.root)
        self.assertEqual(sorted(by_rule(report)), ["aws.access_key_id", "github.pat_classic"])
        r = keysweep("scan", "--git", "--ref", "no-such-branch", self.repo.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no-such-branch", r.stderr)

    def test_bare_clone_gives_the_same_findings(self):
        bare = e2e_util.scratch_dir("bare")
        try:
            subprocess.run(["git", "clone", "-q", "--bare", self.repo.root, bare + "/r.git"],
                           check=True, capture_output=True)
            _, report = scan_json("--git", bare + "/r.git")
            got = sorted((f["rule_id"], f["location"]["git"]["commit"]) for f in report["findings"])
            self.assertEqual(got, [("aws.access_key_id", self.c3),
                                   ("github.pat_classic", self.c1),
                                   ("slack.bot_token", self.c7)])
        finally:
            e2e_util.remove_tree(bare)

    def test_shallow_clone_attributes_to_its_oldest_commit(self):
        # A CI checkout with depth 2 has c6 and c7; c6's parents are missing, so what c6 holds is
        # reported as introduced there (documented in docs/CI.md), and c7's addition at c7.
        tmp = e2e_util.scratch_dir("shallow")
        try:
            subprocess.run(["git", "clone", "-q", "--depth", "2", "file://" + self.repo.root,
                            tmp + "/r"], check=True, capture_output=True)
            rc, report = scan_json("--git", tmp + "/r")
            self.assertEqual(rc, 1)
            self.assertEqual(report["summary"]["git_commits"], 2)
            got = sorted((f["rule_id"], f["location"]["path"], f["location"]["git"]["commit"])
                         for f in report["findings"])
            self.assertEqual(got, [("aws.access_key_id", "config/prod.env", self.c6),
                                   ("github.pat_classic", "backup/settings.py.bak", self.c6),
                                   ("slack.bot_token", "keys/slack.txt", self.c7)])
        finally:
            e2e_util.remove_tree(tmp)

    def test_sarif_and_csv_carry_the_origin(self):
        r = keysweep("scan", "-q", "--git", "--format", "sarif", self.repo.root)
        run = json.loads(r.stdout)["runs"][0]
        vcs = run["versionControlProvenance"][0]
        self.assertTrue(vcs["repositoryUri"].startswith("file://"))
        self.assertEqual((vcs["revisionId"], vcs["branch"]), (self.c7, "main"))
        res = next(x for x in run["results"] if x["ruleId"] == "github.pat_classic")
        self.assertEqual(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                         "src/settings.py")
        self.assertEqual(res["properties"]["git"]["commit"], self.c1)
        self.assertIn(f"(commit {self.c1[:7]})", res["message"]["text"])
        r = keysweep("scan", "-q", "--git", "--format", "csv", self.repo.root)
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        aws = next(x for x in rows if x["rule_id"] == "aws.access_key_id")
        self.assertEqual((aws["git_commit"], aws["git_author"], aws["git_date"]),
                         (self.c3, "Carol <carol@example.com>", "2024-01-03T12:00:00Z"))

    def test_bad_flags(self):
        r = keysweep("scan", "--staged", "--since", "HEAD", self.repo.root)
        self.assertEqual(r.returncode, 2)
        r = keysweep("scan", "--diff", "main", self.repo.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("A..B", r.stderr)
        r = keysweep("scan", "--git", tempfile.gettempdir() + "/keysweep-not-a-repo-dir")
        self.assertEqual(r.returncode, 2)


class StagedAndHook(unittest.TestCase):
    def setUp(self):
        self.repo = Repo()
        self.repo.write("README.md", "hello\n")
        self.repo.commit("first", "alice", 1)

    def tearDown(self):
        self.repo.cleanup()

    def test_staged_scans_the_index_not_the_work_tree(self):
        r = self.repo
        r.write("app/.env", f"AWS_ACCESS_KEY_ID={STAGED_KEY}\n")
        rc, report = scan_json("--staged", r.root)
        self.assertEqual((rc, report["findings"]), (0, []), "unstaged: not scanned")
        r.git("add", "app/.env")
        rc, report = scan_json("--staged", r.root)
        self.assertEqual(rc, 1)
        loc = report["findings"][0]["location"]
        self.assertEqual((loc["path"], loc["git"]["staged"], loc["git"]["commit"]),
                         ("app/.env", True, ""))
        # Cleaning the work tree does not help: the index still holds the key.
        r.write("app/.env", "AWS_ACCESS_KEY_ID=from-vault\n")
        rc, _ = scan_json("--staged", r.root)
        self.assertEqual(rc, 1)
        r.git("add", "app/.env")
        rc, _ = scan_json("--staged", r.root)
        self.assertEqual(rc, 0)
        # Already committed content is not re-reported by --staged.
        r.write("app/.env", f"AWS_ACCESS_KEY_ID={STAGED_KEY}\n")
        r.commit("oops", "bob", 2)
        rc, _ = scan_json("--staged", r.root)
        self.assertEqual(rc, 0)

    def test_hook_refuses_a_commit_adding_a_secret_and_accepts_a_clean_one(self):
        r = self.repo
        out = keysweep("hook", "install", r.root)
        self.assertEqual(out.returncode, 0, out.stderr)
        hook = os.path.join(r.root, ".git", "hooks", "pre-commit")
        self.assertTrue(os.stat(hook).st_mode & stat.S_IXUSR)
        head = r.git("rev-parse", "HEAD").stdout
        r.write("deploy/.env", f"AWS_ACCESS_KEY_ID={STAGED_KEY}\n")
        r.git("add", "-A")
        refused = r.git("commit", "-m", "add key", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("commit refused", refused.stderr)
        self.assertIn("deploy/.env", refused.stdout + refused.stderr)
        self.assertEqual(r.git("rev-parse", "HEAD").stdout, head, "no commit was made")
        r.git("rm", "-q", "--cached", "deploy/.env")
        os.remove(os.path.join(r.root, "deploy/.env"))
        r.write("docs/guide.md", "keys come from the vault\n")
        r.git("add", "-A")
        accepted = r.git("commit", "-m", "docs", check=False)
        self.assertEqual(accepted.returncode, 0, accepted.stdout + accepted.stderr)
        self.assertNotEqual(r.git("rev-parse", "HEAD").stdout, head)
        # Reinstalling over its own hook is fine.
        self.assertEqual(keysweep("hook", "install", r.root).returncode, 0)

    def test_hook_does_not_overwrite_a_foreign_hook_without_force(self):
        r = self.repo
        hook = os.path.join(r.root, ".git", "hooks", "pre-commit")
        os.makedirs(os.path.dirname(hook), exist_ok=True)
        with open(hook, "w") as f:
            f.write("#!/bin/sh\necho mine\n")
        out = keysweep("hook", "install", r.root)
        self.assertEqual(out.returncode, 2)
        self.assertIn("--force", out.stderr)
        with open(hook) as f:
            self.assertEqual(f.read(), "#!/bin/sh\necho mine\n")
        out = keysweep("hook", "install", "--force", r.root)
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(hook + ".keysweep-backup") as f:
            self.assertEqual(f.read(), "#!/bin/sh\necho mine\n")
        with open(hook) as f:
            self.assertIn("scan --staged", f.read())


class PackedHistory(unittest.TestCase):
    """Full-history scans stream the packs (pipeline/git_pack_scan.cc); KEYSWEEP_GIT_READER=libgit2
    reads every object through libgit2. On a repository whose history is mostly in one repacked
    pack (long delta chains), with a later commit left loose and an unreachable blob kept in the
    pack, both must report the same findings with the same origins."""

    @classmethod
    def setUpClass(cls):
        r = cls.repo = Repo()
        cls.fakes = [FAKE.github_token() for _ in range(12)]
        lines = [f"setting_{i} = {i}\n" for i in range(300)]
        for day in range(1, 13):
            lines[day * 20] = f'token_{day} = "{cls.fakes[day - 1]}"\n'
            if day > 3:
                lines[(day - 3) * 20] = "rotated\n"  # the token three commits back is gone
            r.write("app/config.py", "".join(lines))
            r.write(f"app/notes/{day % 4}.txt", f"day {day}\n" * (day * 30))
            # A .strings file is read as one (by name): its labels carry the file's name.
            r.write("ios/Localizable.strings",
                    f'"api_token" = "{cls.fakes[day - 1]}";\n"title_{day}" = "Day {day}";\n')
            r.commit(f"day {day}", "alice", day)
        unreachable = FAKE.slack_bot_token()
        cls.unreachable = unreachable
        r.git("checkout", "-q", "-b", "side")
        r.write("side.txt", "side branch\n")
        r.commit("side", "bob", 13)
        r.git("checkout", "-q", "main")
        blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=r.root, check=True,
                              input=f"SLACK_BOT_TOKEN={unreachable}\n", capture_output=True,
                              text=True).stdout.strip()
        # Packed while a tag names it, then unnamed: in the pack, reachable from no ref.
        r.git("tag", "keep-for-repack", blob)
        r.git("repack", "-adf", "--depth=50", "--window=250")
        r.git("tag", "-d", "keep-for-repack")
        cls.loose_token = FAKE.aws_access_key_id()
        r.write("deploy/.env", f"AWS_ACCESS_KEY_ID={cls.loose_token}\n")
        r.commit("after the repack", "carol", 14)

    @classmethod
    def tearDownClass(cls):
        cls.repo.cleanup()

    def test_pack_reader_and_libgit2_report_the_same(self):
        _, packed = scan_json("--git", "--jobs", "2", self.repo.root)
        _, libgit2 = scan_json("--git", "--jobs", "2", self.repo.root,
                               env={"KEYSWEEP_GIT_READER": "libgit2"})
        self.assertEqual(packed["findings"], libgit2["findings"])
        for key in ("files_scanned", "blobs_scanned", "bytes_scanned", "git_commits"):
            self.assertEqual(packed["summary"][key], libgit2["summary"][key], key)
        found = {(f["rule_id"], f["location"]["path"]) for f in packed["findings"]}
        self.assertIn(("aws.access_key_id", "deploy/.env"), found)  # the loose commit's
        self.assertGreaterEqual(len(packed["findings"]), 13)
        strings = [f for f in packed["findings"] if f["location"]["path"] == "ios/Localizable.strings"]
        self.assertTrue(strings and all(f["location"].get("symbol") for f in strings), strings)

    def test_an_empty_commit_in_a_pack(self):
        r = Repo()
        try:
            r.commit("nothing", "alice", 1)  # the empty tree: a zero-byte object
            r.git("repack", "-adq")
            rc, report = scan_json("--git", r.root)
            self.assertEqual((rc, report["findings"], report["summary"]["git_commits"]), (0, [], 1))
        finally:
            r.cleanup()

    def test_several_packs_holding_the_same_objects(self):
        # Objects are numbered by their place in the packs' indexes, the first pack holding an
        # id giving its number: two incremental packs, a third holding every object again, and
        # loose objects; the pack reader reports what libgit2 does.
        r = Repo()
        self.addCleanup(r.cleanup)
        tokens = []
        for day in range(1, 10):
            tokens.append(FAKE.github_token())
            r.write(f"d{day % 3}/app.env",
                    f"day {day}\nGITHUB_TOKEN={tokens[-1]}\n" + "x\n" * day)
            r.commit(f"day {day}", "alice", day)
            if day in (3, 6):
                r.git("repack", "-dq")
        names = r.git("rev-list", "--objects", "--all").stdout
        everything = "\n".join(line.split()[0] for line in names.splitlines()) + "\n"
        pack_dir = os.path.join(r.root, ".git", "objects", "pack")
        subprocess.run(["git", "pack-objects", "-q", os.path.join(pack_dir, "pack")], cwd=r.root,
                       input=everything, text=True, check=True, capture_output=True)
        self.assertEqual(len([n for n in os.listdir(pack_dir) if n.endswith(".pack")]), 3)
        _, packed = scan_json("--git", "--jobs", "2", r.root)
        _, libgit2 = scan_json("--git", "--jobs", "2", r.root,
                               env={"KEYSWEEP_GIT_READER": "libgit2"})
        self.assertEqual(packed["findings"], libgit2["findings"])
        self.assertEqual(sorted(f["location"]["path"] for f in packed["findings"]),
                         sorted(f"d{day % 3}/app.env" for day in range(1, 10)))
        for key in ("blobs_scanned", "bytes_scanned", "git_commits"):
            self.assertEqual(packed["summary"][key], libgit2["summary"][key], key)

    def test_unreachable_blobs_are_counted_not_scanned(self):
        _, report = scan_json("--git", self.repo.root)
        self.assertNotIn(self.unreachable, json.dumps(report))
        self.assertFalse([f for f in report["findings"] if f["rule_id"] == "slack.bot_token"])
        self.assertEqual(report["summary"].get("git_unreachable_blobs_skipped"), 1)

    def test_ref_selection_reads_the_packs_too(self):
        _, packed = scan_json("--git", "--ref", "side", self.repo.root)
        _, libgit2 = scan_json("--git", "--ref", "side", self.repo.root,
                               env={"KEYSWEEP_GIT_READER": "libgit2"})
        self.assertEqual(packed["findings"], libgit2["findings"])
        self.assertNotIn("deploy/.env", json.dumps(packed["findings"]))


class DamagedHistory(unittest.TestCase):
    """Issue 16: a repository with a missing blob and a corrupt tree, loose and packed. Every
    reader names the object it could not read, and the rest of the history is still scanned:
    the token a later commit adds is found, at that commit."""

    def two_commits(self, first_files):
        # `first_files` in a first commit, then a second adding a token in keys/.env.
        r = Repo()
        self.addCleanup(r.cleanup)
        for rel, text in first_files.items():
            r.write(rel, text)
        self.first = r.commit("first", "alice", 1)
        token = FAKE.github_token()
        r.write("keys/.env", f"GITHUB_TOKEN={token}\n")
        return r, token, r.commit("token", "bob", 2)

    def make(self, packed):
        r, token, later = self.two_commits({"lost/data.txt": "this blob goes missing\n",
                                            "bent/data.txt": "this tree gets corrupted\n"})
        lost = r.git("rev-parse", "HEAD:lost/data.txt").stdout.strip()
        bent = r.git("rev-parse", "HEAD:bent").stdout.strip()
        objects = os.path.join(r.root, ".git", "objects")
        if packed:
            # Pack everything but the lost blob; the corrupt tree stays loose beside the pack.
            names = [line.split()[0] for line in
                     r.git("rev-list", "--objects", "--all").stdout.splitlines()]
            keep = "\n".join(n for n in names if n not in (lost, bent)) + "\n"
            subprocess.run(["git", "pack-objects", "-q", os.path.join(objects, "pack", "pack")],
                           cwd=r.root, input=keep, text=True, check=True, capture_output=True)
            for n in names:
                if n != bent:
                    os.remove(os.path.join(objects, n[:2], n[2:]))
        else:
            os.remove(os.path.join(objects, lost[:2], lost[2:]))
        tree_file = os.path.join(objects, bent[:2], bent[2:])
        os.chmod(tree_file, 0o644)
        with open(tree_file, "wb") as f:
            f.write(b"not a zlib stream at all")
        return r, token, later, lost, bent

    def scan_damaged(self, root, reader, token, later):
        # The token the later commit adds is found, at that commit; returns every message.
        env = {"KEYSWEEP_GIT_READER": reader} if reader else None
        out = keysweep("scan", "--format", "json", "--git", root, env=env)
        self.assertEqual(out.returncode, 1, out.stderr)
        report = json.loads(out.stdout)
        found = [(f["rule_id"], f["location"]["path"], f["location"]["git"]["commit"])
                 for f in report["findings"]]
        self.assertEqual(found, [("github.pat_classic", "keys/.env", later)])
        self.assertNotIn(token, out.stdout + out.stderr)
        return json.dumps(report["summary"]["diagnostics"]) + out.stderr

    def check(self, packed, reader):
        r, token, later, lost, bent = self.make(packed)
        messages = self.scan_damaged(r.root, reader, token, later)
        self.assertIn(f"cannot read blob {lost}", messages)
        # The tree is named with where the walk met it: the first commit, at bent/.
        self.assertIn(f"{self.first[:7]}:bent/: cannot read tree {bent}", messages)

    def test_loose_objects(self):
        self.check(packed=False, reader=None)

    def test_packed_objects(self):
        self.check(packed=True, reader=None)

    def test_packed_objects_through_libgit2(self):
        self.check(packed=True, reader="libgit2")

    def spoil_packed_blob(self):
        # One pack; the zlib stream of one blob in it overwritten where it starts.
        r, token, later = self.two_commits(
            {"spoiled/data.txt": "this blob gets damaged inside its pack\n"})
        spoiled = r.git("rev-parse", "HEAD~1:spoiled/data.txt").stdout.strip()
        r.git("repack", "-adq")
        pack_dir = os.path.join(r.root, ".git", "objects", "pack")
        idx = [n for n in os.listdir(pack_dir) if n.endswith(".idx")]
        self.assertEqual(len(idx), 1)
        with open(os.path.join(pack_dir, idx[0]), "rb") as f:
            shown = subprocess.run(["git", "show-index"], stdin=f, capture_output=True,
                                   text=True, check=True).stdout
        offset = next(int(line.split()[0]) for line in shown.splitlines()
                      if line.split()[1] == spoiled)
        pack = os.path.join(pack_dir, idx[0][:-4] + ".pack")
        os.chmod(pack, 0o644)
        with open(pack, "r+b") as f:
            f.seek(offset + 2)  # past the two-byte entry header: the zlib header
            f.write(b"\0\0\0\0")
        return r, token, later, spoiled

    def check_spoiled(self, reader):
        r, token, later, spoiled = self.spoil_packed_blob()
        messages = self.scan_damaged(r.root, reader, token, later)
        self.assertIn(f"cannot read blob {spoiled}", messages)
        return messages, spoiled

    def test_corrupt_packed_blob(self):
        # The pack reader names the pack, the entry and the object; libgit2, tried next for
        # what the pack reader could not read, names the object and where the walk met it.
        messages, spoiled = self.check_spoiled(reader=None)
        self.assertRegex(messages,
                         r"entry at offset \d+ \(object " + spoiled + r"\): bad zlib data")

    def test_corrupt_packed_blob_through_libgit2(self):
        self.check_spoiled(reader="libgit2")

    def lose_commit(self, r, commit):
        # Loose objects: the commit's own file removed.
        os.remove(os.path.join(r.root, ".git", "objects", commit[:2], commit[2:]))

    def test_a_missing_commit_is_named_and_the_history_after_it_still_scanned(self):
        # libgit2's walk gives up at the first commit it cannot read; keysweep walks again around
        # it. Before, the scan failed with nothing scanned.
        r, token, later = self.two_commits({"notes.txt": "first\n"})
        self.lose_commit(r, self.first)
        for reader in (None, "libgit2"):
            with self.subTest(reader=reader):
                messages = self.scan_damaged(r.root, reader, token, later)
                self.assertIn(f"@{self.first}: cannot read commit", messages)

    def test_a_branch_whose_commit_is_missing_is_named_and_the_others_scanned(self):
        r, token, later = self.two_commits({"notes.txt": "first\n"})
        r.git("checkout", "-q", "-b", "lost", self.first)
        r.write("other.txt", "on a branch whose commit goes missing\n")
        lost = r.commit("lost", "carol", 3)
        r.git("checkout", "-q", "main")
        self.lose_commit(r, lost)
        messages = self.scan_damaged(r.root, None, token, later)
        self.assertIn(f"refs/heads/lost points to {lost}, which cannot be read", messages)

    def test_a_repository_none_of_whose_commits_can_be_read_fails_saying_why(self):
        # Before, this scanned as an empty history: no message, exit 0.
        r, token, later = self.two_commits({"notes.txt": "first\n"})
        self.lose_commit(r, later)
        out = keysweep("scan", "--format", "json", "--git", r.root)
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn(f"refs/heads/main points to {later}, which cannot be read", out.stderr)
        self.assertIn("no commit could be read: 1 ref points to an object that cannot be read", out.stderr)

    def test_partial_clone(self):
        # `--filter=blob:none`: only the checked-out commit's blobs are fetched; the older ones
        # are named as unreadable, and what is there is scanned.
        src = Repo()
        self.addCleanup(src.cleanup)
        src.write("settings.txt", "version = 1\n")
        src.commit("first", "alice", 1)
        token = FAKE.github_token()
        src.write("settings.txt", "version = 2\n")
        src.write("keys/.env", f"GITHUB_TOKEN={token}\n")
        later = src.commit("token", "bob", 2)
        src.git("config", "uploadpack.allowFilter", "true")
        old = src.git("rev-parse", "HEAD~1:settings.txt").stdout.strip()
        clone = e2e_util.scratch_dir("git-partial")
        self.addCleanup(e2e_util.remove_tree, clone)
        src.git("clone", "-q", "--filter=blob:none", f"file://{src.root}", clone)
        out = keysweep("scan", "--format", "json", "--git", clone)
        self.assertEqual(out.returncode, 1, out.stderr)
        report = json.loads(out.stdout)
        found = [(f["location"]["path"], f["location"]["git"]["commit"]) for f in report["findings"]]
        self.assertEqual(found, [("keys/.env", later)])
        self.assertIn(f"cannot read blob {old}", json.dumps(report["summary"]["diagnostics"]) + out.stderr)


def main():
    global KEYSWEEP
    parser = argparse.ArgumentParser()
    parser.add_argument("--keysweep", required=True)
    args, rest = parser.parse_known_args()
    KEYSWEEP = os.path.abspath(args.keysweep)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    e2e_util.main()
