// The blobs a history walk lists for scanning, in walk order, kept compact: a GitOrigin per blob
// (three std::strings: the commit's hex, its author, the path; ~300 bytes with their heap blocks,
// twice that while the vector grew) was most of the walk's memory on a million-blob history.
// Here a blob is 16 bytes (its number in the seen-blob index, its commit, its path's directory and
// file name) and each commit, author, directory and file name is stored once; the GitOrigin is
// built again only when a blob is scanned or a message names it. Directory and name apart, not
// the whole path: on the million-blob history the 524,288 distinct paths, interned whole, were
// ~25 MB with their offsets and hash slots (issue 16), the 4,161 directories and 128 names next
// to nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "input/chunked_vector.h"
#include "input/git_history.h"
#include "input/object_id_index.h"

namespace keysweep {

// Distinct strings numbered in the order first added, each stored once in one buffer.
class StringInterner {
 public:
  uint32_t intern(std::string_view s);
  std::string_view get(uint32_t n) const {
    return std::string_view(data_).substr(starts_[n], starts_[n + 1] - starts_[n]);
  }
  size_t size() const { return starts_.size() - 1; }
  size_t bytes() const { return data_.capacity() + starts_.capacity() * 8 + slots_.capacity() * 4; }

 private:
  size_t find_slot(std::string_view s, uint64_t hash) const;
  void grow();
  std::string data_;
  std::vector<uint64_t> starts_{0};  // string n is data_[starts_[n], starts_[n + 1])
  std::vector<uint32_t> slots_;      // open addressing over string numbers
};

class GitBlobList {
 public:
  static constexpr uint32_t kStaged = 0xffffffffu;  // the commit of a blob from the index

  // Every blob the walk has seen (listed or only marked), numbered; the list refers to them by
  // their numbers.
  ObjectSeenSet& seen() { return seen_; }
  uint32_t add_commit(const GitObjectId& id, std::string_view author, int64_t time);
  void add(uint32_t blob, uint32_t commit, std::string_view path) {
    const size_t slash = path.rfind('/') + 1;  // 0 when there is none
    blobs_.push_back(
        {blob, commit, paths_.intern(path.substr(0, slash)), paths_.intern(path.substr(slash))});
  }

  // Keeps at most `bytes` of listed records in memory, the older ones in a temporary file
  // (ChunkedVector::spill_past); 0: no limit.
  void spill_past(uint64_t bytes) { blobs_.spill_past(bytes); }
  size_t spilled_bytes() const { return blobs_.spilled_chunks() * kListedChunkBytes; }

  size_t size() const { return blobs_.size(); }
  GitObjectId id(size_t i) const { return seen_.id(blobs_[i].blob); }
  uint32_t number(size_t i) const { return blobs_[i].blob; }  // in seen()
  std::string path(size_t i) const {
    std::string p(paths_.get(blobs_[i].dir));
    p += paths_.get(blobs_[i].name);
    return p;
  }
  GitOrigin origin(size_t i) const;
  GitBlob blob(size_t i) const { return GitBlob{id(i), origin(i)}; }
  size_t bytes() const;

 private:
  struct Listed {
    uint32_t blob, commit, dir, name;  // dir: with its trailing '/', "" at the top
  };
  static_assert(sizeof(Listed) == 16);
  struct Commit {
    GitObjectId id;
    uint32_t author;
    int64_t time;
  };
  static constexpr size_t kListedChunk = size_t{1} << 16;  // records: 1 MiB, whole pages
  static constexpr size_t kListedChunkBytes = kListedChunk * 16;
  ObjectSeenSet seen_;
  ChunkedVector<Listed, kListedChunk> blobs_;
  std::vector<Commit> commits_;
  StringInterner paths_, authors_;  // paths_: directories and file names
};

}  // namespace keysweep
