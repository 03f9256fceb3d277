// Scanning git history: one thread walks the commits and lists each unique blob once (with the
// commit that introduced it); workers, each with its own libgit2 repository handle, read and scan
// the blobs. A credential is reported once per path, at the first commit that brought it there.
#pragma once

#include <string>

#include "input/git_history.h"
#include "pipeline/scan_pipeline.h"

namespace keysweep {

struct GitScanOutcome {
  ScanOutcome scan;  // findings carry Location::git; chain = {repo-relative path}
  GitWalkStats walk;
  GitRepositoryInfo repository;
};

Result<GitScanOutcome> scan_git(const ScanPipeline& pipeline, const std::string& repo_path,
                                const GitScanOptions& options, DiagnosticSink& diagnostics);

}  // namespace keysweep
