"""Where the Vectorscan database comes from.

ColdStart (issue 16): the built-in rules' database is compiled into the binary, so a scan with no
cache (disabled, or an empty directory) finds a known fake credential without compiling and
without writing a cache; a --rules file still works, by compiling. The signal is KEYSWEEP_DEBUG's
one line naming the database's source, never a timing.

TamperedCache (issue 17): the cache is checked, not trusted. A tampered cache file (bytes flipped,
a database of other rules renamed into place, writable by others, owned by someone else, a
symlink) is never used; the scan still finds a known fake credential and says on stderr, in one
line, why the file was not used. These scans add a --rules file, so the rule set is not the
built-in one and the cache is what they read.
"""
import os
import shutil
import stat
import unittest

import e2e_util
from e2e_util import run
from fake_credentials import Fakes  # on sys.path through e2e_util

FAKE = Fakes("e2e-cache")
AKID = FAKE.aws_access_key_id()
ACME = "acme_" + FAKE.chars("0123456789abcdef", 32)

ACME_RULE = """[[rules]]
id = "acme.token"
name = "ACME Token"
provider = "acme"
pattern = '''\\b(acme_[0-9a-f]{32})\\b'''
positive_examples = ["acme_0123456789abcdef0123456789abcdef"]
remediation = "Revoke it in the ACME console."
"""
# Another rule set: its database knows nothing of acme_ tokens.
OTHER_RULE = ACME_RULE.replace("acme", "zeta").replace("ACME", "ZETA")


class Fixture(unittest.TestCase):
    def setUp(self):
        self.root = e2e_util.scratch_dir("cache")
        self.cache = os.path.join(self.root, "cache", "keysweep")  # keysweep creates both levels
        self.rules = os.path.join(self.root, "acme.toml")
        self.other_rules = os.path.join(self.root, "zeta.toml")
        with open(self.rules, "w") as f:
            f.write(ACME_RULE)
        with open(self.other_rules, "w") as f:
            f.write(OTHER_RULE)
        self.target = os.path.join(self.root, "src")
        os.makedirs(self.target)
        with open(os.path.join(self.target, "config.env"), "w") as f:
            f.write(f"AWS_ACCESS_KEY_ID={AKID}\nACME_TOKEN={ACME}\n")

    def tearDown(self):
        e2e_util.remove_tree(self.root)


BUILT_IN = "keysweep: debug: Vectorscan database of {} rules: built in (tune 0, cpu features 0x0)"


class ColdStart(Fixture):
    def scan(self, *extra, cache=""):
        return run("scan", "--format", "jsonl", *extra, self.target,
                   env={"KEYSWEEP_CACHE_DIR": cache, "KEYSWEEP_DEBUG": "1"})

    def rule_count(self):
        return run("rules", "list").stdout.strip().splitlines()[-1].split()[0]

    def test_the_cache_disabled_uses_the_database_in_the_binary(self):
        r = self.scan()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('"rule_id":"aws.access_key_id"', r.stdout.replace(" ", ""))
        self.assertEqual(r.stderr.splitlines(), [BUILT_IN.format(self.rule_count())])

    def test_an_empty_cache_dir_is_neither_needed_nor_written(self):
        os.makedirs(self.cache)
        r = self.scan(cache=self.cache)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('"rule_id":"aws.access_key_id"', r.stdout.replace(" ", ""))
        self.assertEqual(r.stderr.splitlines(), [BUILT_IN.format(self.rule_count())])
        self.assertEqual(os.listdir(self.cache), [])

    def test_extra_rules_are_compiled(self):
        r = self.scan("--rules", self.rules)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('"rule_id":"acme.token"', r.stdout.replace(" ", ""))
        self.assertIn('"rule_id":"aws.access_key_id"', r.stdout.replace(" ", ""))
        self.assertRegex(r.stderr, r"^keysweep: debug: Vectorscan database of \d+ rules: compiled \(")
        self.assertNotIn("built in", r.stderr)


class TamperedCache(Fixture):
    def scan(self, rules=None):
        return run("scan", "--format", "jsonl", "--rules", rules or self.rules, self.target,
                   env={"KEYSWEEP_CACHE_DIR": self.cache})

    def cached_files(self):
        return [os.path.join(self.cache, n) for n in os.listdir(self.cache) if n.endswith(".bin")]

    def warm(self):
        r = self.scan()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stderr, "")
        files = self.cached_files()
        self.assertEqual(len(files), 1, files)
        return files[0]

    def assert_found_with(self, r, message):
        """The scan found both fake credentials and printed `message` in one stderr line."""
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(AKID[:4], r.stdout)
        self.assertIn('"rule_id":"aws.access_key_id"', r.stdout.replace(" ", ""))
        self.assertIn('"rule_id":"acme.token"', r.stdout.replace(" ", ""))
        lines = [line for line in r.stderr.splitlines() if message in line]
        self.assertEqual(len(lines), 1, r.stderr)
        return lines[0]

    def test_a_warm_cache_is_used_silently_and_private(self):
        path = self.warm()
        self.assertEqual(stat.S_IMODE(os.stat(self.cache).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.cache)).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        r = self.scan()
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "")

    def test_flipped_bytes(self):
        path = self.warm()
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            data[len(data) // 2] ^= 0x01
            f.seek(0)
            f.write(data)
        line = self.assert_found_with(self.scan(), "fails its SHA-256 integrity check")
        self.assertTrue(line.startswith(f"keysweep: note: {path}: "), line)
        self.assertEqual(self.scan().stderr, "", "the recompiled database replaced it")

    def test_a_database_of_other_rules_renamed_into_place(self):
        path = self.warm()
        os.unlink(path)
        r = self.scan(self.other_rules)
        self.assertEqual(r.returncode, 1, r.stderr)  # the AWS key
        (other,) = self.cached_files()
        os.rename(other, path)
        self.assert_found_with(self.scan(), "was built for other rules")

    def test_a_cache_file_others_can_write_is_ignored(self):
        path = self.warm()
        os.chmod(path, 0o666)
        line = self.assert_found_with(self.scan(), "writable by group or others (mode 0666)")
        self.assertTrue(line.startswith(f"keysweep: warning: {path}: ignoring"), line)

    def test_a_symlink_is_not_followed(self):
        path = self.warm()
        elsewhere = os.path.join(self.root, "elsewhere.bin")
        shutil.move(path, elsewhere)
        os.symlink(elsewhere, path)
        self.assert_found_with(self.scan(), "it is a symbolic link")

    @unittest.skipUnless(os.geteuid() == 0, "changing a file's owner needs root")
    def test_a_cache_file_of_another_user_is_ignored(self):
        path = self.warm()
        os.chown(path, 65534, 65534)
        self.assert_found_with(self.scan(), "owned by uid 65534")

    def test_an_empty_cache_dir_setting_disables_the_cache(self):
        r = run("scan", "--format", "jsonl", "--rules", self.rules, self.target,
                env={"KEYSWEEP_CACHE_DIR": ""})
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertFalse(os.path.exists(self.cache))


if __name__ == "__main__":
    e2e_util.main()
