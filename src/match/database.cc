#include "match/database.h"

#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>

#include "core/secret.h"

namespace keysweep {

PatternSet::PatternSet(const std::vector<Rule>& rules)
    : keyword_splits(rules.size()), heads_(rules.size()) {
  for (size_t i = 0; i < rules.size(); ++i) {
    whole_.push_back(rules[i].pattern.c_str());
    patterns.push_back(whole_.back());
    tails.emplace_back();
    if (auto split = split_keyword_pattern(rules[i].pattern)) {
      heads_[i] = split->rest;
      patterns.back() = heads_[i].c_str();
      for (uint32_t k = 0; k < split->keywords.size(); ++k)
        keyword_ids.push_back({static_cast<uint32_t>(i), k});
      keyword_splits[i] = std::move(split);
    } else if (auto head = split_pattern_tail(rules[i].pattern)) {
      heads_[i] = std::move(head->head);
      patterns.back() = heads_[i].c_str();
      tails.back() = head->tail;
    }
    flags.push_back(0);
    ids.push_back(static_cast<unsigned>(i));
  }
  // The keywords after every rule, so a rule's index stays its expression's.
  for (size_t j = 0; j < keyword_ids.size(); ++j) {
    const KeywordId& k = keyword_ids[j];
    patterns.push_back(keyword_splits[k.rule]->keywords[k.keyword].pattern.c_str());
    flags.push_back(0);
    ids.push_back(static_cast<unsigned>(rules.size() + j));
  }
}

void PatternSet::prefilter(size_t i) {
  flags[i] |= HS_FLAG_PREFILTER;
  patterns[i] = whole_[i];
  tails[i].reset();
  // A keyword split stays: its keywords' expressions point into it, and the database keeps its
  // shape. Its user (the matcher) drops it for a prefiltered rule: their ends are not used.
}

std::string PatternSet::digest() const {
  // Of what Vectorscan is given: heads where a tail was taken off (set 2; set 1 had none), the
  // rest of a keyword split and its keywords after the rules (set 3).
  std::string material = "keysweep pattern set 3\n";
  for (size_t i = 0; i < patterns.size(); ++i) {
    material.append(patterns[i]).push_back('\0');
    material.append(std::to_string(flags[i])).push_back('\0');
  }
  return sha256_hex(material);
}

std::vector<uint32_t> PatternSet::prefiltered() const {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < flags.size(); ++i)
    if (flags[i] & HS_FLAG_PREFILTER) out.push_back(static_cast<uint32_t>(i));
  return out;
}

void PatternSet::set_prefiltered(const std::vector<uint32_t>& indices) {
  for (uint32_t i : indices)
    if (i < rule_count()) prefilter(i);
}

hs_platform_info_t DatabaseTarget::platform() const {
  hs_platform_info_t p{};
  p.tune = tune;
  p.cpu_features = cpu_features;
  return p;
}

std::string DatabaseTarget::to_string() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "tune %u, cpu features 0x%llx", tune, cpu_features);
  return buf;
}

DatabaseTarget baseline_target() { return {HS_TUNE_FAMILY_GENERIC, 0}; }

DatabaseTarget host_target() {
  hs_platform_info_t p{};
  if (hs_populate_platform(&p) != HS_SUCCESS) return baseline_target();
  return {p.tune, p.cpu_features};
}

Database& Database::operator=(Database&& o) noexcept {
  if (this != &o) {
    reset();
    db_ = o.db_;
    mapping_size_ = o.mapping_size_;
    borrowed_ = o.borrowed_;
    o.db_ = nullptr;
    o.mapping_size_ = 0;
    o.borrowed_ = false;
  }
  return *this;
}

void Database::reset() {
  if (borrowed_)
    ;  // not ours
  else if (db_ && mapping_size_ > 0)
    ::munmap(db_, mapping_size_);
  else if (db_)
    hs_free_database(db_);
  db_ = nullptr;
  mapping_size_ = 0;
  borrowed_ = false;
}

std::expected<Database, std::string> Database::deserialize(std::string_view serialized) {
  size_t size = 0;
  hs_error_t rc = hs_serialized_database_size(serialized.data(), serialized.size(), &size);
  if (rc != HS_SUCCESS || size == 0)
    return std::unexpected("not a Vectorscan database this version reads (" + std::to_string(rc) +
                           ")");
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (mem == MAP_FAILED) return std::unexpected("cannot map " + std::to_string(size) + " bytes");
  auto* db = static_cast<hs_database_t*>(mem);  // page-aligned, as Vectorscan requires
  // Vectorscan checks the magic, its own version, the platform and the bytecode's CRC32.
  rc = hs_deserialize_database_at(serialized.data(), serialized.size(), db);
  if (rc != HS_SUCCESS) {
    ::munmap(mem, size);
    return std::unexpected(rc == HS_DB_VERSION_ERROR    ? std::string("built by another Vectorscan")
                           : rc == HS_DB_PLATFORM_ERROR ? std::string("built for another CPU")
                                                        : "rejected by Vectorscan (" +
                                                              std::to_string(rc) + ")");
  }
  Database out;
  out.db_ = db;
  out.mapping_size_ = size;
  return out;
}

std::expected<Database, std::string> Database::in_place(std::string_view image) {
  if (reinterpret_cast<uintptr_t>(image.data()) % 4096 != 0)
    return std::unexpected(std::string("the image is not page-aligned"));
  if (image.size() < sizeof(uint32_t) * 2)
    return std::unexpected(std::string("the image is too short"));
  // Vectorscan only reads a database (hs_scan and hs_alloc_scratch take it const); the cast is for
  // the one pointer type this class holds.
  auto* db = reinterpret_cast<hs_database_t*>(const_cast<char*>(image.data()));
  size_t size = 0;
  // hs_database_size() checks the magic and the version before it reads the length.
  hs_error_t rc = hs_database_size(db, &size);
  if (rc != HS_SUCCESS)
    return std::unexpected(rc == HS_DB_VERSION_ERROR
                               ? std::string("built by another Vectorscan")
                               : "rejected by Vectorscan (" + std::to_string(rc) + ")");
  if (size != image.size())
    return std::unexpected("its header gives " + std::to_string(size) + " bytes, the image has " +
                           std::to_string(image.size()));
  Database out;
  out.db_ = db;
  out.borrowed_ = true;
  return out;
}

std::string_view Database::image() const {
  size_t size = 0;
  if (!db_ || hs_database_size(db_, &size) != HS_SUCCESS) return {};
  return {reinterpret_cast<const char*>(db_), size};
}

std::expected<std::string, std::string> Database::serialize() const {
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(db_, &bytes, &size) != HS_SUCCESS) return std::unexpected("hs_serialize_database failed");
  std::string out(bytes, size);
  std::free(bytes);
  return out;
}

struct DatabaseCompiler {
  static Database wrap(hs_database_t* db) {
    Database d;
    d.db_ = db;
    return d;
  }
};

std::expected<Database, CompileFailure> compile_database(PatternSet& set,
                                                         const DatabaseTarget& target) {
  const hs_platform_info_t platform = target.platform();
  for (;;) {
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    hs_error_t rc = hs_compile_multi(set.patterns.data(), set.flags.data(), set.ids.data(),
                                     static_cast<unsigned>(set.patterns.size()), HS_MODE_BLOCK,
                                     &platform, &db, &err);
    if (rc == HS_SUCCESS) return DatabaseCompiler::wrap(db);
    CompileFailure failure;
    failure.expression = err ? err->expression : -1;
    failure.message = err && err->message ? err->message : "unknown error";
    hs_free_compile_error(err);
    const int bad = failure.expression;
    if (bad < 0 || static_cast<size_t>(bad) >= set.rule_count() ||
        (set.flags[static_cast<size_t>(bad)] & HS_FLAG_PREFILTER))
      return std::unexpected(std::move(failure));
    set.prefilter(static_cast<size_t>(bad));
  }
}

}  // namespace keysweep
