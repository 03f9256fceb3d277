// Pack reader tests. The oracle: repositories built here with git, repacked so that deltas chain
// (OFS_DELTA from `git repack -adf --depth=50 --window=250`, REF_DELTA with
// repack.useDeltaBaseOffset=false); every object the reader resolves must be byte-for-byte what
// `git cat-file --batch-all-objects --batch` prints. Then corrupted packs: diagnostics, no crash.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include "core/diagnostics.h"
#include "formats/format_test_support.h"
#include "formats/gitpack/git_delta.h"
#include "formats/gitpack/pack_reader.h"

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
