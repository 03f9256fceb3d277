// What a run did, as a whole: the summary line and the machine formats' run metadata.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/diagnostics.h"

namespace keysweep {

struct ScanSummary {
  uint64_t files_scanned = 0;  // files on disk read (top-level inputs)
  // Inputs that could not be read at all: missing, a symlink loop, unreadable, not a regular file
  // (not those over --max-file-size: skipped by choice). Each has its diagnostic; the scan of the
  // others goes on.
  uint64_t inputs_unread = 0;
  // Inputs whose bytes were not all scanned, each with the diagnostic that says why: those above
  // (inputs_unread), those over --max-file-size, and those that changed while they were read.
  // Every output format lists them (sorted by path), and a datastore keeps each with its reason.
  std::vector<Diagnostic> not_fully_read;
  uint64_t blobs_scanned = 0;  // including entries inside containers
  uint64_t bytes_scanned = 0;  // bytes given to the matcher
  uint64_t findings = 0;       // reported (after suppression)
  uint64_t symlinks_skipped = 0;
  uint64_t git_dirs_skipped = 0;  // `.git` directories not walked (--include-git-dir walks them)
  uint64_t gitignored = 0;        // paths skipped by --respect-gitignore
  // `scan --git`: blobs are git objects, not files; the commits walked (0 for --staged).
  bool git = false;
  uint64_t git_commits = 0;
  // Blobs in the repository's packs that no walked ref reaches (unreachable or only in the
  // reflog): not scanned, as git log would not show them.
  uint64_t git_unreachable_blobs = 0;
  double seconds = 0.0;
  // Diagnostics by kind ("unreadable", "too-large", ...), so the summary can count each.
  std::map<std::string, uint64_t> diagnostics_by_kind;
  std::vector<Diagnostic> diagnostics;
  // Findings hidden by each mechanism ("baseline", "allow-comment", ...): suppression stays visible.
  std::map<std::string, uint64_t> suppressed;
  bool had_errors() const;
  // The run failed as a whole: some input could not be read and none could (`also_read`: inputs
  // read but counted elsewhere, such as those a datastore already holds). Exit 2.
  bool nothing_read(uint64_t also_read = 0) const {
    return inputs_unread > 0 && files_scanned == 0 && also_read == 0;
  }
  // Adds what another worker read (files, blobs, bytes, inputs not fully read) to this summary.
  void add_read_counts(const ScanSummary& other) {
    files_scanned += other.files_scanned;
    inputs_unread += other.inputs_unread;
    not_fully_read.insert(not_fully_read.end(), other.not_fully_read.begin(), other.not_fully_read.end());
    blobs_scanned += other.blobs_scanned;
    bytes_scanned += other.bytes_scanned;
  }
};

}  // namespace keysweep
