// `keysweep hook install [--force] [REPO]`: writes a git pre-commit hook that runs
// `keysweep scan --staged`, so a commit adding a credential is refused before it exists.
// `keysweep hook uninstall [REPO]` removes it and puts back the hook it replaced, if any.
// The hook takes no settings of its own: the baseline, ignore files and disabled rules come from
// the repository's keysweep.toml, so the hook and a `keysweep scan` by hand agree.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>

#include "cli/commands.h"
#include "cli/options.h"
#include "input/git_history.h"

namespace keysweep::cli {

namespace fs = std::filesystem;

void add_hook_options(CLI::App& cmd, HookArgs& a) {
  cmd.add_option("action", a.action, "install or uninstall")
      ->required()
      ->check(CLI::IsMember({"install", "uninstall"}));
  cmd.add_option("repo", a.repo, "The repository (default: the one holding the current directory)")
      ->capture_default_str();
  cmd.add_flag("--force", a.force,
               "Replace a pre-commit hook keysweep did not write (it is kept as pre-commit.keysweep-backup)");
}

namespace {

// A hook carrying this line is ours: reinstalling over it needs no --force.
constexpr const char* kMarker = "# keysweep-pre-commit-hook";

// What the hook prints when it refuses a commit: the three ways out, the right one first.
constexpr const char* kRefusal =
    "keysweep: commit refused: the staged changes add a credential (above). Ways out:\n"
    "  1. It is real: take it out (edit the file, git add it; or git restore --staged FILE) and\n"
    "     rotate it at its provider: it may already be copied elsewhere.\n"
    "  2. It is not a credential (a test value, a documented example): put\n"
    "     `keysweep:allow RULE_ID` in a comment on its line (the rule id is shown above).\n"
    "  3. It is known and accepted: record it with `keysweep baseline create .`, commit\n"
    "     keysweep-baseline.json and name it in keysweep.toml:  [suppress] baseline = \"keysweep-baseline.json\"\n";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The binary that is running, so the hook runs the same keysweep; PATH is the fallback when that
// file goes away (a rebuilt tree, an upgrade to another prefix).
std::string self_path() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

std::string hook_text() {
  const std::string self = self_path();
  std::ostringstream s;
  s << "#!/bin/sh\n"
    << kMarker << "\n"
    << "# Written by `keysweep hook install`. Refuses a commit whose staged changes add a\n"
    << "# credential. Settings (baseline, ignore files, rules) come from keysweep.toml.\n"
    << "# Remove it with `keysweep hook uninstall`.\n"
    << "KEYSWEEP_INSTALLED=" << shell_quote(self) << "\n"
    << "KEYSWEEP=$KEYSWEEP_INSTALLED\n"
    << "[ -x \"$KEYSWEEP\" ] || KEYSWEEP=$(command -v keysweep) || KEYSWEEP=\n"
    // Fail closed: a hook that passes when its scanner is gone protects nothing, silently.
    << "if [ -z \"$KEYSWEEP\" ]; then\n"
    << "  echo \"keysweep: pre-commit hook: keysweep is not installed any more (was $KEYSWEEP_INSTALLED)"
    << " and is not on PATH;\" >&2\n"
    << "  echo 'the commit is refused rather than left unchecked. Reinstall keysweep, or remove this' >&2\n"
    << "  echo 'hook (rm \"$(git rev-parse --git-path hooks/pre-commit)\"), or skip it once with git commit --no-verify.' >&2\n"
    << "  exit 2\n"
    << "fi\n"
    << "\"$KEYSWEEP\" scan --staged --color never .\n"
    << "status=$?\n"
    << "if [ $status -eq 1 ]; then\n"
    << "  cat >&2 <<'KEYSWEEP_EOF'\n"
    << kRefusal
    << "KEYSWEEP_EOF\n"
    << "fi\n"
    << "exit $status\n";
  return s.str();
}

Error io_error(std::string message, const std::string& path) {
  return Error{ErrorCode::kIo, std::move(message), path, std::nullopt};
}

bool is_ours(const fs::path& hook) {
  std::ifstream in(hook, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find(kMarker) != std::string::npos;
}

// Removes our hook and renames the backup `install --force` kept back to pre-commit. A hook
// keysweep did not write is left alone.
int uninstall(const fs::path& dir) {
  fs::path hook = dir / "pre-commit";
  fs::path backup = dir / "pre-commit.keysweep-backup";
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(hook, ec))) {
    std::cout << "keysweep: no pre-commit hook at " << hook.string() << "; nothing to remove\n";
    return kExitClean;
  }
  if (!is_ours(hook))
    return fail(io_error("this pre-commit hook was not written by keysweep; left alone", hook.string()));
  fs::remove(hook, ec);
  if (ec) return fail(io_error("cannot remove the hook: " + ec.message(), hook.string()));
  if (fs::exists(fs::symlink_status(backup, ec))) {
    fs::rename(backup, hook, ec);
    if (ec) return fail(io_error("cannot restore the previous hook: " + ec.message(), backup.string()));
    std::cout << "keysweep: removed the pre-commit hook and restored the previous one at "
              << hook.string() << "\n";
    return kExitClean;
  }
  std::cout << "keysweep: removed the pre-commit hook at " << hook.string() << "\n";
  return kExitClean;
}

}  // namespace

int run_hook(const HookArgs& a) {
  auto repo = GitRepository::open(a.repo);
  if (!repo) return fail(repo.error());
  fs::path dir = (*repo)->hooks_dir();
  if (a.action == "uninstall") {
    if (a.force) return fail(Error{ErrorCode::kConfig, "--force applies to install only", "", std::nullopt});
    return uninstall(dir);
  }
  fs::path hook = dir / "pre-commit";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(io_error("cannot create the hooks directory: " + ec.message(), dir.string()));

  if (fs::exists(fs::symlink_status(hook, ec))) {
    bool ours = is_ours(hook);
    if (!ours && !a.force)
      return fail(io_error("a pre-commit hook keysweep did not write is already there; pass --force "
                           "to replace it (it is kept as pre-commit.keysweep-backup)",
                           hook.string()));
    if (!ours) {
      fs::path backup = dir / "pre-commit.keysweep-backup";
      fs::rename(hook, backup, ec);
      if (ec) return fail(io_error("cannot keep the old hook: " + ec.message(), backup.string()));
      std::cerr << "keysweep: the previous hook is kept as " << backup.string() << "\n";
    }
  }
  fs::path tmp = dir / "pre-commit.keysweep-tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << hook_text();
    out.close();
    if (!out) return fail(io_error("cannot write the hook", tmp.string()));
  }
  if (::chmod(tmp.c_str(), 0755) != 0) return fail(io_error("cannot make the hook executable", tmp.string()));
  fs::rename(tmp, hook, ec);
  if (ec) return fail(io_error("cannot install the hook: " + ec.message(), hook.string()));
  std::cout << "keysweep: installed the pre-commit hook at " << hook.string() << "\n";
  return kExitClean;
}

}  // namespace keysweep::cli
