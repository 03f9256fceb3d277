#!/usr/bin/env python3
"""Installing keysweep as a user or a CI job does, and using the installed copy:
- the Debian package CPack builds (what `make package` runs last, here from the test build tree):
  its Depends come from dpkg-shlibdeps, apt-get resolves them on this machine (--simulate), and
  the package unpacked into a scratch root runs from PATH: --version, the demo scan, `hook
  install` in a fresh repository;
- `cmake --install --prefix` (what `make install PREFIX=...` runs), DESTDIR included;
- this repository's .pre-commit-hooks.yaml under the real pre-commit framework, `--all-files`;
- docs/CI.md's GitHub Actions and GitLab CI snippets: their install steps are the ones mirrored
  here, and their scan commands run verbatim (CI variables filled in) in a fresh clone.
Run: /usr/bin/python3 tests/e2e/install_test.py --keysweep build/dev/src/cli/keysweep --build-dir build/dev
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import unittest

import yaml

import e2e_util
from fake_credentials import Fakes  # on sys.path through e2e_util
from git_test import Repo

FAKE = Fakes("e2e-install")
KEY = FAKE.aws_access_key_id()
BUILD_DIR = None
VERSION = "0.1.0"


def sh(cmd, cwd=None, env=None, check=True):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                       env={**os.environ, **(env or {})}, shell=isinstance(cmd, str),
                       executable="/bin/bash" if isinstance(cmd, str) else None)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def build_package(out):
    """The .deb of the test build tree, made by the same cpack call `make package` ends with."""
    sh(["cpack", "-G", "DEB", "-B", out, "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake")])
    debs = glob.glob(os.path.join(out, "keysweep_*.deb"))
    assert len(debs) == 1, debs
    return debs[0]


def refuses_a_key_in_a_fresh_repository(test, keysweep, env):
    """`hook install` by this keysweep, then a commit adding a key is refused and a clean one is
    not."""
    repo = Repo()
    try:
        r = sh([keysweep, "hook", "install", repo.root], env=env, check=False)
        test.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(repo.root, ".git", "hooks", "pre-commit")) as f:
            test.assertIn(keysweep, f.read())
        repo.write("deploy/.env", f"AWS_ACCESS_KEY_ID={KEY}\n")
        repo.git("add", "-A")
        refused = repo.git("commit", "-m", "key", check=False, env=env)
        test.assertNotEqual(refused.returncode, 0)
        test.assertIn("deploy/.env", refused.stdout + refused.stderr)
        repo.git("rm", "-q", "--cached", "deploy/.env")
        repo.write("README.md", "hello\n")
        repo.git("add", "README.md")
        ok = repo.git("commit", "-m", "readme", check=False, env=env)
        test.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
    finally:
        repo.cleanup()


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = e2e_util.scratch_dir("install")
        cls.deb = build_package(os.path.join(cls.scratch, "pkg"))
        cls.root = os.path.join(cls.scratch, "root")
        sh(["dpkg-deb", "-x", cls.deb, cls.root])
        cls.bin = os.path.join(cls.root, "usr", "bin")
        # Only the unpacked package's keysweep is on PATH.
        cls.env = {"PATH": cls.bin + ":/usr/bin:/bin"}

    @classmethod
    def tearDownClass(cls):
        e2e_util.remove_tree(cls.scratch)

    def keysweep(self, *args, cwd=None):
        return sh(["keysweep", *args], cwd=cwd, env=self.env, check=False)

    def test_package_name_and_dependencies_come_from_the_binary(self):
        self.assertEqual(os.path.basename(self.deb), f"keysweep_{VERSION}_amd64.deb")
        fields = {f: sh(["dpkg-deb", "-f", self.deb, f]).stdout.strip()
                  for f in ("Package", "Version", "Depends", "Recommends")}
        self.assertEqual(fields["Package"], "keysweep")
        self.assertEqual(fields["Version"], VERSION)
        # dpkg-shlibdeps names the libraries the binary links, with versions.
        for lib in ("libgit2-", "libre2-", "libvectorscan5", "libc6 (>="):
            self.assertIn(lib, fields["Depends"])
        self.assertIn("git", fields["Recommends"])

    def test_apt_can_install_it_here(self):
        r = sh(["apt-get", "install", "--simulate", "--no-install-recommends", self.deb], check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"(Inst keysweep|keysweep is already the newest)")

    def test_version_and_demo_scan_from_path(self):
        r = self.keysweep("--version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(VERSION, r.stdout)
        self.assertEqual(shutil.which("keysweep", path=self.env["PATH"]), os.path.join(self.bin, "keysweep"))
        demo = os.path.join(self.root, "usr", "share", "keysweep", "examples")
        r = self.keysweep("scan", demo)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stdout, r"\d+ findings in \d+ files")
        self.assertTrue(os.path.exists(os.path.join(self.root, "usr", "share", "doc", "keysweep", "CI.md")))

    def test_hook_install_in_a_fresh_repository(self):
        refuses_a_key_in_a_fresh_repository(self, os.path.join(self.bin, "keysweep"), self.env)


@unittest.skipUnless(os.environ.get("CI") == "true" and os.geteuid() == 0,
                     "installs into the system: CI only (CI=true, as root)")
class AptInstall(unittest.TestCase):
    """What docs/CI.md's install step does, for real: apt-get install ./keysweep_*.deb on the
    CI machine, keysweep used from PATH, then removed again."""

    def test_apt_get_install_and_use_from_path(self):
        if sh(["dpkg-query", "-W", "keysweep"], check=False).returncode == 0:
            self.skipTest("a keysweep package is installed already; not replacing it")
        scratch = e2e_util.scratch_dir("install-apt")
        try:
            deb = build_package(os.path.join(scratch, "pkg"))
            sh(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                "./" + os.path.basename(deb)], cwd=os.path.dirname(deb),
               env={"DEBIAN_FRONTEND": "noninteractive"})
            try:
                self.assertEqual(shutil.which("keysweep", path="/usr/bin:/bin"), "/usr/bin/keysweep")
                self.assertIn(VERSION, sh(["/usr/bin/keysweep", "--version"]).stdout)
                demo = sh(["keysweep", "scan", "/usr/share/keysweep/examples"],
                          env={"PATH": "/usr/bin:/bin"}, check=False)
                self.assertEqual(demo.returncode, 1, demo.stderr)
                refuses_a_key_in_a_fresh_repository(self, "/usr/bin/keysweep", {"PATH": "/usr/bin:/bin"})
            finally:
                sh(["dpkg", "--purge", "keysweep"])
        finally:
            e2e_util.remove_tree(scratch)


class CmakeInstall(unittest.TestCase):
    def test_prefix_and_destdir(self):
        scratch = e2e_util.scratch_dir("install-prefix")
        try:
            prefix = os.path.join(scratch, "prefix")
            sh(["cmake", "--install", BUILD_DIR, "--prefix", prefix, "--strip"])
            r = sh([os.path.join(prefix, "bin", "keysweep"), "--version"])
            self.assertIn(VERSION, r.stdout)
            self.assertTrue(os.path.isdir(os.path.join(prefix, "share", "keysweep", "examples")))
            # DESTDIR stages under a root, as packagers do.
            stage = os.path.join(scratch, "stage")
            sh(["cmake", "--install", BUILD_DIR, "--prefix", "/usr/local"], env={"DESTDIR": stage})
            self.assertTrue(os.access(os.path.join(stage, "usr", "local", "bin", "keysweep"), os.X_OK))
        finally:
            e2e_util.remove_tree(scratch)


def keysweep_on_path():
    return {"PATH": os.path.dirname(e2e_util.KEYSWEEP) + ":/usr/bin:/bin"}


@unittest.skipUnless(shutil.which("pre-commit"), "pre-commit missing (scripts/install-deps installs it)")
class PreCommitFramework(unittest.TestCase):
    def setUp(self):
        self.scratch = e2e_util.scratch_dir("install-precommit")
        for d in ("hooks", "project"):
            os.makedirs(os.path.join(self.scratch, d))
        # This repository's hook definitions, as a hook repository pre-commit can clone.
        self.hooks = Repo(os.path.join(self.scratch, "hooks"))
        shutil.copy(os.path.join(e2e_util.ROOT, ".pre-commit-hooks.yaml"), self.hooks.root)
        self.hooks.commit("hooks", "ann", 1)
        rev = self.hooks.git("rev-parse", "HEAD").stdout.strip()
        self.repo = Repo(os.path.join(self.scratch, "project"))
        self.repo.write(".pre-commit-config.yaml",
                        f"repos:\n  - repo: {self.hooks.root}\n    rev: {rev}\n"
                        "    hooks:\n      - id: keysweep\n")
        self.repo.write("README.md", "hello\n")
        self.repo.write("deploy/old.env", f"AWS_ACCESS_KEY_ID={KEY}\n")
        self.repo.commit("project", "ann", 2)
        self.env = {**keysweep_on_path(), "PRE_COMMIT_HOME": os.path.join(self.scratch, "cache")}

    def tearDown(self):
        e2e_util.remove_tree(self.scratch)

    def run_pre_commit(self, *args):
        return sh(["pre-commit", "run", *args], cwd=self.repo.root, env=self.env, check=False)

    def test_all_files_scans_the_files_pre_commit_passes(self):
        r = self.run_pre_commit("--all-files")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("deploy/old.env", r.stdout)
        self.assertIn("aws.access_key_id", r.stdout)
        # Without the key, the same run passes: it was the file's content that failed it.
        self.repo.git("rm", "-q", "deploy/old.env")
        r = self.run_pre_commit("--all-files")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Passed", r.stdout)


class CiSnippets(unittest.TestCase):
    """docs/CI.md's snippets, run here as the CI runner would run them."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(e2e_util.ROOT, "docs", "CI.md")) as f:
            blocks = re.findall(r"```yaml\n(.*?)```", f.read(), re.S)
        docs = [yaml.safe_load(b) for b in blocks]
        cls.github = next(d for d in docs if isinstance(d, dict) and "jobs" in d)
        cls.gitlab = next(d for d in docs if isinstance(d, dict) and "keysweep" in d)["keysweep"]

    def setUp(self):
        self.scratch = e2e_util.scratch_dir("install-ci")
        os.makedirs(os.path.join(self.scratch, "upstream"))
        upstream = Repo(os.path.join(self.scratch, "upstream"))
        upstream.write("README.md", "hello\n")
        upstream.commit("first", "ann", 1)
        upstream.git("checkout", "-q", "-b", "feature")
        upstream.write("deploy/.env", f"AWS_ACCESS_KEY_ID={KEY}\n")
        upstream.commit("add a key", "bob", 2)
        upstream.git("checkout", "-q", "main")
        self.work = os.path.join(self.scratch, "checkout")
        sh(["git", "clone", "-q", "--branch", "feature", upstream.root, self.work])

    def tearDown(self):
        e2e_util.remove_tree(self.scratch)

    def run_script(self, script, env):
        return sh(script, cwd=self.work, env={**keysweep_on_path(), "HOME": self.scratch, **env},
                  check=False)

    def sarif_results(self):
        with open(os.path.join(self.work, "keysweep.sarif")) as f:
            return json.load(f)["runs"][0]["results"]

    def assert_install_steps(self, commands):
        # The steps this file mirrors: build the package from source, install it with apt-get.
        text = "\n".join(commands)
        self.assertIn("make -C /opt/keysweep-src package", text)
        self.assertIn("apt-get install -y /opt/keysweep-src/build/keysweep_*.deb", text)

    def test_github_actions(self):
        job = self.github["jobs"]["secrets"]
        self.assertEqual(job["container"], "debian:bookworm")
        steps = {s.get("name", s.get("uses")): s for s in job["steps"]}
        self.assert_install_steps(steps["Install keysweep"]["run"].splitlines())
        scan = steps["Scan"]["run"]
        for event, findings in (("pull_request", 1), ("push", 1)):
            script = scan.replace("${{ github.event_name }}", event).replace("${{ github.base_ref }}", "main")
            r = self.run_script(script, {})
            self.assertEqual(r.returncode, 1, f"{event}: {r.stdout} {r.stderr}")
            self.assertEqual(len(self.sarif_results()), findings, event)

    def test_gitlab_ci(self):
        self.assertEqual(self.gitlab["image"], "debian:bookworm")
        self.assert_install_steps(self.gitlab["before_script"])
        script = "\n".join(self.gitlab["script"])
        for target in ("main", ""):
            r = self.run_script(script, {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": target})
            self.assertEqual(r.returncode, 1, f"{target!r}: {r.stdout} {r.stderr}")
            self.assertEqual(len(self.sarif_results()), 1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    options, rest = e2e_util.parse_args(parser)
    BUILD_DIR = os.path.abspath(options.build_dir)
    e2e_util.run_tests(rest)
