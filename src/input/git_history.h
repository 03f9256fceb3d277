// The git source: every unique blob reachable in a repository's history, once, with the first
// commit that introduced it (libgit2). Also the blobs a staged change or a commit range adds, for
// pre-commit hooks and pull-request gates.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "keysweep/error.h"
#include "keysweep/finding.h"

namespace keysweep {

struct GitScanOptions {
  // What to walk. Exactly one of these modes:
  bool staged = false;     // the index against HEAD (what `git commit` would add)
  std::string range;       // "A..B": the commits reachable from B but not A (a pull request)
  std::string since;       // "REV": like REV..<refs>
  std::vector<std::string> refs;  // refs/globs to start from; empty = every ref (+ HEAD)
  uint64_t max_blob_size = 512ull << 20;
};

// One blob to scan, and where it was first seen.
struct GitBlob {
  std::string oid;  // hex
  uint64_t size = 0;
  GitOrigin origin;
};

struct GitWalkStats {
  uint64_t commits = 0;
  uint64_t blobs = 0;        // unique blobs listed
  uint64_t blob_bytes = 0;   // their total size
  uint64_t skipped_large = 0;
};

// Opens a (possibly bare) repository at or above `path`.
class GitRepository {
 public:
  static Result<std::unique_ptr<GitRepository>> open(const std::string& path);
  ~GitRepository();
  // Lists the unique blobs to scan, in first-seen order (oldest commit first). Blobs over the
  // size limit are counted and reported, not listed.
  Result<std::vector<GitBlob>> list_blobs(const GitScanOptions& options, DiagnosticSink& diagnostics,
                                          GitWalkStats& stats);
  // Reads a blob's content. Thread-safe when each thread uses its own GitRepository.
  Result<std::string> read_blob(const std::string& oid_hex);
  const std::string& path() const { return path_; }

 private:
  GitRepository() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace keysweep
