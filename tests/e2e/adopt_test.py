#!/usr/bin/env python3
"""End-to-end tests of adopting keysweep in a repository (issue 15): what `scan .` walks (.git
skipped, .gitignore on request), the baseline named in keysweep.toml and honoured by every kind of
scan and by the installed hook, bad settings files, the CLI conventions (help SUBCOMMAND, exit
codes in --help, hook uninstall, flags that would do nothing), gitleaks/TruffleHog allow comments,
and a hook whose keysweep binary is gone.
Run: /usr/bin/python3 tests/e2e/adopt_test.py --keysweep build/dev/src/cli/keysweep
"""
import json
import os
import random
import re
import shlex
import shutil
import string
import subprocess
import unittest

import e2e_util
from e2e_util import run as keysweep
from fake_credentials import Fakes  # on sys.path through e2e_util
from git_test import Repo

FAKE = Fakes("e2e-adopt")
OLD_KEY = FAKE.aws_access_key_id()
NEW_KEY = FAKE.aws_access_key_id()
GHP = FAKE.github_token()
GHP2 = FAKE.github_token()


def scan_json(*args, cwd=None):
    r = keysweep("scan", "--format", "json", *args, cwd=cwd)
    return r, (json.loads(r.stdout) if r.stdout.strip() else None)


def secrets_found(report):
    return sorted(f["location"]["path"] for f in report["findings"])


class WorkTree(unittest.TestCase):
    """`scan .` in a repository reads the files, not .git, unless asked."""

    def setUp(self):
        self.repo = Repo()
        self.repo.write("app/settings.py", f'AWS_ACCESS_KEY_ID = "{OLD_KEY}"\n')
        self.repo.write(".gitignore", ".env\nbuild/\n")
        self.repo.write(".env", f"GITHUB_TOKEN={GHP}\n")
        self.repo.write("build/out.txt", f"token {GHP2}\n")
        self.repo.commit("first", "ann", 1)

    def tearDown(self):
        self.repo.cleanup()

    def test_git_dir_is_skipped_and_the_summary_says_how_to_include_it(self):
        r, doc = scan_json(self.repo.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(doc["summary"]["files_scanned"], 4)  # settings.py, .gitignore, .env, out.txt
        self.assertEqual(doc["summary"]["git_dirs_skipped"], 1)
        self.assertNotIn("/.git/", r.stdout)
        human = keysweep("scan", self.repo.root)
        self.assertIn(".git not scanned (--include-git-dir scans it", human.stdout)
        r, doc = scan_json("--include-git-dir", self.repo.root)
        self.assertGreater(doc["summary"]["files_scanned"], 4)
        self.assertNotIn("git_dirs_skipped", doc["summary"])

    def test_gitignore_is_honoured_only_when_asked(self):
        _, doc = scan_json(self.repo.root)
        self.assertIn(".env", " ".join(secrets_found(doc)))  # ignored .env files hide secrets
        r, doc = scan_json("--respect-gitignore", self.repo.root)
        self.assertEqual(secrets_found(doc), [os.path.join(self.repo.root, "app/settings.py")])
        self.assertEqual(doc["summary"]["gitignored_skipped"], 2)  # .env and build/
        human = keysweep("scan", "--respect-gitignore", self.repo.root)
        self.assertIn("2 ignored by .gitignore", human.stdout)
        # The same from keysweep.toml.
        self.repo.write("keysweep.toml", "[scan]\nrespect_gitignore = true\n")
        _, doc = scan_json(self.repo.root)
        self.assertEqual(doc["summary"]["gitignored_skipped"], 2)

    def test_gitleaksignore_fingerprints_hide_the_findings_they_name(self):
        sha = self.repo.git("rev-parse", "HEAD").stdout.strip()
        self.repo.write(".gitleaksignore", "# accepted in gitleaks\n"
                        "app/settings.py:aws-access-token:1\n"
                        f"{sha}:.env:github-pat:1\n"
                        "not a fingerprint\n")
        r, doc = scan_json("--include-suppressed", self.repo.root)
        hidden = [f for f in doc["findings"] if f.get("suppressed_by")]
        self.assertEqual([os.path.basename(f["location"]["path"]) for f in hidden], ["settings.py"])
        why = hidden[0]["suppressed_by"]
        self.assertEqual(why["mechanism"], "ignore-file")
        self.assertIn("gitleaks fingerprint app/settings.py:aws-access-token:1", why["justification"])
        # A fingerprint with a commit names a finding in history, not one in the work tree.
        self.assertIn(".env", " ".join(secrets_found(doc)))
        _, doc = scan_json("--git", self.repo.root)
        self.assertEqual(doc["summary"]["suppressed"]["ignore-file"], 1)  # settings.py, 2 forms
        self.repo.write(".gitleaksignore", f"{sha}:app/settings.py:aws-access-token:1\n")
        _, doc = scan_json("--git", self.repo.root)
        self.assertEqual(doc["summary"]["suppressed"]["ignore-file"], 1)
        self.repo.write(".gitleaksignore", f"{'0' * 40}:app/settings.py:aws-access-token:1\n")
        _, doc = scan_json("--git", self.repo.root)
        self.assertEqual(doc["summary"]["suppressed"]["ignore-file"], 0)

    def test_walk_flags_with_a_git_scan_are_refused(self):
        r = keysweep("scan", "--git", "--respect-gitignore", self.repo.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--respect-gitignore", r.stderr)


class BaselineEverywhere(unittest.TestCase):
    """A baseline named in keysweep.toml: scan, --staged, --diff, --git and the hook honour it."""

    def setUp(self):
        self.repo = r = Repo()
        r.write("README.md", "hello\n")
        r.commit("first", "ann", 1)
        r.write("app/settings.py", f'AWS_ACCESS_KEY_ID = "{OLD_KEY}"\n')
        r.commit("legacy key", "ann", 2)
        made = keysweep("baseline", "create", ".", cwd=r.root)
        self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
        r.write("keysweep.toml", '[suppress]\nbaseline = "keysweep-baseline.json"\n')
        r.commit("accept the legacy key", "ann", 3)
        installed = keysweep("hook", "install", r.root)
        self.assertEqual(installed.returncode, 0, installed.stderr)

    def tearDown(self):
        self.repo.cleanup()

    def test_every_scan_honours_it_from_anywhere(self):
        root = self.repo.root
        elsewhere = os.path.dirname(root)  # run from outside the repository
        for args in (["scan", root], ["scan", "--git", root],
                     ["scan", "--diff", "HEAD~2..HEAD", root]):
            r = keysweep(*args, "--format", "json", cwd=elsewhere)
            self.assertEqual(r.returncode, 0, f"{args}: {r.stdout} {r.stderr}")
            self.assertEqual(json.loads(r.stdout)["summary"]["suppressed"]["baseline"], 1, args)
        # Without the baseline the key is reported: it is the settings file that hides it.
        r = keysweep("scan", "--no-suppress", root)
        self.assertEqual(r.returncode, 1)

    def test_a_baseline_made_from_history_elsewhere_matches_the_work_tree(self):
        root = self.repo.root
        elsewhere = os.path.dirname(root)
        out = os.path.join(root, "from-history.json")
        # --no-config: the settings' baseline would hide the key from the new one.
        made = keysweep("baseline", "create", "--no-config", "--git", root, "-o", out, cwd=elsewhere)
        self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
        with open(out) as f:
            self.assertEqual([e["path"] for e in json.load(f)["findings"]], ["app/settings.py"])
        r = keysweep("scan", "--baseline", out, root)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_hook_accepts_an_edit_around_a_known_key_and_refuses_a_new_one(self):
        r = self.repo
        head = r.git("rev-parse", "HEAD").stdout
        # The file holding the baselined key is edited: lines above it, the key's line moved.
        r.write("app/settings.py", f'import os\n\nDEBUG = False\nAWS_ACCESS_KEY_ID = "{OLD_KEY}"\n')
        r.git("add", "-A")
        staged = keysweep("scan", "--staged", cwd=r.root)
        self.assertEqual(staged.returncode, 0, staged.stdout + staged.stderr)
        ok = r.git("commit", "-m", "edit settings", check=False)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertNotEqual(r.git("rev-parse", "HEAD").stdout, head)
        # A new key in the same file is still refused, with the three ways out.
        r.write("app/settings.py", f'AWS_ACCESS_KEY_ID = "{OLD_KEY}"\nBACKUP_KEY_ID = "{NEW_KEY}"\n')
        r.git("add", "-A")
        refused = r.git("commit", "-m", "second key", check=False)
        self.assertNotEqual(refused.returncode, 0)
        out = refused.stdout + refused.stderr
        self.assertIn("app/settings.py:2", out)
        self.assertNotIn("app/settings.py:1", out)
        for way in ("rotate it", "keysweep:allow", "keysweep baseline create", "[suppress] baseline"):
            self.assertIn(way, refused.stderr)
        self.assertNotIn("--no-verify", refused.stderr)

    def test_a_missing_baseline_is_an_error_naming_the_settings_line(self):
        os.remove(os.path.join(self.repo.root, "keysweep-baseline.json"))
        r = keysweep("scan", self.repo.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("keysweep-baseline.json", r.stderr)
        self.assertIn("keysweep.toml line 2", r.stderr)
        staged = keysweep("scan", "--staged", cwd=self.repo.root)
        self.assertEqual(staged.returncode, 2, staged.stderr)

    def test_a_malformed_baseline_names_its_line(self):
        with open(os.path.join(self.repo.root, "keysweep-baseline.json"), "a") as f:
            f.write("<<<<<<< HEAD\n")
        r = keysweep("scan", self.repo.root)
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, r"keysweep-baseline\.json: not a keysweep baseline: invalid JSON at line \d+")

    def test_a_malformed_settings_file_names_its_line(self):
        self.repo.write("keysweep.toml", '[suppress]\nbaseline = "keysweep-baseline.json"\nbasline = "x"\n')
        r = keysweep("scan", self.repo.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("keysweep.toml", r.stderr)
        self.assertIn("unknown key 'suppress.basline' (line 3)", r.stderr)
        self.repo.write("keysweep.toml", "[scan]\nrespect_gitignore = 1\n")
        r = keysweep("scan", self.repo.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("'scan.respect_gitignore' must be true or false (line 2)", r.stderr)


class Hook(unittest.TestCase):
    def setUp(self):
        self.repo = Repo()
        self.repo.write("README.md", "hello\n")
        self.repo.commit("first", "ann", 1)
        self.hook = os.path.join(self.repo.root, ".git", "hooks", "pre-commit")

    def tearDown(self):
        self.repo.cleanup()

    def test_uninstall_restores_the_hook_it_replaced(self):
        os.makedirs(os.path.dirname(self.hook), exist_ok=True)
        with open(self.hook, "w") as f:
            f.write("#!/bin/sh\necho mine\n")
        self.assertEqual(keysweep("hook", "install", "--force", self.repo.root).returncode, 0)
        r = keysweep("hook", "uninstall", self.repo.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("restored the previous one", r.stdout)
        with open(self.hook) as f:
            self.assertEqual(f.read(), "#!/bin/sh\necho mine\n")
        self.assertFalse(os.path.exists(self.hook + ".keysweep-backup"))
        # A hook keysweep did not write is left alone.
        r = keysweep("hook", "uninstall", self.repo.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not written by keysweep", r.stderr)
        self.assertTrue(os.path.exists(self.hook))

    def test_uninstall_without_a_backup_removes_the_hook(self):
        self.assertEqual(keysweep("hook", "install", self.repo.root).returncode, 0)
        r = keysweep("hook", "uninstall", self.repo.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.hook))
        self.assertIn("nothing to remove", keysweep("hook", "uninstall", self.repo.root).stdout)

    def test_a_hook_whose_keysweep_is_gone_fails_closed(self):
        scratch = e2e_util.scratch_dir("adopt-bin")
        try:
            copy = os.path.join(scratch, "keysweep")
            shutil.copy(e2e_util.KEYSWEEP, copy)
            r = e2e_util.subprocess.run([copy, "hook", "install", self.repo.root],
                                        capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            os.remove(copy)
            self.repo.write("notes.txt", "harmless\n")
            self.repo.git("add", "-A")
            # PATH without any keysweep on it.
            refused = self.repo.git("commit", "-m", "x", check=False,
                                    env={"PATH": "/usr/bin:/bin"})
            self.assertNotEqual(refused.returncode, 0)
            self.assertIn("keysweep is not installed any more", refused.stderr)
            self.assertIn(copy, refused.stderr)
            self.assertIn("--no-verify", refused.stderr)
        finally:
            e2e_util.remove_tree(scratch)


class Conventions(unittest.TestCase):
    def test_help_subcommand_prints_the_subcommands_help(self):
        r = keysweep("help", "scan")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, keysweep("scan", "--help").stdout)
        self.assertIn("--staged", r.stdout)
        self.assertIn("create", keysweep("help", "baseline").stdout)
        self.assertEqual(keysweep("help", "baseline", "create").returncode, 0)
        bad = keysweep("help", "scna")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("no subcommand", bad.stderr)
        self.assertIn("hook", keysweep("help").stdout)

    def test_help_lists_exit_codes(self):
        for args in (["--help"], ["scan", "--help"], ["hook", "--help"], ["rules", "--help"]):
            out = keysweep(*args).stdout
            self.assertIn("Exit codes: 0", out, args)
        self.assertIn("1 credentials found", keysweep("scan", "--help").stdout)

    def test_since_or_ref_without_git_is_an_error(self):
        for flag in ("--since", "--ref"):
            r = keysweep("scan", flag, "HEAD", ".")
            self.assertEqual(r.returncode, 2, flag)
            self.assertIn("add --git", r.stderr)

    def test_hook_uninstall_takes_no_force(self):
        r = keysweep("hook", "uninstall", "--force", ".")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--force applies to install only", r.stderr)


class AllowComments(unittest.TestCase):
    def setUp(self):
        self.root = e2e_util.scratch_dir("adopt-allow")

    def tearDown(self):
        e2e_util.remove_tree(self.root)

    def write(self, name, text):
        with open(os.path.join(self.root, name), "w") as f:
            f.write(text)

    def test_gitleaks_and_trufflehog_markers_suppress_with_their_mechanism(self):
        self.write("a.py", f'TOKEN = "{GHP}"  # gitleaks:allow\n')
        self.write("b.py", f'TOKEN = "{GHP2}"  # trufflehog:ignore\n')
        self.write("c.py", f'KEY = "{OLD_KEY}"\n')
        r, doc = scan_json("--include-suppressed", self.root)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(doc["summary"]["suppressed"]["allow-comment"], 2)
        hidden = {os.path.basename(f["location"]["path"]): f["suppressed_by"]
                  for f in doc["findings"] if f.get("suppressed_by")}
        self.assertEqual(hidden["a.py"]["mechanism"], "allow-comment")
        self.assertIn("gitleaks:allow", hidden["a.py"]["justification"])
        self.assertIn("trufflehog:ignore", hidden["b.py"]["justification"])

    def test_an_allow_comment_naming_an_unknown_rule_is_warned_about(self):
        self.write("a.py", f'TOKEN = "{GHP}"  # keysweep:allow github.personal_tokn\n')
        r = keysweep("scan", self.root)
        self.assertEqual(r.returncode, 1)  # it hides nothing
        self.assertIn("warning: ", r.stderr)
        self.assertIn("a.py:1: allow comment names 'github.personal_tokn', which matches no rule",
                      r.stderr)


@unittest.skipUnless(shutil.which("script"), "util-linux script missing")
class ProgressOnATerminal(unittest.TestCase):
    """The live progress line under a pseudo-terminal (util-linux `script`), with warnings
    arriving while it is shown."""

    def setUp(self):
        self.root = e2e_util.scratch_dir("adopt-progress")
        rng = random.Random(15)
        b64 = string.ascii_letters + string.digits + "+/"
        # Slow enough to scan (every line a candidate) that the live line is drawn several times;
        # every fourth input is over --max-file-size, so warnings keep coming while it is shown.
        for i in range(48):
            with open(os.path.join(self.root, f"f{i:03d}.txt"), "w") as f:
                f.writelines("secret_key = " + "".join(rng.choice(b64) for _ in range(40)) + "\n"
                             for _ in range(1500))
            if i % 4 == 3:
                with open(os.path.join(self.root, f"f{i:03d}.big"), "wb") as f:
                    f.write(b"x" * 300_000)

    def tearDown(self):
        e2e_util.remove_tree(self.root)

    def test_warnings_erase_the_live_line_and_the_eta_starts_unknown(self):
        cmd = (f"{shlex.quote(e2e_util.KEYSWEEP)} scan --progress always --max-file-size 200K -j1 "
               f"--format json -o /dev/null {shlex.quote(self.root)}")
        # Bytes: text mode would turn each '\r' into a newline and hide what the terminal gets.
        r = subprocess.run(["script", "-qfec", cmd, "/dev/null"], capture_output=True)
        out = r.stdout.decode("utf-8", "replace").replace("\r\n", "\n")  # the pty's own CRLF
        self.assertIn("\rkeysweep: ", out)  # a live line was drawn
        warnings = [m.start() for m in re.finditer(r"keysweep: warning: ", out)]
        self.assertEqual(len(warnings), 12, out[-2000:])
        erase = re.compile(r"\r {10,}\r$")
        erased = 0
        for at in warnings:
            before = out[:at]
            # Every warning starts a line: first, after a newline, or right after the live line was
            # erased.
            self.assertTrue(not before or before.endswith("\n") or erase.search(before),
                            repr(before[-120:]))
            erased += bool(erase.search(before))
        self.assertGreater(erased, 0, "no warning arrived while the live line was shown")
        self.assertNotRegex(out, r"(ETA [0-9:]+|unknown)keysweep")
        etas = re.findall(r"ETA ([0-9:]+|unknown)", out)
        self.assertEqual(etas[0], "unknown")
        self.assertRegex(out, r"\d+/60 inputs, [0-9.]+ MB/s, \d+ findings, done in \d+:\d\d\r?\n")


class RuleFiles(unittest.TestCase):
    def test_every_missing_field_is_reported_at_once(self):
        scratch = e2e_util.scratch_dir("adopt-rules")
        try:
            path = os.path.join(scratch, "mine.toml")
            with open(path, "w") as f:
                f.write('[[rules]]\nid = "acme.token"\npattern = "acme_[a-z0-9]{32}"\n')
            r = keysweep("rules", "list", "--rules", path)
            self.assertEqual(r.returncode, 2)
            self.assertIn("rule 'acme.token': missing required fields name, provider, "
                          "positive_examples, remediation (the [[rules]] table at line 1)", r.stderr)
        finally:
            e2e_util.remove_tree(scratch)


if __name__ == "__main__":
    e2e_util.main()
