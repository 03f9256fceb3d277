// `keysweep scan --git / --staged / --diff A..B / --since REV / --ref R`: the flags, checked, turned
// into a history walk (pipeline/git_scan.h), and what the reports say about the repository.

#include <cstdlib>
#include <string_view>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/percent_encode.h"
#include "pipeline/git_scan.h"
#include "report/reporter.h"

namespace keysweep::cli {

namespace {

Error config_error(std::string message) {
  return Error{ErrorCode::kConfig, std::move(message), "", std::nullopt};
}

std::string repo_path(const ScanArgs& a) { return a.paths.empty() ? "." : a.paths.front(); }

// SARIF wants a URI: "git@host:org/repo.git" (scp syntax) becomes ssh://git@host/org/repo.git, a
// local directory a file:// URI with its unsafe bytes percent-encoded.
std::string repository_uri(const GitRepositoryInfo& info) {
  const std::string& url = info.origin_url;
  if (url.find("://") != std::string::npos) return url;
  auto colon = url.find(':');
  if (!url.empty() && url.front() != '/' && colon != std::string::npos &&
      url.find('/') > colon)
    return "ssh://" + url.substr(0, colon) + "/" + url.substr(colon + 1);
  std::string path = !url.empty() ? url : info.workdir.empty() ? info.gitdir : info.workdir;
  return "file://" + percent_encode(path, true);
}

}  // namespace

Result<void> prepare_git_scan(const ScanArgs& a, ReportOptions& report) {
  if (a.paths.size() > 1) return std::unexpected(config_error("--git scans one repository, not " +
                                                              std::to_string(a.paths.size()) + " paths"));
  if (a.staged && (!a.diff.empty() || !a.since.empty() || !a.refs.empty()))
    return std::unexpected(config_error("--staged scans the index; it takes no --diff, --since or --ref"));
  // --since and --ref narrow a history walk; alone they would silently start one.
  if (!a.git && a.diff.empty() && (!a.since.empty() || !a.refs.empty()))
    return std::unexpected(config_error("--since and --ref narrow a history scan; add --git"));
  if (a.include_git_dir || a.respect_gitignore)
    return std::unexpected(config_error(
        "--include-git-dir and --respect-gitignore choose the files of a directory walk; a git "
        "scan reads commits (drop them, or drop the git flags)"));
  if (!a.diff.empty() && (!a.since.empty() || !a.refs.empty()))
    return std::unexpected(config_error("--diff A..B names its commits; it takes no --since or --ref"));
  if (!a.diff.empty() && a.diff.find("..") == std::string::npos)
    return std::unexpected(config_error("--diff wants a range A..B, got '" + a.diff + "'"));
  auto repo = GitRepository::open(repo_path(a));
  if (!repo) return std::unexpected(repo.error());
  GitRepositoryInfo info = (*repo)->info();
  report.git = true;
  report.git_repository_uri = repository_uri(info);
  report.git_revision = info.head;
  report.git_branch = info.branch;
  return {};
}

Result<ScanOutcome> run_git_scan(const ScanArgs& a, const ScanPipeline& pipeline,
                                 DiagnosticSink& diagnostics) {
  GitScanOptions options;
  options.staged = a.staged;
  options.range = a.diff;
  options.since = a.since;
  options.refs = a.refs;
  // A git blob is inflated whole into memory (it is not read in windows like a file), so history
  // keeps a bound when --max-file-size gives none.
  constexpr uint64_t kDefaultMaxBlobSize = 512ull << 20;
  const uint64_t max_file_size = pipeline.config().limits.max_file_size;
  options.max_blob_size = max_file_size == kNoSizeLimit ? kDefaultMaxBlobSize : max_file_size;
  // --memory-budget bounds the walk's list of blobs too: past it, its records go to a file.
  options.list_memory = pipeline.memory_budget().total();
  // KEYSWEEP_GIT_READER=libgit2: every object through libgit2, as before the pack reader (for
  // comparing the two, and as a way out should a pack defeat the reader).
  const char* reader = std::getenv("KEYSWEEP_GIT_READER");
  options.read_packs = !(reader && std::string_view(reader) == "libgit2");
  auto r = scan_git(pipeline, repo_path(a), options, diagnostics);
  if (!r) return std::unexpected(r.error());
  return std::move(r->scan);
}

}  // namespace keysweep::cli
