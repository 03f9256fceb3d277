// Pack reader tests. The oracle: repositories built here with git, repacked so that deltas chain
// (OFS_DELTA from `git repack -adf --depth=50 --window=250`, REF_DELTA with
// repack.useDeltaBaseOffset=false); every object the reader resolves must be byte-for-byte what
// `git cat-file --batch-all-objects --batch` prints. Then corrupted packs: diagnostics, no crash.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include "core/diagnostics.h"
#include "formats/format_test_support.h"
#include "formats/gitpack/git_delta.h"
#include "formats/gitpack/pack_reader.h"
#include "io/mapped_file.h"

#include <zlib.h>

namespace keysweep::gitpack {
namespace {

namespace fs = std::filesystem;
using format_test::read_file;

std::string hex(const unsigned char* id) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 20; ++i) {
    s += d[id[i] >> 4];
    s += d[id[i] & 15];
  }
  return s;
}

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

struct Object {
  std::string type, bytes;
};

// Every object of the repository, as git prints it.
std::map<std::string, Object> cat_file_all(const fs::path& repo) {
  fs::path out = repo / "cat-file.out";
  EXPECT_EQ(0, sh("git -C '" + repo.string() + "' cat-file --batch-all-objects --batch > '" +
                  out.string() + "'"));
  std::string all = read_file(out);
  std::map<std::string, Object> objects;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    std::string header = all.substr(pos, nl - pos);
    char oid[41], type[16];
    unsigned long long size = 0;
    if (std::sscanf(header.c_str(), "%40s %15s %llu", oid, type, &size) != 3) break;
    objects[oid] = {type, all.substr(nl + 1, size)};
    pos = nl + 1 + size + 1;
  }
  return objects;
}

// The history as one `git fast-import` stream: 40 commits editing a few growing files, so that
// repacking finds long delta chains (one process instead of hundreds keeps the test fast).
std::string history_stream() {
  std::string s;
  auto file = [&](const std::string& path, const std::string& content) {
    s += "M 100644 inline " + path + "\ndata " + std::to_string(content.size()) + "\n" + content + "\n";
  };
  for (int i = 1; i <= 40; ++i) {
    std::string a, b, c;
    for (int k = 1; k <= i * 40; ++k) a += std::to_string(k) + "\n";
    a += "version " + std::to_string(i) + "\n";
    for (int k = i; k <= 900; k += 3) b += std::to_string(k) + "\n";
    for (int k = 1; k <= i; ++k) c += "line " + std::to_string(k) + "\n";
    std::string msg = "commit " + std::to_string(i);
    s += "commit refs/heads/main\ncommitter T <t@example.com> " + std::to_string(1700000000 + i) +
         " +0000\ndata " + std::to_string(msg.size()) + "\n" + msg + "\n";
    file("a.txt", a);
    file("src/b.txt", b);
    file("src/deep/c.txt", c);
    file("src/deep/x" + std::to_string(i % 7) + ".bin", std::string(i * 97, 'x'));
  }
  return s;
}

class GitRepoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/keysweep-pack-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl));
    dir_ = tmpl;
    repo_ = dir_ / "r";
    ASSERT_EQ(0, sh("git init -q -b main '" + repo_.string() + "'"));
    std::FILE* in = popen(("git -C '" + repo_.string() + "' fast-import --quiet").c_str(), "w");
    ASSERT_NE(nullptr, in);
    std::string stream = history_stream();
    std::fwrite(stream.data(), 1, stream.size(), in);
    ASSERT_EQ(0, pclose(in));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // The repository's single pack after `repack_args`.
  void repack(const std::string& args) {
    ASSERT_EQ(0, sh("git -C '" + repo_.string() + "' " + args + " >/dev/null 2>&1"));
    for (const auto& e : fs::directory_iterator(repo_ / ".git/objects/pack"))
      if (e.path().extension() == ".pack") {
        pack_ = read_file(e.path());
        idx_ = read_file(fs::path(e.path()).replace_extension(".idx"));
      }
    ASSERT_FALSE(pack_.empty());
  }

  // Reads every object through the reader and compares it with cat-file's.
  void expect_same_as_git(size_t min_deltas) {
    CollectingDiagnostics diags;
    auto pack = PackFile::open(pack_, idx_, "test.pack", diags);
    ASSERT_TRUE(pack) << pack.error().message;
    auto want = cat_file_all(repo_);
    ASSERT_EQ(want.size(), (*pack)->object_count());
    std::map<std::string, Object> got;
    Resolver r;
    for (const auto& chain : (*pack)->chains())
      (*pack)->resolve(chain, r, [&](uint32_t entry, ObjectType type, std::string_view bytes) {
        auto [it, fresh] = got.emplace(hex((*pack)->index().id(entry)),
                                       Object{type_name(type), std::string(bytes)});
        EXPECT_TRUE(fresh) << "object resolved twice: " << it->first;
      }, diags);
    EXPECT_EQ(0u, diags.count());
    ASSERT_EQ(want.size(), got.size());
    size_t deltas = 0;
    SizeReader sizes;
    for (uint32_t i = 0; i < (*pack)->object_count(); ++i) {
      deltas += (*pack)->is_delta(i);
      auto size = (*pack)->object_size(i, sizes);
      ASSERT_TRUE(size);
      EXPECT_EQ(want[hex((*pack)->index().id(i))].bytes.size(), *size);
    }
    EXPECT_GE(deltas, min_deltas);
    for (const auto& [oid, obj] : want) {
      ASSERT_TRUE(got.count(oid)) << oid;
      EXPECT_EQ(obj.type, got[oid].type) << oid;
      EXPECT_TRUE(obj.bytes == got[oid].bytes) << oid << " differs";
    }
  }

  // The pack after a repack with long delta chains, opened; null (and a failure) if it cannot be.
  std::unique_ptr<PackFile> open_repacked(CollectingDiagnostics& diags) {
    repack("repack -adf --depth=50 --window=250");
    auto pack = PackFile::open(pack_, idx_, "test.pack", diags);
    EXPECT_TRUE(pack);
    return pack ? std::move(*pack) : nullptr;
  }

  static inline fs::path dir_, repo_;
  std::string pack_, idx_;
};

TEST_F(GitRepoTest, OfsDeltasMatchCatFile) {
  repack("repack -adf --depth=50 --window=250");
  expect_same_as_git(50);
}

TEST_F(GitRepoTest, RefDeltasMatchCatFile) {
  repack("-c repack.useDeltaBaseOffset=false repack -adf --depth=50 --window=250");
  expect_same_as_git(50);
}

TEST_F(GitRepoTest, NeededResolvesOnlyThoseAndTheirBases) {
  CollectingDiagnostics diags;
  auto pack = open_repacked(diags);
  ASSERT_TRUE(pack);
  const PackFile& p = *pack;
  // The deepest-looking delta: its whole base chain is resolved, nothing else.
  uint32_t target = 0;
  for (uint32_t i = 0; i < p.object_count(); ++i)
    if (p.is_delta(i)) target = i;
  std::vector<uint8_t> needed(p.object_count());
  p.mark_needed(target, needed);
  size_t marked = std::count(needed.begin(), needed.end(), 1);
  ASSERT_GE(marked, 2u);
  size_t visited = 0;
  bool saw_target = false;
  Resolver r;
  for (const auto& chain : p.chains())
    p.resolve(chain, r, [&](uint32_t e, ObjectType, std::string_view) {
      ++visited;
      saw_target |= e == target;
    }, diags, &needed);
  EXPECT_TRUE(saw_target);
  EXPECT_EQ(marked, visited);
}

// What the history scan reads while it walks: objects no delta depends on, each one alone.
TEST_F(GitRepoTest, StandaloneObjectsReadAloneMatchCatFile) {
  CollectingDiagnostics diags;
  auto pack = open_repacked(diags);
  ASSERT_TRUE(pack);
  const PackFile& p = *pack;
  auto want = cat_file_all(repo_);
  Resolver r;
  std::string bytes;
  size_t standalone = 0, refused = 0;
  for (uint32_t i = 0; i < p.object_count(); ++i) {
    bool got = p.read_standalone(i, r, bytes, diags);
    if (!p.is_standalone(i)) {
      EXPECT_FALSE(got) << "a delta or a base read alone: " << hex(p.index().id(i));
      refused += !got;
      continue;
    }
    ++standalone;
    ASSERT_TRUE(got);
    EXPECT_TRUE(want[hex(p.index().id(i))].bytes == bytes) << hex(p.index().id(i));
    // Its chain holds it alone: nothing would inflate it a second time.
    size_t visits = 0;
    for (const auto& chain : p.chains())
      if (chain.root == i)
        p.resolve(chain, r, [&](uint32_t, ObjectType, std::string_view) { ++visits; }, diags);
    EXPECT_EQ(1u, visits);
  }
  EXPECT_GE(standalone, 40u);  // the commits at least
  EXPECT_GE(refused, 50u);     // the deltas at least
  EXPECT_EQ(0u, diags.count());
}

// Flipping bytes anywhere in a real pack: every outcome is an object, a diagnostic naming the
// pack, or an open() error; never a crash (run under ASan in CI's sanitizer job).
TEST_F(GitRepoTest, CorruptedPacksGiveDiagnostics) {
  repack("repack -adf --depth=50 --window=250");
  std::mt19937 rng(7);
  size_t with_diagnostics = 0;
  for (int round = 0; round < 200; ++round) {
    std::string pack = pack_;
    for (int k = 0; k < 1 + round % 4; ++k)
      pack[12 + rng() % (pack.size() - 32)] ^= static_cast<char>(1 + rng() % 255);
    CollectingDiagnostics diags;
    PackLimits limits;
    limits.max_object_size = 1 << 20;
    auto opened = PackFile::open(pack, idx_, "bad.pack", diags, limits);
    if (!opened) continue;
    Resolver r;
    for (const auto& chain : (*opened)->chains())
      (*opened)->resolve(chain, r, [](uint32_t, ObjectType, std::string_view) {}, diags);
    auto all = diags.take();
    for (const auto& d : all) EXPECT_EQ("bad.pack", d.path);
    with_diagnostics += !all.empty();
  }
  EXPECT_GT(with_diagnostics, 150u);
}

TEST(PackIndex, RejectsWhatIsNotAnIndex) {
  EXPECT_FALSE(PackIndex::parse(""));
  EXPECT_FALSE(PackIndex::parse(std::string("\377tOc\0\0\0\1", 8)));
  std::string idx("\377tOc\0\0\0\2", 8);
  idx.append(1024, '\0');
  idx[8 + 255 * 4 + 3] = 5;  // five objects claimed, none there
  auto r = PackIndex::parse(idx);
  ASSERT_FALSE(r);
  EXPECT_NE(std::string::npos, r.error().message.find("5 objects")) << r.error().message;
}

// An index of `ids` (sorted here), as git writes version 2: offsets and CRCs are not read by find.
std::string index_of(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string idx = std::string("\377tOc", 4) + be32(2);
  uint32_t below = 0;
  for (int b = 0; b < 256; ++b) {
    while (below < ids.size() && static_cast<unsigned char>(ids[below][0]) <= b) ++below;
    idx += be32(below);
  }
  for (const auto& id : ids) idx += id;
  idx += std::string(ids.size() * 8, '\0') + std::string(40, '\0');  // CRCs, offsets, SHA-1s
  return idx;
}

// find() guesses where an id sits from its leading bytes (ids are SHA-1s, evenly spread) before
// it searches by halves: every id must still be found, and no other, evenly spread or not.
TEST(PackIndex, FindsEveryIdAndNoOther) {
  std::mt19937_64 rng(11);
  auto random_id = [&] {
    std::string id(20, '\0');
    for (auto& c : id) c = static_cast<char>(rng());
    return id;
  };
  std::vector<std::string> even, skewed;
  for (int i = 0; i < 20000; ++i) even.push_back(random_id());
  // Crafted ids sharing their first 12 bytes (the guess sees no difference between them), and
  // a few ids at the ends of the key range.
  for (int i = 0; i < 3000; ++i) {
    std::string id = random_id();
    id.replace(0, 12, 12, '\x42');
    skewed.push_back(id);
  }
  for (int i = 0; i < 50; ++i) {
    std::string lo = random_id(), hi = random_id();
    lo.replace(1, 8, 8, '\0');
    hi.replace(1, 8, 8, '\xff');
    skewed.push_back(lo);
    skewed.push_back(hi);
  }
  skewed.insert(skewed.end(), even.begin(), even.begin() + 5000);
  for (auto* ids : {&even, &skewed}) {
    std::sort(ids->begin(), ids->end());
    const std::string bytes = index_of(*ids);
    auto idx = PackIndex::parse(bytes);
    ASSERT_TRUE(idx) << idx.error().message;
    ASSERT_EQ(ids->size(), idx->size());
    for (uint32_t i = 0; i < idx->size(); ++i) {
      auto found = idx->find(idx->id(i));
      ASSERT_TRUE(found) << hex(idx->id(i));
      EXPECT_EQ(i, *found);
    }
    for (int i = 0; i < 20000; ++i) {  // absent: random, and neighbours of present ids
      std::string id = i % 2 ? random_id() : (*ids)[rng() % ids->size()];
      if (i % 2 == 0) id[19] = static_cast<char>(id[19] ^ (1 + rng() % 255));
      const auto* raw = reinterpret_cast<const unsigned char*>(id.data());
      const bool present = std::binary_search(ids->begin(), ids->end(), id);
      EXPECT_EQ(present, idx->find(raw).has_value()) << hex(raw);
    }
  }
}

// A pack above 4 GiB, without writing 4 GiB: a sparse file holding a blob at offset 12 and one
// at 5 GiB, with a hand-written index whose second offset is in the 64-bit table (idx v2 names
// offsets of 2 GiB and more there). The first entry then spans more than 2^32 bytes to the next,
// the reader's long-entry path. Only the pages around the two entries are ever read.
TEST(PackFile, ReadsAPackAboveFourGiB) {
  const uint64_t far = 5ull << 30;
  const std::string near_blob = "near the start\n", far_blob = "five GiB in\n";
  auto entry = [](const std::string& body) {
    std::string e(1, static_cast<char>(0x30 | (body.size() & 15) | (body.size() > 15 ? 0x80 : 0)));
    for (size_t rest = body.size() >> 4; rest; rest >>= 7)
      e += static_cast<char>((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
    uLongf n = compressBound(body.size());
    std::string z(n, '\0');
    EXPECT_EQ(Z_OK, compress2(reinterpret_cast<Bytef*>(z.data()), &n,
                              reinterpret_cast<const Bytef*>(body.data()), body.size(), 9));
    return e + z.substr(0, n);
  };
  char tmpl[] = "/tmp/keysweep-bigpack-XXXXXX";
  ASSERT_NE(nullptr, mkdtemp(tmpl));
  const fs::path dir = tmpl;
  const fs::path pack_path = dir / "big.pack";
  {
    std::FILE* f = std::fopen(pack_path.c_str(), "wb");
    ASSERT_NE(nullptr, f);
    std::string head = std::string("PACK\0\0\0\2\0\0\0\2", 12) + entry(near_blob);
    std::fwrite(head.data(), 1, head.size(), f);
    ASSERT_EQ(0, fseeko(f, static_cast<off_t>(far), SEEK_SET));    // a hole up to 5 GiB
    std::string tail = entry(far_blob) + std::string(20, '\x5a');  // trailer: never checked
    std::fwrite(tail.data(), 1, tail.size(), f);
    ASSERT_EQ(0, std::fclose(f));
  }
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string id_near(20, '\x11'), id_far(20, '\x22');
  std::string idx = std::string("\377tOc", 4) + be32(2);
  for (int i = 0; i < 256; ++i) idx += be32(i < 0x11 ? 0 : i < 0x22 ? 1 : 2);
  idx += id_near + id_far + be32(0) + be32(0);  // ids, CRCs (not read)
  idx += be32(12) + be32(0x80000000u);          // 31-bit offset; index 0 of the 64-bit table
  idx += be32(static_cast<uint32_t>(far >> 32)) + be32(static_cast<uint32_t>(far));
  idx += std::string(40, '\0');  // pack and index checksums
  auto mapped = MappedFile::open(pack_path.string());
  ASSERT_TRUE(mapped) << mapped.error().message;
  ASSERT_GT((*mapped)->bytes().size(), far);

  CollectingDiagnostics diags;
  auto pack = PackFile::open((*mapped)->bytes(), idx, "big.pack", diags);
  ASSERT_TRUE(pack) << pack.error().message;
  EXPECT_TRUE(diags.take().empty());
  EXPECT_EQ(12u, (*pack)->offset(0));
  EXPECT_EQ(far, (*pack)->offset(1));
  SizeReader sizes;
  EXPECT_EQ(near_blob.size(), *(*pack)->object_size(0, sizes));
  EXPECT_EQ(far_blob.size(), *(*pack)->object_size(1, sizes));
  auto chains = (*pack)->chains();
  ASSERT_EQ(2u, chains.size());
  EXPECT_EQ(0u, chains[0].root);                // pack order
  EXPECT_EQ(far - 12, chains[0].packed_bytes);  // the entry before the hole runs up to 5 GiB
  std::map<uint32_t, std::string> got;
  Resolver r;
  for (const auto& c : chains)
    (*pack)->resolve(
        c, r,
        [&](uint32_t e, ObjectType t, std::string_view bytes) {
          EXPECT_EQ(ObjectType::kBlob, t);
          got[e] = bytes;
        },
        diags);
  EXPECT_TRUE(diags.take().empty());
  EXPECT_EQ(near_blob, got[0]);
  EXPECT_EQ(far_blob, got[1]);
  std::string out;
  EXPECT_TRUE((*pack)->read_standalone(1, r, out, diags));
  EXPECT_EQ(far_blob, out);

  // An index naming a 64-bit offset past its table is refused, with the entry named.
  std::string bad = idx;
  bad.replace(8 + 1024 + 40 + 8 + 4, 4, be32(0x80000001u));
  auto refused = PackIndex::parse(bad);
  ASSERT_FALSE(refused);
  EXPECT_NE(std::string::npos, refused.error().message.find("object 1 names 64-bit offset 1"))
      << refused.error().message;
  fs::remove_all(dir);
}

TEST(Delta, AppliesCopyAndInsert) {
  std::string out;
  // base 6 bytes, result 7: copy 3 bytes at 1, insert "xyz", copy 1 byte at 0.
  std::string delta = std::string("\x06\x07", 2) + "\x91\x01\x03" + "\x03xyz" + "\x90\x01";
  ASSERT_TRUE(apply_delta("abcdef", delta, 100, out));
  EXPECT_EQ("bcdxyza", out);
}

TEST(Delta, RejectsOutOfBoundsAndLies) {
  std::string out;
  auto err = [&](std::string_view base, std::string delta) {
    auto r = apply_delta(base, delta, 1000, out);
    return r ? std::string("ok") : r.error().message;
  };
  EXPECT_NE("ok", err("abc", std::string("\x03\x02", 2) + "\x91\x02\x02"));  // copy past the base
  EXPECT_NE("ok", err("abc", std::string("\x04\x01", 2) + "\x01x"));         // wrong base size
  EXPECT_NE("ok", err("abc", std::string("\x03\x02", 2) + "\x05xy"));        // insert cut short
  EXPECT_NE("ok", err("abc", std::string("\x03\x02\x00", 3)));               // reserved op
  EXPECT_NE("ok", err("abc", std::string("\x03\x03", 2) + "\x01x"));         // result too short
  EXPECT_NE("ok", err("abc", std::string("\x03\x01", 2) + "\x02xy"));        // result too long
  EXPECT_NE("ok", err("abc", std::string("\x03\xff\xff\xff\x7f", 5)));       // over the limit
  EXPECT_NE("ok", err("abc", std::string("\x03\x80", 2)));                   // size cut short
}

}  // namespace
}  // namespace keysweep::gitpack
