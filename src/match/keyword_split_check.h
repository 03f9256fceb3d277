// For the test and the fuzz target of keyword_split.h: one pattern's ends over a text as Vectorscan
// reports them for the whole pattern (in the order they come), and as the matcher derives them
// from the split (the rest's ends and the keywords' forms, sorted, each once).
#pragma once

#include <hs/hs.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "match/keyword_split.h"

namespace keysweep {

class KeywordSplitCheck {
 public:
  // Fails (ok() false) when `pattern` has no keyword split or Vectorscan rejects a part.
  explicit KeywordSplitCheck(const std::string& pattern) {
    auto split = split_keyword_pattern(pattern);
    if (!split) return;
    split_ = std::move(*split);
    std::vector<const char*> exprs{split_.rest.c_str()};
    std::vector<unsigned> ids{0};
    for (size_t k = 0; k < split_.keywords.size(); ++k) {
      exprs.push_back(split_.keywords[k].pattern.c_str());
      ids.push_back(static_cast<unsigned>(k + 1));
    }
    std::vector<unsigned> flags(exprs.size(), 0);
    hs_compile_error_t* err = nullptr;
    if (hs_compile(pattern.c_str(), 0, HS_MODE_BLOCK, nullptr, &whole_, &err) != HS_SUCCESS ||
        hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                         HS_MODE_BLOCK, nullptr, &split_db_, &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      return;
    }
    hs_alloc_scratch(whole_, &scratch_);
    hs_alloc_scratch(split_db_, &scratch_);
  }
  ~KeywordSplitCheck() {
    hs_free_scratch(scratch_);
    hs_free_database(whole_);
    hs_free_database(split_db_);
  }
  KeywordSplitCheck(const KeywordSplitCheck&) = delete;
  KeywordSplitCheck& operator=(const KeywordSplitCheck&) = delete;

  bool ok() const { return scratch_ != nullptr; }
  const KeywordSplit& split() const { return split_; }

  std::vector<uint64_t> whole_ends(std::string_view text) const {
    std::vector<uint64_t> ends;
    hs_scan(whole_, text.data(), static_cast<unsigned>(text.size()), 0, scratch_,
            [](unsigned, unsigned long long, unsigned long long to, unsigned, void* p) {
              static_cast<std::vector<uint64_t>*>(p)->push_back(to);
              return 0;
            },
            &ends);
    return ends;
  }

  std::vector<uint64_t> split_ends(std::string_view text) const {
    struct Ctx {
      const KeywordSplit* split;
      std::string_view text;
      std::vector<uint64_t> ends;
    } ctx{&split_, text, {}};
    hs_scan(split_db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch_,
            [](unsigned id, unsigned long long, unsigned long long to, unsigned, void* p) {
              auto& c = *static_cast<Ctx*>(p);
              if (id == 0)
                c.ends.push_back(to);
              else
                c.split->ends(c.text, id - 1, to, [&](uint64_t e) { c.ends.push_back(e); });
              return 0;
            },
            &ctx);
    std::sort(ctx.ends.begin(), ctx.ends.end());
    ctx.ends.erase(std::unique(ctx.ends.begin(), ctx.ends.end()), ctx.ends.end());
    return std::move(ctx.ends);
  }

 private:
  KeywordSplit split_;
  hs_database_t* whole_ = nullptr;
  hs_database_t* split_db_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
};

}  // namespace keysweep
