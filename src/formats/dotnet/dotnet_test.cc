#include <gtest/gtest.h>

#include "formats/dotnet/assembly_store.h"
#include "formats/dotnet/dotnet_assembly.h"
#include "formats/dotnet/dotnet_extractor.h"
#include "formats/dotnet/dotnet_il.h"
#include "formats/dotnet/dotnet_test_fixture.h"
#include "formats/elf/elf_extractor.h"
#include "formats/format_test_support.h"
#include "io/byte_reader.h"

namespace keysweep {
namespace {

using namespace dotnet_test;
using format_test::Extracted;

Extracted run(const Extractor& ex, const std::string& bytes, const std::string& name) {
  Blob blob(bytes, nullptr, {"app.apk", name});
  EXPECT_TRUE(ex.sniff(blob));
  return format_test::extract(ex, blob);
}

const DotnetString* find_value(const DotnetAssembly& a, std::string_view value) {
  for (const DotnetString& s : a.strings)
    if (s.value == value) return &s;
  return nullptr;
}

// Offset of the #~ stream's data inside the file, found the way the parser does.
size_t tables_offset(const std::string& dll) {
  size_t md = dll.find("BSJB");
  ByteReader r(dll);
  uint32_t ver = *r.le_at<uint32_t>(md + 12);
  size_t pos = md + 16 + ver + 4;
  for (;;) {
    uint32_t off = *r.le_at<uint32_t>(pos);
    std::string name(dll.c_str() + pos + 8);
    if (name == "#~") return md + off;
    pos += 8 + ((name.size() + 4) & ~size_t{3});
  }
}

class DotnetFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dll_ = build_assembly(log_); }
  void SetUp() override {
    if (std::system("command -v mcs >/dev/null 2>&1") != 0) GTEST_SKIP() << "mcs is not installed";
    ASSERT_FALSE(dll_.empty()) << log_;
  }
  static inline std::string dll_, log_;
};

TEST_F(DotnetFixture, ReadsLiteralsWithTheirMethodsAndConstFields) {
  ASSERT_TRUE(looks_like_dotnet_assembly(dll_));
  auto a = parse_dotnet_assembly(dll_, 1u << 30);
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_TRUE(a->tables_read) << a->tables_problem;
  EXPECT_GE(a->user_strings, 7u);

  const DotnetString* key = find_value(*a, kAwsKeyId);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->symbol, "Contoso.Sms.AwsUploader.KeyId()");
  const DotnetString* sid = find_value(*a, kTwilioSid);
  ASSERT_NE(sid, nullptr);
  EXPECT_EQ(sid->symbol, "Contoso.Sms.AwsUploader.Sid()");
  // Reached only by walking past a switch table, so the IL walk handles counted operands.
  const DotnetString* sched = find_value(*a, "scheduled message");
  ASSERT_NE(sched, nullptr);
  EXPECT_EQ(sched->symbol, "Contoso.Sms.TwilioSettings.Describe()");
  const DotnetString* region = find_value(*a, "eu-central-1-upload");
  ASSERT_NE(region, nullptr);
  EXPECT_EQ(region->symbol, "Contoso.Sms.AwsUploader..cctor()");
  EXPECT_NE(find_value(*a, " Grüße ✓"), nullptr);  // UTF-16 with non-ASCII, as UTF-8

  // The const field's value lives in the Constant table; the field names it.
  bool const_found = false;
  for (const DotnetString& s : a->strings)
    const_found |= s.symbol == "Contoso.Sms.TwilioSettings.TwilioAuthToken" && s.value == kTwilioToken;
  EXPECT_TRUE(const_found);
}

TEST_F(DotnetFixture, ExtractorRendersLabelledLines) {
  auto r = run(DotnetAssemblyExtractor(), dll_, "assemblies/Contoso.Sms.dll");
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.children.size(), 1u);
  const Blob& c = r.children[0];
  EXPECT_EQ(c.chain(), (std::vector<std::string>{"app.apk", "assemblies/Contoso.Sms.dll", "strings"}));
  auto pos = c.bytes().find(kAwsKeyId);
  ASSERT_NE(pos, std::string_view::npos);
  EXPECT_EQ(c.label_at(pos), "Contoso.Sms.AwsUploader.KeyId()");
  EXPECT_NE(c.bytes().find("Contoso.Sms.TwilioSettings.TwilioAuthToken = \"" + std::string(kTwilioToken)),
            std::string_view::npos);
}

TEST_F(DotnetFixture, XalzIsDecompressedIntoAChildAssembly) {
  const std::string xalz = xalz_wrap(dll_);
  ASSERT_FALSE(DotnetAssemblyExtractor().sniff(Blob(xalz, nullptr, {"x.dll"})));
  auto r = run(XalzExtractor(), xalz, "assemblies/arm64-v8a/Contoso.Sms.dll");
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  ASSERT_EQ(r.children.size(), 1u);
  EXPECT_EQ(r.children[0].bytes(), dll_);
  EXPECT_EQ(r.children[0].chain().back(), "Contoso.Sms.dll");
  EXPECT_TRUE(DotnetAssemblyExtractor().sniff(r.children[0]));

  // Stated size wrong, block cut short, size over the limit: errors, not crashes.
  std::string bad = xalz;
  bad[8] = static_cast<char>(bad[8] + 1);
  auto e = decompress_xalz(bad, 1u << 30);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("does not decompress to its stated"), std::string::npos);
  EXPECT_FALSE(decompress_xalz(xalz.substr(0, xalz.size() / 2), 1u << 30));
  auto big = decompress_xalz(xalz, 1000);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kLimit);
  EXPECT_FALSE(decompress_xalz("XALZ\0\0", 1u << 30));
}

TEST_F(DotnetFixture, AssemblyStoresYieldEachAssembly) {
  const std::string xalz = xalz_wrap(dll_);
  const std::string store = assembly_store({dll_, xalz});
  auto r = run(AssemblyStoreExtractor(), store, "assemblies/assemblies.blob");
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  ASSERT_EQ(r.children.size(), 2u);
  EXPECT_EQ(r.children[0].bytes(), dll_);
  EXPECT_EQ(r.children[0].chain().back(), "assembly #0");
  EXPECT_EQ(r.children[1].bytes(), xalz);
  EXPECT_TRUE(XalzExtractor().sniff(r.children[1]));

  std::string bad = store;
  bad[4] = 2;  // .NET 9's layout
  auto e = parse_assembly_store(bad, 1000);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kUnsupported);
  bad = store;
  bad[10] = '\x7f';  // entry count (0x7f0002) past the descriptors
  e = parse_assembly_store(bad, 1u << 30);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("descriptors run past the end"), std::string::npos);
  EXPECT_EQ(parse_assembly_store(bad, 10).error().code, ErrorCode::kLimit);
  bad = store;
  bad[20 + 24 + 4 + 3] = '\x7f';  // second assembly's size
  e = parse_assembly_store(bad, 1000);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("assembly #1"), std::string::npos);
  for (size_t n = 0; n < 20 + 48; ++n) EXPECT_FALSE(parse_assembly_store(store.substr(0, n), 1000));
}

TEST_F(DotnetFixture, Net9StoresNameEachAssembly) {
  const std::string xalz = xalz_wrap(dll_);
  for (int format : {2, 3}) {
    SCOPED_TRACE(format);
    const StoreFiles files = make_store({{"Contoso.Sms.dll", dll_}, {"Contoso.Packed.dll", xalz}}, format);
    ASSERT_FALSE(files.raw.empty()) << files.log;
    auto store = parse_assembly_store(files.raw, 1000);
    ASSERT_TRUE(store) << store.error().to_string();
    EXPECT_EQ(store->format, static_cast<uint32_t>(format));
    EXPECT_EQ(store->abi, "x86_64");
    ASSERT_EQ(store->entries.size(), 2u);
    EXPECT_EQ(store->entries[0].name, "Contoso.Sms.dll");
    EXPECT_EQ(store->entries[0].data, dll_);
    EXPECT_EQ(store->entries[1].name, "Contoso.Packed.dll");
    EXPECT_EQ(store->entries[1].data, xalz);

    auto r = run(AssemblyStoreExtractor(), files.raw, "payload");
    ASSERT_TRUE(r.result) << r.result.error().to_string();
    EXPECT_TRUE(r.diagnostics.empty());
    ASSERT_EQ(r.children.size(), 2u);
    EXPECT_EQ(r.children[0].chain().back(), "Contoso.Sms.dll");
    EXPECT_TRUE(DotnetAssemblyExtractor().sniff(r.children[0]));
    EXPECT_EQ(r.children[1].chain().back(), "Contoso.Packed.dll");
    EXPECT_TRUE(XalzExtractor().sniff(r.children[1]));
  }
}

TEST_F(DotnetFixture, Net9StoreIsFoundInItsSharedLibrary) {
  const StoreFiles files = make_store({{"Contoso.Sms.dll", dll_}});
  ASSERT_FALSE(files.so.empty()) << files.log;
  auto r = run(ElfExtractor(), files.so, "lib/x86_64/libassemblies.x86_64.blob.so");
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  const Blob* payload = nullptr;
  for (const Blob& c : r.children)
    if (c.chain().back() == "payload") payload = &c;
  ASSERT_NE(payload, nullptr);
  EXPECT_EQ(payload->bytes(), files.raw);  // unchanged: no NUL-to-newline rendering
  EXPECT_TRUE(AssemblyStoreExtractor().sniff(*payload));
}

TEST_F(DotnetFixture, MalformedNet9StoresSayWhatIsWrong) {
  const StoreFiles files = make_store({{"Contoso.Sms.dll", dll_}, {"Contoso.Two.dll", dll_}});
  ASSERT_FALSE(files.raw.empty()) << files.log;
  const std::string& good = files.raw;
  // Header: 20 bytes; index: 4 entries of 12 bytes (64-bit v2); descriptors: 2 x 28 bytes.
  const size_t descriptors = 20 + 4 * 12, names = descriptors + 2 * 28;
  auto put = [](std::string& s, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
  };
  auto message = [](const std::string& bytes) {
    auto e = parse_assembly_store(bytes, 1u << 30);
    return e ? std::string("parsed") : e.error().message;
  };

  std::string bad = good;
  put(bad, 4, 0x80010004);  // format 4
  EXPECT_NE(message(bad).find("format version 0x80010004 is not supported"), std::string::npos);
  EXPECT_EQ(parse_assembly_store(bad, 1000).error().code, ErrorCode::kUnsupported);
  bad = good;
  put(bad, 4, 0x80070002);  // no such ABI
  EXPECT_EQ(parse_assembly_store(bad, 1000).error().code, ErrorCode::kUnsupported);

  bad = good;
  put(bad, 16, 47);  // index size that no entry size explains
  EXPECT_NE(message(bad).find("index of 4 entries cannot be 47 bytes"), std::string::npos) << message(bad);
  bad = good;
  put(bad, 12, 0x10000000);  // index entries x 12 bytes: past the end
  put(bad, 16, 0xC0000000);
  EXPECT_NE(message(bad).find("index (3221225472 bytes) runs past the end"), std::string::npos)
      << message(bad);
  bad = good;
  put(bad, 8, 0x00100000);  // entry count
  EXPECT_NE(message(bad).find("1048576 descriptors run past the end"), std::string::npos) << message(bad);

  bad = good;
  put(bad, descriptors + 28 + 8, 0x7FFFFFFF);  // second assembly's size
  EXPECT_NE(message(bad).find("assembly #1 (Contoso.Two.dll) (offset"), std::string::npos) << message(bad);

  // A broken name table: the assemblies are still listed, by number, with a warning.
  bad = good;
  put(bad, names, 0xFFFF);
  auto r = run(AssemblyStoreExtractor(), bad, "lib/x86_64/libassemblies.x86_64.blob.so");
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  ASSERT_EQ(r.children.size(), 2u);
  EXPECT_EQ(r.children[0].chain().back(), "assembly #0");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  const std::string warning = r.diagnostics[0].to_string();
  EXPECT_NE(warning.find("app.apk!lib/x86_64/libassemblies.x86_64.blob.so"), std::string::npos) << warning;
  EXPECT_NE(warning.find("name #0 at offset 124 has length 65535"), std::string::npos) << warning;

  // The extractor's error names the file.
  bad = good;
  put(bad, 16, 47);
  r = run(AssemblyStoreExtractor(), bad, "lib/x86_64/libassemblies.x86_64.blob.so");
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().path, "app.apk!lib/x86_64/libassemblies.x86_64.blob.so");

  // Cut anywhere: an error or a shorter listing, never a read past the end.
  for (size_t n = 0; n < good.size(); n += (n < 200 ? 1 : 97)) (void)parse_assembly_store(good.substr(0, n), 1000);
  for (size_t n = 0; n < names; ++n) EXPECT_FALSE(parse_assembly_store(good.substr(0, n), 1000)) << n;
}

TEST_F(DotnetFixture, Net10StoreSkipsIgnoredAssemblies) {
  const StoreFiles files = make_store({{"Contoso.Sms.dll", dll_}, {"Gone.dll", "x"}}, 3);
  ASSERT_FALSE(files.raw.empty()) << files.log;
  std::string store = files.raw;
  // The script writes v3 index entries as the current build task does (4-byte hash, descriptor
  // index, ignore byte: 9 bytes). An ignored assembly's descriptor has offset and size 0.
  const size_t descriptors = 20 + 4 * 9;
  for (size_t i = 0; i < 8; ++i) store[descriptors + 28 + 4 + i] = 0;
  auto s = parse_assembly_store(store, 1000);
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->entries.size(), 1u);
  EXPECT_EQ(s->entries[0].name, "Contoso.Sms.dll");
  EXPECT_EQ(s->ignored, 1u);
}

TEST_F(DotnetFixture, BrokenTablesStillListTheLiterals) {
  std::string bad = dll_;
  // Row count of the first table (Module) made absurd: the tables cannot be used, #US still can.
  const size_t rows = tables_offset(bad) + 24;
  bad[rows + 3] = '\x7f';
  auto a = parse_dotnet_assembly(bad, 1u << 30);
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_FALSE(a->tables_read);
  EXPECT_NE(a->tables_problem.find("runs past the #~ stream"), std::string::npos) << a->tables_problem;
  const DotnetString* key = find_value(*a, kAwsKeyId);
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(key->symbol.starts_with("#US 0x")) << key->symbol;

  auto r = run(DotnetAssemblyExtractor(), bad, "Contoso.Sms.dll");
  ASSERT_TRUE(r.result);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].to_string().find("string literals listed without their methods"), std::string::npos);
}

TEST_F(DotnetFixture, TruncatedAndCorruptAssembliesNeverCrash) {
  for (size_t n = 0; n < dll_.size(); n += 7) (void)parse_dotnet_assembly(dll_.substr(0, n), 1u << 20);
  // Every single byte of the headers and metadata set to 0xFF in turn.
  for (size_t i = 0; i < dll_.size(); ++i) {
    std::string bad = dll_;
    bad[i] = '\xff';
    (void)parse_dotnet_assembly(bad, 1u << 20);
  }
  std::string bad = dll_;
  const size_t md = bad.find("BSJB");
  bad[md] = 'X';
  auto e = parse_dotnet_assembly(bad, 1u << 20);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("BSJB"), std::string::npos);
}

TEST(Dotnet, IlWalkFindsLdstrPastEveryOperandShape) {
  // ldc.r8 <8>; switch 2 <8>; ldloc (FE 0C) <2>; ldstr 0x70000011; ldc.i4.s <1>; ldstr 0x70000029
  const std::string code("\x23" "12345678" "\x45\x02\x00\x00\x00" "abcdefgh" "\xFE\x0C\x01\x00"
                         "\x72\x11\x00\x00\x70" "\x1F\x72" "\x72\x29\x00\x00\x70" "\x2A",
                         39);
  std::vector<uint32_t> seen;
  EXPECT_TRUE(walk_il_for_ldstr(code, [&](uint32_t us) { seen.push_back(us); }));
  EXPECT_EQ(seen, (std::vector<uint32_t>{0x11, 0x29}));  // the 0x72 operand of ldc.i4.s is skipped
  // An undefined opcode stops the walk; what came before is kept.
  seen.clear();
  EXPECT_FALSE(walk_il_for_ldstr(code.substr(0, 31) + "\x24" + code.substr(31),
                                 [&](uint32_t us) { seen.push_back(us); }));
  EXPECT_EQ(seen, (std::vector<uint32_t>{0x11}));
  // A switch whose count runs past the body.
  EXPECT_FALSE(walk_il_for_ldstr(std::string("\x45\xff\xff\xff\x7f", 5), [](uint32_t) {}));
}

TEST(Dotnet, NativeAndNonPeFilesAreNotAssemblies) {
  EXPECT_FALSE(looks_like_dotnet_assembly("MZ but nothing else"));
  EXPECT_FALSE(looks_like_dotnet_assembly(std::string(512, '\0')));
  auto e = parse_dotnet_assembly("MZ" + std::string(100, '\0'), 1u << 20);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kMalformed);
}

}  // namespace
}  // namespace keysweep
