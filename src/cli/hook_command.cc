// `keysweep hook install [--force] [REPO]`: writes a git pre-commit hook that runs
// `keysweep scan --staged`, so a commit adding a credential is refused before it exists.
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
  cmd.add_option("action", a.action, "install")->required()->check(CLI::IsMember({"install"}));
  cmd.add_option("repo", a.repo, "The repository (default: the one holding the current directory)")
      ->capture_default_str();
  cmd.add_flag("--force", a.force,
               "Replace a pre-commit hook keysweep did not write (it is kept as pre-commit.keysweep-backup)");
}

namespace {

// A hook carrying this line is ours: reinstalling over it needs no --force.
constexpr const char* kMarker = "# keysweep-pre-commit-hook";

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
  std::ostringstream s;
  s << "#!/bin/sh\n"
    << kMarker << "\n"
    << "# Written by `keysweep hook install`. Refuses a commit whose staged changes add a\n"
    << "# credential. Skip it once with `git commit --no-verify`.\n"
    << "KEYSWEEP=" << shell_quote(self_path()) << "\n"
    << "[ -x \"$KEYSWEEP\" ] || KEYSWEEP=keysweep\n"
    << "\"$KEYSWEEP\" scan --staged --color never .\n"
    << "status=$?\n"
    << "if [ $status -eq 1 ]; then\n"
    << "  echo 'keysweep: commit refused: the staged changes add a credential (above).' >&2\n"
    << "  echo 'Remove it from the index (git restore --staged FILE), or commit with --no-verify' >&2\n"
    << "  echo 'if it is not a credential.' >&2\n"
    << "fi\n"
    << "exit $status\n";
  return s.str();
}

Error io_error(std::string message, const std::string& path) {
  return Error{ErrorCode::kIo, std::move(message), path, std::nullopt};
}

}  // namespace

int run_hook(const HookArgs& a) {
  auto repo = GitRepository::open(a.repo);
  if (!repo) return fail(repo.error());
  fs::path dir = (*repo)->hooks_dir();
  fs::path hook = dir / "pre-commit";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(io_error("cannot create the hooks directory: " + ec.message(), dir.string()));

  if (fs::exists(fs::symlink_status(hook, ec))) {
    std::ifstream in(hook, std::ios::binary);
    std::stringstream existing;
    existing << in.rdbuf();
    bool ours = existing.str().find(kMarker) != std::string::npos;
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
