#include "formats/gitpack/pack_reader.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/secret.h"
#include "formats/gitpack/git_delta.h"
#include "io/byte_reader.h"

namespace keysweep::gitpack {

namespace {

constexpr size_t kTrailer = 20;  // the pack's SHA-1
constexpr size_t kHeader = 12;   // "PACK", version, object count
// Deflate expands at most ~1032:1; an entry claiming more than that from its compressed bytes
// is a lie that must not become an allocation.
constexpr uint64_t kMaxInflateRatio = 1032;

const char* deflate_result(libdeflate_result r) {
  switch (r) {
    case LIBDEFLATE_BAD_DATA: return "bad zlib data";
    case LIBDEFLATE_SHORT_OUTPUT: return "zlib data ends before the declared size";
    case LIBDEFLATE_INSUFFICIENT_SPACE: return "zlib data is longer than the declared size";
    default: return "zlib error";
  }
}

}  // namespace

const char* type_name(ObjectType t) {
  switch (t) {
    case ObjectType::kCommit: return "commit";
    case ObjectType::kTree: return "tree";
    case ObjectType::kBlob: return "blob";
    case ObjectType::kTag: return "tag";
    default: return "none";
  }
}

struct SizeReader::Stream {
  z_stream zs{};
  bool ready = false;
  ~Stream() {
    if (ready) inflateEnd(&zs);
  }
};
SizeReader::SizeReader() : stream_(std::make_unique<Stream>()) {}
SizeReader::~SizeReader() = default;

Resolver::Resolver() : inflater_(libdeflate_alloc_decompressor()) {}
Resolver::~Resolver() { libdeflate_free_decompressor(inflater_); }

void PackFile::report(DiagnosticSink& d, uint32_t entry, const std::string& what) const {
  // The object id too: what `git cat-file` and the history's own messages name it by.
  const std::string id(reinterpret_cast<const char*>(index_.id(entry)), 20);
  d.warn(DiagnosticKind::kMalformed, name_,
         "entry at offset " + std::to_string(offset(entry)) + " (object " + hex_encode(id) +
             "): " + what);
}

Result<std::unique_ptr<PackFile>> PackFile::open(std::string_view pack, std::string_view idx_bytes,
                                                 std::string name, DiagnosticSink& diagnostics,
                                                 PackLimits limits,
                                                 const std::function<void()>& read_on) {
  auto idx = PackIndex::parse(idx_bytes);
  if (!idx) {
    Error e = idx.error();
    e.path = name;
    return std::unexpected(e);
  }
  auto fail = [&](std::string what) {
    return make_error(ErrorCode::kMalformed, "pack: " + what, name);
  };
  if (pack.size() < kHeader + kTrailer || pack.substr(0, 4) != "PACK") return fail("no PACK header");
  ByteReader r(pack);
  uint32_t version = *r.be_at<uint32_t>(4), count = *r.be_at<uint32_t>(8);
  if (version != 2 && version != 3) return fail("version " + std::to_string(version) + ", not 2 or 3");
  if (count != idx->size())
    return fail("holds " + std::to_string(count) + " objects, its index lists " +
                std::to_string(idx->size()));

  std::unique_ptr<PackFile> p(new PackFile());
  p->pack_ = pack;
  p->index_ = std::move(*idx);
  p->name_ = std::move(name);
  p->limits_ = limits;
  const uint32_t n = count;
  const uint64_t limit = pack.size() - kTrailer;
  auto& entries = p->entries_;
  entries.resize(n);

  // Entry extents: each entry ends where the next one (by offset) starts.
  std::vector<uint32_t> by_offset(n);
  std::iota(by_offset.begin(), by_offset.end(), 0u);
  std::sort(by_offset.begin(), by_offset.end(), [&](uint32_t a, uint32_t b) {
    return p->index_.offset(a) < p->index_.offset(b);
  });
  std::vector<uint64_t> sorted_offsets(n);
  for (uint32_t k = 0; k < n; ++k) sorted_offsets[k] = p->index_.offset(by_offset[k]);
  auto entry_at = [&](uint64_t off) -> uint32_t {
    auto it = std::lower_bound(sorted_offsets.begin(), sorted_offsets.end(), off);
    if (it == sorted_offsets.end() || *it != off) return kNoBase;
    return by_offset[it - sorted_offsets.begin()];
  };

  constexpr uint64_t kReadOn = 16u << 20;
  for (uint32_t k = 0; k < n; ++k) {
    const uint32_t i = by_offset[k];
    Entry& e = entries[i];
    const uint64_t offset = sorted_offsets[k];  // the index's: not kept in the entry again
    if (read_on && k && sorted_offsets[k - 1] / kReadOn != offset / kReadOn) read_on();
    uint64_t end = k + 1 < n ? sorted_offsets[k + 1] : limit;
    if (offset < kHeader || offset >= limit) {
      p->report(diagnostics, i, "outside the pack's " + std::to_string(pack.size()) + " bytes");
      continue;
    }
    if (end == offset) {
      p->report(diagnostics, i, "listed twice in the index");
      continue;
    }
    end = std::min(end, limit);
    if (end - offset < kLong) {
      e.length = static_cast<uint32_t>(end - offset);
    } else {
      e.length = kLong;
      p->long_ends_[i] = end;
    }
    const uint64_t entry_end = end;
    const auto* b = reinterpret_cast<const unsigned char*>(pack.data());
    uint64_t pos = offset;
    unsigned char c = b[pos++];
    uint8_t kind = (c >> 4) & 7;
    bool ok = true;  // the size varint is only checked here; data_size() reads it when needed
    for (int shift = 4; c & 0x80; shift += 7) {
      if (pos >= entry_end || shift > 57) {
        ok = false;
        break;
      }
      c = b[pos++];
    }
    if (!ok) {
      p->report(diagnostics, i, "entry header cut short or too long");
      continue;
    }
    uint32_t base = kNoBase;
    if (kind == 6) {  // OFS_DELTA: the base's distance back, big-endian base-128 with a +1 per byte
      if (pos >= entry_end) ok = false;
      uint64_t ofs = ok ? b[pos] & 0x7f : 0;
      while (ok && (b[pos++] & 0x80)) {
        if (pos >= entry_end || ofs > (UINT64_MAX >> 8)) {
          ok = false;
          break;
        }
        ofs = ((ofs + 1) << 7) | (b[pos] & 0x7f);
      }
      if (!ok) {
        p->report(diagnostics, i, "delta base offset cut short or too long");
        continue;
      }
      if (ofs == 0 || ofs > offset) {
        p->report(diagnostics, i,
                  "delta base " + std::to_string(ofs) + " bytes back is not in the pack");
        continue;
      }
      base = entry_at(offset - ofs);
      if (base == kNoBase) {
        p->report(diagnostics, i,
                  "delta base at offset " + std::to_string(offset - ofs) + " is not an entry");
        continue;
      }
    } else if (kind == 7) {  // REF_DELTA: the base's object id
      if (entry_end - pos < 20) {
        p->report(diagnostics, i, "delta base id cut short");
        continue;
      }
      auto found = p->index_.find(b + pos);
      pos += 20;
      if (!found) {
        // A thin pack's base lives elsewhere; what depends on it is read another way.
        p->report(diagnostics, i, "delta base is not in this pack");
        continue;
      }
      base = *found;
    } else if (kind < 1 || kind > 4) {
      p->report(diagnostics, i, "unknown object type " + std::to_string(kind));
      continue;
    }
    e.header = static_cast<uint8_t>(pos - offset);  // at most 9 + 20 bytes
    e.base = base;
    e.kind = kind;
  }

  // Children lists (compressed rows), then each full object's delta tree walked without
  // inflating anything: types, chain depths and bytes per chain.
  p->child_start_.assign(n + 1, 0);
  for (const Entry& e : entries)
    if (e.kind && e.base != kNoBase) ++p->child_start_[e.base + 1];
  std::partial_sum(p->child_start_.begin(), p->child_start_.end(), p->child_start_.begin());
  p->child_list_.resize(p->child_start_[n]);
  {
    std::vector<uint32_t> fill(p->child_start_.begin(), p->child_start_.end() - 1);
    for (uint32_t k = 0; k < n; ++k) {  // by offset, so children resolve in pack order
      uint32_t i = by_offset[k];
      const Entry& e = entries[i];
      if (e.kind && e.base != kNoBase) p->child_list_[fill[e.base]++] = i;
    }
  }
  uint64_t too_deep = 0, deltas = 0;
  std::vector<std::pair<uint32_t, uint32_t>> stack;  // entry, depth
  for (uint32_t root = 0; root < n; ++root) {
    Entry& re = entries[root];
    if (re.kind == 6 || re.kind == 7) ++deltas;
    if (re.kind < 1 || re.kind > 4) continue;
    const auto type = static_cast<ObjectType>(re.kind);
    stack.assign(1, {root, 0});
    while (!stack.empty()) {
      auto [i, depth] = stack.back();
      stack.pop_back();
      if (depth > limits.max_chain_depth) {
        ++too_deep;
        continue;
      }
      entries[i].type = type;
      for (uint32_t c : p->children(i)) stack.push_back({c, depth + 1});
    }
  }
  uint64_t unreached = 0;
  for (const Entry& e : entries)
    if ((e.kind == 6 || e.kind == 7) && e.type == ObjectType::kNone) ++unreached;
  if (too_deep)
    diagnostics.warn(DiagnosticKind::kLimit, p->name_,
                     std::to_string(too_deep) + " deltas deeper than " +
                         std::to_string(limits.max_chain_depth) + " in their chain; not resolved");
  if (unreached > too_deep)
    diagnostics.warn(DiagnosticKind::kMalformed, p->name_,
                     std::to_string(unreached - too_deep) + " of " + std::to_string(deltas) +
                         " deltas never reach a full object (a bad or cyclic base); not resolved");
  return p;
}

std::vector<PackFile::Chain> PackFile::chains(ObjectType type,
                                              const std::vector<uint8_t>* needed) const {
  std::vector<Chain> out;
  std::vector<uint32_t> stack;
  for (uint32_t root = 0; root < entries_.size(); ++root) {
    const Entry& re = entries_[root];
    if (re.kind < 1 || re.kind > 4) continue;
    if (type != ObjectType::kNone && re.type != type) continue;
    if (needed && !(*needed)[root]) continue;
    Chain chain{root, re.type, 0};
    stack.assign(1, root);
    while (!stack.empty()) {  // the entries resolve() reaches: those open() typed
      const uint32_t i = stack.back();
      stack.pop_back();
      chain.packed_bytes += end(i) - offset(i);
      for (uint32_t c : children(i))
        if (entries_[c].type != ObjectType::kNone) stack.push_back(c);
    }
    out.push_back(chain);
  }
  std::sort(out.begin(), out.end(),
            [&](const Chain& a, const Chain& b) { return offset(a.root) < offset(b.root); });
  return out;
}

uint64_t PackFile::data_size(uint32_t entry) const {
  // open() read this header once already and found it whole.
  const auto* b = reinterpret_cast<const unsigned char*>(pack_.data()) + offset(entry);
  unsigned char c = *b++;
  uint64_t size = c & 15;
  for (int shift = 4; c & 0x80; shift += 7) {
    c = *b++;
    size |= static_cast<uint64_t>(c & 0x7f) << shift;
  }
  return size;
}

Result<void> PackFile::inflate(uint32_t entry, Resolver& r, std::string& out) const {
  std::string_view in = zlib_stream(entry);
  const uint64_t size = data_size(entry);
  if (size > limits_.max_object_size)
    return make_error(ErrorCode::kLimit, std::to_string(size) + " bytes is over the limit of " +
                                             std::to_string(limits_.max_object_size));
  if (size > in.size() * kMaxInflateRatio + 1024)
    return make_error(ErrorCode::kMalformed, "declares " + std::to_string(size) + " bytes from " +
                                                 std::to_string(in.size()) + " compressed bytes");
  out.resize(size);
  size_t in_used = 0, out_got = 0;
  libdeflate_result res = libdeflate_zlib_decompress_ex(r.inflater_, in.data(), in.size(), out.data(),
                                                        out.size(), &in_used, &out_got);
  if (res != LIBDEFLATE_SUCCESS) return make_error(ErrorCode::kMalformed, deflate_result(res));
  if (out_got != size)
    return make_error(ErrorCode::kMalformed, deflate_result(LIBDEFLATE_SHORT_OUTPUT));
  return {};
}

bool PackFile::read_standalone(uint32_t entry, Resolver& r, std::string& out,
                               DiagnosticSink& diagnostics) const {
  if (!is_standalone(entry)) return false;
  if (auto ok = inflate(entry, r, out); !ok) {
    report(diagnostics, entry, ok.error().message);
    return false;
  }
  return true;
}

Result<uint64_t> PackFile::object_size(uint32_t entry, SizeReader& reader) const {
  const Entry& e = entries_[entry];
  if (e.kind >= 1 && e.kind <= 4) return data_size(entry);
  if (e.kind != 6 && e.kind != 7) return make_error(ErrorCode::kMalformed, "unreadable entry");
  // The two varints at the start of the delta: at most 20 bytes of output.
  unsigned char head[24];
  SizeReader::Stream& st = *reader.stream_;
  if (!st.ready) {
    if (inflateInit(&st.zs) != Z_OK) return make_error(ErrorCode::kIo, "zlib init failed");
    st.ready = true;
  } else if (inflateReset(&st.zs) != Z_OK) {
    return make_error(ErrorCode::kIo, "zlib reset failed");
  }
  z_stream& zs = st.zs;
  std::string_view in = zlib_stream(entry);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), 1u << 20));
  zs.next_out = head;
  zs.avail_out = sizeof head;
  int rc = ::inflate(&zs, Z_SYNC_FLUSH);
  size_t got = sizeof head - zs.avail_out;
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
    return make_error(ErrorCode::kMalformed, "bad zlib data");
  auto sizes = read_delta_sizes(std::string_view(reinterpret_cast<const char*>(head), got));
  if (!sizes) return std::unexpected(sizes.error());
  return sizes->result;
}

void PackFile::mark_needed(uint32_t entry, std::vector<uint8_t>& needed) const {
  while (entry != kNoBase && !needed[entry]) {
    needed[entry] = 1;
    entry = entries_[entry].base;
  }
}

void PackFile::resolve(const Chain& chain, Resolver& r, const Visitor& visit,
                       DiagnosticSink& diagnostics, const std::vector<uint8_t>* needed) const {
  auto push = [&](uint32_t entry) -> Resolver::Frame& {
    if (r.stack_.size() <= r.depth_) r.stack_.emplace_back();
    Resolver::Frame& f = r.stack_[r.depth_++];
    f.entry = entry;
    f.next_child = 0;
    return f;
  };
  auto failed = [&](uint32_t entry, const Error& err) { report(diagnostics, entry, err.message); };
  r.depth_ = 0;
  if (needed && !(*needed)[chain.root]) return;
  {
    Resolver::Frame& root = push(chain.root);
    if (auto ok = inflate(chain.root, r, root.body); !ok) {
      failed(chain.root, ok.error());
      r.depth_ = 0;
      return;
    }
    visit(chain.root, chain.type, root.body);
  }
  while (r.depth_) {
    Resolver::Frame& top = r.stack_[r.depth_ - 1];
    auto kids = children(top.entry);
    if (top.next_child == kids.size()) {
      --r.depth_;
      continue;
    }
    const uint32_t c = kids[top.next_child++];
    if (entries_[c].type == ObjectType::kNone) continue;  // past the depth limit
    if (needed && !(*needed)[c]) continue;
    if (auto ok = inflate(c, r, r.delta_); !ok) {
      failed(c, ok.error());
      continue;
    }
    // A deque keeps the base's frame where it is while the child's is pushed.
    const std::string_view base = top.body;
    const bool leaf = children(c).empty();
    std::string& out = leaf ? r.leaf_ : push(c).body;
    if (auto ok = apply_delta(base, r.delta_, limits_.max_object_size, out); !ok) {
      failed(c, ok.error());
      if (!leaf) --r.depth_;
      continue;
    }
    visit(c, chain.type, out);
  }
}

}  // namespace keysweep::gitpack
