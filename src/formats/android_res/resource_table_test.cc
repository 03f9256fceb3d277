#include "formats/android_res/resource_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "formats/android_res/android_extractors.h"
#include "formats/android_res/test_chunks.h"
#include "formats/labelled_text.h"

namespace keysweep::android_res {
namespace {

using namespace test;

// ---- a table built by hand: dense, sparse, 16-bit-offset and compact entries ----------------

std::string config(bool french) {
  std::string c = u32(64) + std::string(60, '\0');
  if (french) c[8] = 'f', c[9] = 'r';  // ResTable_config::language
  return c;
}

std::string simple_entry(uint32_t key, uint8_t type, uint32_t data) {
  return u16(8) + u16(0) + u32(key) + u16(8) + u8(0) + u8(type) + u32(data);
}

// A configuration with a qualifier other than a language: values-v21/ (ResTable_config's
// sdkVersion, at byte 28).
std::string config_v21() {
  std::string c = config(false);
  c[28] = 21;
  return c;
}

std::string type_chunk_in(const std::string& c, uint8_t id, uint8_t flags, uint32_t entry_count,
                          const std::string& index, const std::string& entries) {
  uint32_t entries_start = static_cast<uint32_t>(8 + 12 + c.size() + index.size());
  std::string header = u8(id) + u8(flags) + u16(0) + u32(entry_count) + u32(entries_start) + c;
  return chunk(0x0201, header, index + entries);
}

std::string type_chunk(uint8_t id, uint8_t flags, uint32_t entry_count, const std::string& index,
                       const std::string& entries, bool french = false) {
  return type_chunk_in(config(french), id, flags, entry_count, index, entries);
}

const std::vector<std::string> kValues = {"5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f", "AKIAQ3MZ7XK2WPN4HT6B",
                                          "api.example.com", "backup.example.com", "bonjour",
                                          "hello"};

std::string hand_built_table(bool utf8, std::string* dense_chunk_out = nullptr) {
  std::string types = string_pool({"string", "array"}, utf8);
  std::string keys = string_pool(
      {"twilio_auth_token", "aws_access_key_id", "retries", "servers", "greeting"}, utf8);

  // string, default config, dense u32 offsets: 0 twilio, 1 aws, 2 retries (an int), 3 absent,
  // 4 greeting as a compact entry (key in `size`, type in the high byte of `flags`).
  std::string e0 = simple_entry(0, 0x03, 0), e1 = simple_entry(1, 0x03, 1),
              e2 = simple_entry(2, 0x10, 3);
  std::string e4 = u16(4) + u16(0x0008 | (0x03 << 8)) + u32(5);
  std::string dense_entries = e0 + e1 + e2 + e4;
  std::string dense_index = u32(0) + u32(16) + u32(32) + u32(0xFFFFFFFF) + u32(48);
  std::string dense = type_chunk(1, 0, 5, dense_index, dense_entries);

  // string, "fr", sparse: (index 0 -> twilio again, same value), (index 4 -> "bonjour").
  std::string sparse_entries = simple_entry(0, 0x03, 0) + simple_entry(4, 0x03, 4);
  std::string sparse_index = u16(0) + u16(0) + u16(4) + u16(16 / 4);
  std::string sparse = type_chunk(1, 0x01, 2, sparse_index, sparse_entries, true);

  // array, default config, 16-bit offsets: 0 servers = [api, backup].
  std::string complex = u16(16) + u16(0x0001) + u32(3) + u32(0) + u32(2) + u32(0x02000000) +
                        u16(8) + u8(0) + u8(0x03) + u32(2) + u32(0x02000001) + u16(8) + u8(0) +
                        u8(0x03) + u32(3);
  std::string array = type_chunk(2, 0x02, 2, u16(0) + u16(0xFFFF), complex);

  std::string pkg_header = u32(0x7f) + std::string(256, '\0');
  uint32_t type_strings = 8 + 4 + 256 + 20;
  uint32_t key_strings = type_strings + static_cast<uint32_t>(types.size());
  pkg_header += u32(type_strings) + u32(0) + u32(key_strings) + u32(0) + u32(0);
  std::string package = chunk(0x0200, pkg_header, types + keys + dense + sparse + array);
  if (dense_chunk_out) *dense_chunk_out = dense;
  return chunk(0x0002, u32(1), string_pool(kValues, utf8) + package);
}

// A reported value, copied out of the callback (the parser's views do not outlive it).
struct SeenString {
  std::string symbol;
  std::string value;
  bool default_config;
};

SeenString seen(const ResourceString& s) {
  return {resource_symbol(s), std::string(s.value), s.default_config};
}

std::vector<SeenString> parse_all(const std::string& data, ParseNotes* notes_out = nullptr,
                                  Result<ResourceTableStats>* result = nullptr,
                                  const ResourceTableOptions& options = {}) {
  std::vector<SeenString> out;
  ParseNotes notes;
  auto r = parse_resource_table(
      data, Limits{}, [&](const ResourceString& s) { out.push_back(seen(s)); }, notes, options);
  if (notes_out) *notes_out = notes;
  if (result) *result = r;
  return out;
}

std::multimap<std::string, std::pair<std::string, bool>> by_symbol(
    const std::vector<SeenString>& v) {
  std::multimap<std::string, std::pair<std::string, bool>> m;
  for (const auto& s : v) m.emplace(s.symbol, std::make_pair(s.value, s.default_config));
  return m;
}

class HandBuiltTable : public ::testing::TestWithParam<bool> {};

TEST_P(HandBuiltTable, ReadsDenseSparseOffset16CompactAndComplexEntries) {
  ParseNotes notes;
  Result<ResourceTableStats> r;
  auto m = by_symbol(parse_all(hand_built_table(GetParam()), &notes, &r));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(notes.messages().empty()) << notes.messages().front();
  using V = std::pair<std::string, bool>;
  auto values = [&](const std::string& sym) {
    std::vector<V> v;
    for (auto [it, end] = m.equal_range(sym); it != end; ++it) v.push_back(it->second);
    return v;
  };
  EXPECT_EQ(values("@string/twilio_auth_token"),
            (std::vector<V>{{kValues[0], true}, {kValues[0], false}}));
  EXPECT_EQ(values("@string/aws_access_key_id"), (std::vector<V>{{kValues[1], true}}));
  EXPECT_EQ(values("@string/greeting"), (std::vector<V>{{"hello", true}, {"bonjour", false}}));
  EXPECT_EQ(values("@array/servers[0]"), (std::vector<V>{{"api.example.com", true}}));
  EXPECT_EQ(values("@array/servers[1]"), (std::vector<V>{{"backup.example.com", true}}));
  EXPECT_TRUE(values("@string/retries").empty()) << "an integer is not a string value";
  EXPECT_EQ(m.size(), 7u);
  EXPECT_EQ(r->packages, 1u);
}

TEST_P(HandBuiltTable, UniqueValuesReportsAValueOnceAcrossConfigurations) {
  ResourceTableOptions options;
  options.unique_values = true;
  Result<ResourceTableStats> r;
  auto m = by_symbol(parse_all(hand_built_table(GetParam()), nullptr, &r, options));
  ASSERT_TRUE(r) << r.error().message;
  // twilio_auth_token holds the same string under the default and the "fr" configuration: one
  // line. greeting differs by configuration ("hello", "bonjour"): both stay, and so do the
  // items of the array, which share the resource id but not the item name.
  EXPECT_EQ(m.count("@string/twilio_auth_token"), 1u);
  EXPECT_EQ(m.count("@string/greeting"), 2u);
  EXPECT_EQ(m.count("@array/servers[0]"), 1u);
  EXPECT_EQ(m.count("@array/servers[1]"), 1u);
  EXPECT_EQ(m.size(), 6u);
}

// A table of one package with one type, "string": `count` dense entries (`index`, `entries`)
// under the default and the same under the "fr" configuration.
std::string string_table_in_two_configs(const std::vector<std::string>& values,
                                        const std::vector<std::string>& key_names, uint32_t count,
                                        const std::string& index, const std::string& entries,
                                        bool utf8) {
  std::string types = string_pool({"string"}, utf8), keys = string_pool(key_names, utf8);
  std::string body = types + keys + type_chunk(1, 0, count, index, entries) +
                     type_chunk(1, 0, count, index, entries, true);
  std::string pkg_header = u32(0x7f) + std::string(256, '\0');
  uint32_t type_strings = 8 + 4 + 256 + 20;
  pkg_header += u32(type_strings) + u32(0) + u32(type_strings + static_cast<uint32_t>(types.size())) + u32(0) + u32(0);
  return chunk(0x0002, u32(1), string_pool(values, utf8) + chunk(0x0200, pkg_header, body));
}

// `resources` strings under the default and the "fr" configuration, each the same value in both;
// resource i holds value i % `pool_strings`.
std::string repeated_table(uint32_t resources, uint32_t pool_strings, bool utf8) {
  std::vector<std::string> values, key_names;
  for (uint32_t i = 0; i < pool_strings; ++i) values.push_back("value-" + std::to_string(i));
  for (uint32_t i = 0; i < resources; ++i) key_names.push_back("key_" + std::to_string(i));
  std::string index, entries;
  for (uint32_t i = 0; i < resources; ++i) {
    index += u32(i * 16);
    entries += simple_entry(i, 0x03, i % pool_strings);
  }
  return string_table_in_two_configs(values, key_names, resources, index, entries, utf8);
}

// A pair whose value another resource reported first goes to a set that grows as it must: a
// table with far more resources than pool strings (most pairs go there) and one with a string per
// resource (none do) both report each resource once with unique_values, twice without.
TEST_P(HandBuiltTable, UniqueValuesHoldsWhetherOrNotTheSetGrows) {
  for (uint32_t pool_strings : {3u, 5000u}) {
    const std::string table = repeated_table(5000, pool_strings, GetParam());
    ResourceTableOptions unique;
    unique.unique_values = true;
    Result<ResourceTableStats> r;
    auto once = by_symbol(parse_all(table, nullptr, &r, unique));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(once.size(), 5000u) << pool_strings << " pool strings";
    EXPECT_EQ(once.count("@string/key_4999"), 1u);
    EXPECT_EQ(once.find("@string/key_4999")->second.first, "value-" + std::to_string(4999 % pool_strings));
    EXPECT_EQ(parse_all(table).size(), 10000u) << pool_strings << " pool strings";
  }
}

// A type chunk of `count` slots (32- or 16-bit offsets) where only the slots in `present` hold an
// entry: runs of empty slots are passed 64 bytes, then 16 bytes at a time, so the entries sit on
// both sides of those blocks' edges.
std::string mostly_empty_table(uint32_t count, const std::vector<uint32_t>& present, bool offset16,
                               bool utf8) {
  std::vector<std::string> values, key_names;
  for (uint32_t i = 0; i < count; ++i) {
    values.push_back("value-" + std::to_string(i));
    key_names.push_back("key_" + std::to_string(i));
  }
  std::string index, entries;
  for (uint32_t i = 0; i < count; ++i) {
    const bool here = std::find(present.begin(), present.end(), i) != present.end();
    const uint32_t at = static_cast<uint32_t>(entries.size());
    if (offset16) index += here ? u16(static_cast<uint16_t>(at / 4)) : u16(0xFFFF);
    else index += here ? u32(at) : u32(0xFFFFFFFF);
    if (here) entries += simple_entry(i, 0x03, i);
  }
  pad4(index);
  std::string types = string_pool({"string"}, utf8), keys = string_pool(key_names, utf8);
  std::string body = types + keys + type_chunk(1, offset16 ? 0x02 : 0, count, index, entries);
  std::string pkg_header = u32(0x7f) + std::string(256, '\0');
  uint32_t type_strings = 8 + 4 + 256 + 20;
  pkg_header += u32(type_strings) + u32(0) + u32(type_strings + static_cast<uint32_t>(types.size())) + u32(0) + u32(0);
  return chunk(0x0002, u32(1), string_pool(values, utf8) + chunk(0x0200, pkg_header, body));
}

TEST_P(HandBuiltTable, EntriesAmongRunsOfEmptySlotsAreAllRead) {
  const std::vector<uint32_t> present = {0, 3, 4, 15, 16, 17, 31, 32, 47, 63, 64, 65, 95, 96, 127, 128, 199};
  for (bool offset16 : {false, true}) {
    for (uint32_t count : {200u, 129u, 16u}) {
      std::vector<uint32_t> here;
      for (uint32_t i : present)
        if (i < count) here.push_back(i);
      ParseNotes notes;
      Result<ResourceTableStats> r;
      auto seen_values = parse_all(mostly_empty_table(count, here, offset16, GetParam()), &notes, &r);
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_TRUE(notes.messages().empty()) << notes.messages().front();
      std::vector<std::string> symbols, expected;
      for (const auto& v : seen_values) {
        symbols.push_back(v.symbol);
        EXPECT_EQ(v.value, "value-" + v.symbol.substr(std::string("@string/key_").size()));
      }
      for (uint32_t i : here) expected.push_back("@string/key_" + std::to_string(i));
      EXPECT_EQ(symbols, expected) << count << " slots, 16-bit offsets: " << offset16;
    }
  }
}

TEST_P(HandBuiltTable, MinValueUnitsLeavesOutShortValuesOnly) {
  ResourceTableOptions options;
  options.min_value_units = 6;
  Result<ResourceTableStats> r;
  auto m = by_symbol(parse_all(hand_built_table(GetParam()), nullptr, &r, options));
  ASSERT_TRUE(r) << r.error().message;
  using V = std::pair<std::string, bool>;
  std::vector<V> greeting;
  for (auto [it, end] = m.equal_range("@string/greeting"); it != end; ++it) greeting.push_back(it->second);
  // "hello" has 5 units and is left out; "bonjour" (7) and every longer value stay.
  EXPECT_EQ(greeting, (std::vector<V>{{"bonjour", false}}));
  EXPECT_EQ(m.count("@string/twilio_auth_token"), 2u);
  EXPECT_EQ(m.count("@array/servers[1]"), 1u);
  EXPECT_EQ(m.size(), 6u);
}

INSTANTIATE_TEST_SUITE_P(Utf8AndUtf16, HandBuiltTable, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Utf8" : "Utf16"; });

// A language qualifier (values-fr/) makes a translation; another qualifier (values-v21/) does not.
TEST(ResourceTable, ValuesUnderALanguageAreTranslations) {
  std::string types = string_pool({"string"}, true);
  std::string keys = string_pool({"label"}, true);
  std::string chunks = type_chunk_in(config(false), 1, 0, 1, u32(0), simple_entry(0, 0x03, 0)) +
                       type_chunk_in(config_v21(), 1, 0, 1, u32(0), simple_entry(0, 0x03, 1)) +
                       type_chunk_in(config(true), 1, 0, 1, u32(0), simple_entry(0, 0x03, 2));
  std::string pkg_header = u32(0x7f) + std::string(256, '\0');
  uint32_t type_strings = 8 + 4 + 256 + 20;
  uint32_t key_strings = type_strings + static_cast<uint32_t>(types.size());
  pkg_header += u32(type_strings) + u32(0) + u32(key_strings) + u32(0) + u32(0);
  std::string table = chunk(0x0002, u32(1),
                            string_pool({"default-value", "v21-value", "valeur-fr"}, true) +
                                chunk(0x0200, pkg_header, types + keys + chunks));
  std::vector<std::pair<std::string, bool>> seen_values;
  ParseNotes notes;
  ASSERT_TRUE(parse_resource_table(
      table, Limits{},
      [&](const ResourceString& s) { seen_values.emplace_back(s.value, s.translation); }, notes));
  EXPECT_EQ(seen_values, (std::vector<std::pair<std::string, bool>>{
                             {"default-value", false}, {"v21-value", false}, {"valeur-fr", true}}));
}

TEST(ResourceTable, EntryOffsetPastItsChunkIsNotedAndTheRestStillRead) {
  std::string dense;
  std::string table = hand_built_table(true, &dense);
  size_t at = table.find(dense);
  ASSERT_NE(at, std::string::npos);
  size_t index = at + 8 + 12 + 64;  // first dense offset
  table.replace(index, 4, u32(0x7FFFFFF0));
  ParseNotes notes;
  Result<ResourceTableStats> r;
  auto m = by_symbol(parse_all(table, &notes, &r));
  ASSERT_TRUE(r);
  EXPECT_FALSE(notes.messages().empty());
  EXPECT_EQ(m.count("@string/aws_access_key_id"), 1u);
  EXPECT_EQ(m.count("@string/twilio_auth_token"), 1u);  // only the "fr" one is left
}

TEST(ResourceTable, ValueIndexOutOfThePoolIsNotedNotEmitted) {
  std::string dense;
  std::string table = hand_built_table(false, &dense);
  size_t at = table.find(dense);
  size_t entries = at + 8 + 12 + 64 + 20;
  table.replace(entries + 12, 4, u32(999));  // twilio's Res_value data
  ParseNotes notes;
  auto m = by_symbol(parse_all(table, &notes));
  ASSERT_FALSE(notes.messages().empty());
  EXPECT_NE(notes.messages().front().find("out of range"), std::string::npos);
  EXPECT_EQ(m.count("@string/twilio_auth_token"), 1u);
}

// `count` string resources under the default and the "fr" configuration; resource i holds value
// i, except that the resources in `past` point past their chunk and those in `unreadable` hold a
// value index past the pool.
std::string table_with_bad_entries(uint32_t count, const std::vector<uint32_t>& past,
                                   const std::vector<uint32_t>& unreadable) {
  std::vector<std::string> values, key_names;
  for (uint32_t i = 0; i < count; ++i) {
    values.push_back("value-" + std::to_string(i));
    key_names.push_back("key_" + std::to_string(i));
  }
  auto in = [](const std::vector<uint32_t>& v, uint32_t i) {
    return std::find(v.begin(), v.end(), i) != v.end();
  };
  std::string index, entries;
  for (uint32_t i = 0; i < count; ++i) {
    index += u32(in(past, i) ? 0x7FFFFFF0 : i * 16);
    entries += simple_entry(i, 0x03, in(unreadable, i) ? 1000 + i : i);
  }
  return string_table_in_two_configs(values, key_names, count, index, entries, true);
}

// Entries are read some way behind the scan that finds them (their values are prefetched in
// between): values and notes still come in entry order, chunk after chunk, and a broken value is
// noted once per resource with unique_values (both configurations hold it), twice without.
TEST(ResourceTable, ValuesAndNotesComeInEntryOrder) {
  const std::vector<uint32_t> past = {3, 11, 12, 29}, unreadable = {0, 5, 17, 30};
  for (uint32_t count : {2u, 9u, 31u}) {
    for (bool unique : {false, true}) {
      ResourceTableOptions options;
      options.unique_values = unique;
      ParseNotes notes;
      Result<ResourceTableStats> r;
      auto got = parse_all(table_with_bad_entries(count, past, unreadable), &notes, &r, options);
      ASSERT_TRUE(r) << r.error().message;
      std::vector<std::string> symbols, expected_symbols, expected_notes;
      for (const auto& v : got) symbols.push_back(v.symbol + "=" + v.value);
      for (int config = 0; config < 2; ++config) {
        for (uint32_t i = 0; i < count; ++i) {
          const std::string key = "key_" + std::to_string(i);
          if (std::find(past.begin(), past.end(), i) != past.end()) {
            expected_notes.push_back("entry " + std::to_string(i) + " of type string points past its chunk");
          } else if (std::find(unreadable.begin(), unreadable.end(), i) != unreadable.end()) {
            if (!unique || config == 0) expected_notes.push_back("@string/" + key + " at ");
          } else if (!unique || config == 0) {
            expected_symbols.push_back("@string/" + key + "=value-" + std::to_string(i));
          }
        }
      }
      EXPECT_EQ(symbols, expected_symbols) << count << " entries, unique " << unique;
      ASSERT_EQ(notes.messages().size(), expected_notes.size()) << count << " entries, unique " << unique;
      for (size_t k = 0; k < expected_notes.size(); ++k) {
        EXPECT_NE(notes.messages()[k].find(expected_notes[k]), std::string::npos)
            << notes.messages()[k] << " (expected " << expected_notes[k] << ")";
      }
    }
  }
}

TEST(ResourceTable, LyingEntryCountSkipsTheTypeChunk) {
  std::string dense;
  std::string table = hand_built_table(true, &dense);
  size_t at = table.find(dense);
  table.replace(at + 12, 4, u32(0x40000000));
  ParseNotes notes;
  Result<ResourceTableStats> r;
  auto m = by_symbol(parse_all(table, &notes, &r));
  ASSERT_TRUE(r);
  EXPECT_EQ(m.count("@string/aws_access_key_id"), 0u);
  EXPECT_EQ(m.count("@array/servers[1]"), 1u);
  EXPECT_FALSE(notes.messages().empty());
}

TEST(ResourceTable, EveryTruncationIsAnErrorOrFewerValuesNeverACrash) {
  std::string table = hand_built_table(false);
  for (size_t n = 0; n < table.size(); ++n) {
    std::string cut = table.substr(0, n);
    Result<ResourceTableStats> r;
    auto values = parse_all(cut, nullptr, &r);
    EXPECT_FALSE(r) << "a table cut at " << n << " still claims its full size";
    EXPECT_TRUE(values.empty());
  }
  // With the declared size shrunk to match, a cut table reads what is left.
  for (size_t n = 12; n < table.size(); n += 7) {
    std::string cut = table.substr(0, n);
    cut.replace(4, 4, u32(static_cast<uint32_t>(n)));
    (void)parse_all(cut);
  }
}

TEST(ResourceTable, SniffWantsTheTableHeader) {
  std::string table = hand_built_table(true);
  EXPECT_TRUE(looks_like_resource_table(table));
  EXPECT_FALSE(looks_like_resource_table(table.substr(0, table.size() - 1)));  // size > blob
  EXPECT_FALSE(looks_like_resource_table("<?xml version=\"1.0\"?>"));
  EXPECT_FALSE(looks_like_resource_table(""));
}

// ---- the extractor ------------------------------------------------------------------------

class CollectSink final : public DiagnosticSink {
 public:
  void report(Diagnostic d) override { notes.push_back(d.message); }
  std::vector<std::string> notes;
};

std::vector<Blob> extract_arsc(const std::string& data, CollectSink& sink, Limits limits = {}) {
  auto ex = make_arsc_extractor();
  Blob blob(data, nullptr, {"app.apk", "resources.arsc"});
  EXPECT_TRUE(ex->sniff(blob));
  EXPECT_FALSE(ex->scan_raw_too());
  uint64_t expanded = 0;
  ExtractContext ctx{limits, sink, &expanded};
  std::vector<Blob> out;
  auto r = ex->extract(blob, ctx, [&](Blob b) { out.push_back(std::move(b)); });
  EXPECT_TRUE(r) << r.error().message;
  return out;
}

TEST(ArscExtractor, RendersOneLinePerDistinctNameAndValue) {
  CollectSink sink;
  auto children = extract_arsc(hand_built_table(true), sink);
  ASSERT_EQ(children.size(), 2u);
  const Blob& text = children[0];
  EXPECT_EQ(text.display_path(), "app.apk!resources.arsc!values");
  EXPECT_FALSE(text.translated());
  std::string_view t = text.bytes();
  size_t at = t.find("_string_twilio_auth_token = \"5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f\"\n");
  ASSERT_NE(at, std::string::npos) << t;
  EXPECT_EQ(text.label_at(at + 30), "@string/twilio_auth_token");
  EXPECT_EQ(t.find("_string_twilio_auth_token", at + 1), std::string::npos)
      << "the same value under the fr config is one line, not two";
  EXPECT_NE(t.find("_array_servers_1_ = \"backup.example.com\""), std::string::npos);
  EXPECT_EQ(t.find("hello"), std::string::npos) << "5 units: shorter than any secret";
  EXPECT_EQ(text.segments().size(), 4u);
  // The French value, and only it, is a translation.
  const Blob& translations = children[1];
  EXPECT_EQ(translations.display_path(), "app.apk!resources.arsc!translations");
  EXPECT_TRUE(translations.translated());
  EXPECT_EQ(translations.bytes(), "_string_greeting = \"bonjour\"\n");
  EXPECT_EQ(translations.label_at(0), "@string/greeting");
}

// Translations of one resource come in chunks far apart, and the extractor writes their symbol
// once and shares it; a crafted table that gives the same id another name in a later chunk must
// still have that name on its line.
TEST(ArscExtractor, LinesOfOneResourceInSeveralChunksKeepTheirOwnNames) {
  std::string types = string_pool({"string"}, true);
  std::string keys = string_pool({"api_key", "other_name"}, true);
  // Configurations that are not languages, so every line is in the one text "values".
  auto one_entry_chunk = [](uint32_t key, uint32_t value, bool v21) {
    return type_chunk_in(v21 ? config_v21() : config(false), 1, 0, 1, u32(0),
                         simple_entry(key, 0x03, value));
  };
  std::string chunks = one_entry_chunk(0, 0, false) + one_entry_chunk(0, 1, true) +
                       one_entry_chunk(1, 2, true) + one_entry_chunk(0, 3, false);
  std::string pkg_header = u32(0x7f) + std::string(256, '\0');
  uint32_t type_strings = 8 + 4 + 256 + 20;
  uint32_t key_strings = type_strings + static_cast<uint32_t>(types.size());
  pkg_header += u32(type_strings) + u32(0) + u32(key_strings) + u32(0) + u32(0);
  std::string package = chunk(0x0200, pkg_header, types + keys + chunks);
  std::string table = chunk(
      0x0002, u32(1),
      string_pool({"value-default-1", "valeur-francaise-1", "valeur-crafted-2", "value-again-3"},
                  true) +
          package);

  CollectSink sink;
  auto children = extract_arsc(table, sink);
  ASSERT_EQ(children.size(), 1u);
  const Blob& text = children[0];
  EXPECT_EQ(text.bytes(),
            "_string_api_key = \"value-default-1\"\n"
            "_string_api_key = \"valeur-francaise-1\"\n"
            "_string_other_name = \"valeur-crafted-2\"\n"
            "_string_api_key = \"value-again-3\"\n");
  std::vector<std::string> labels;
  for (const RenderedLine& line : rendered_lines(text)) labels.emplace_back(line.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"@string/api_key", "@string/api_key",
                                              "@string/other_name", "@string/api_key"}));
  EXPECT_EQ(text.label_at(text.bytes().rfind("value-again-3")), "@string/api_key");
  EXPECT_TRUE(sink.notes.empty());
}

TEST(ArscExtractor, RenderedTextStaysWithinTheEntrySizeLimit) {
  CollectSink sink;
  Limits limits;
  limits.max_entry_size = 120;  // room for two of the five lines (the 5-unit "hello" is left out)
  auto children = extract_arsc(hand_built_table(true), sink, limits);
  ASSERT_EQ(children.size(), 1u);
  EXPECT_LE(children[0].size(), 120u);
  EXPECT_EQ(children[0].segments().size(), 2u);
  ASSERT_EQ(sink.notes.size(), 1u);
  EXPECT_EQ(sink.notes[0], "3 values not rendered: the text would pass the expansion limit");
}

// A table whose text passes a piece (1 MiB) is handed on in pieces, each a Blob of the same name
// placed by its offset_base and ending on a line's end; together they are the whole text, line for
// line, and every line keeps its own label, also where a label is shared between the lines of
// two languages and a piece ends between them.
TEST(ArscExtractor, ALargeTableIsHandedOnInPiecesThatTogetherAreTheWholeText) {
  constexpr size_t kKeys = 15000;
  std::vector<std::string> keys, defaults, french, german;
  for (size_t i = 0; i < kKeys; ++i) {
    const std::string n = std::to_string(i);
    keys.push_back("entry_" + n);
    defaults.push_back("default text number " + n + " of the table, long enough for a line");
    french.push_back("texte numero " + n + " de la table, assez long pour une ligne");
    german.push_back("Text Nummer " + n + " der Tabelle, lang genug fuer eine Zeile");
  }
  const std::string table = string_table(keys, {{"", defaults}, {"fr", french}, {"de", german}});
  CollectSink sink;
  auto children = extract_arsc(table, sink);
  EXPECT_TRUE(sink.notes.empty());

  // The whole text of each name, as one Blob would have held it.
  std::map<std::string, std::string> whole;
  for (size_t i = 0; i < kKeys; ++i) {
    const std::string key = "_string_entry_" + std::to_string(i);
    whole["values"] += key + " = \"" + defaults[i] + "\"\n";
  }
  for (const auto* language : {&french, &german})
    for (size_t i = 0; i < kKeys; ++i)
      whole["translations"] +=
          "_string_entry_" + std::to_string(i) + " = \"" + (*language)[i] + "\"\n";
  ASSERT_GT(whole["values"].size(), (size_t{1} << 20) + 1);
  ASSERT_GT(whole["translations"].size(), 2 * (size_t{1} << 20) + 1);

  std::map<std::string, std::string> joined;
  std::map<std::string, size_t> pieces;
  for (const Blob& piece : children) {
    const std::string name = piece.chain().back();
    ASSERT_TRUE(name == "values" || name == "translations") << name;
    EXPECT_EQ(piece.translated(), name == "translations");
    EXPECT_EQ(piece.offset_base(), joined[name].size()) << name << " piece " << pieces[name];
    ASSERT_FALSE(piece.bytes().empty());
    EXPECT_EQ(piece.bytes().back(), '\n') << "a piece ends on a line's end";
    EXPECT_EQ(piece.label_at(0).empty(), false) << "a piece's first line has its label";
    // Every line's label names the entry its value belongs to.
    for (const RenderedLine& line : rendered_lines(piece)) {
      const size_t number_at = line.value.find_first_of("0123456789");
      ASSERT_NE(number_at, std::string_view::npos) << line.value;
      const size_t number_end = line.value.find(' ', number_at);
      EXPECT_EQ(line.label, "@string/entry_" +
                                std::string(line.value.substr(number_at, number_end - number_at)))
          << line.value;
    }
    joined[name] += piece.bytes();
    ++pieces[name];
  }
  EXPECT_EQ(joined["values"], whole["values"]);
  EXPECT_EQ(joined["translations"], whole["translations"]);
  EXPECT_GE(pieces["values"], 2u);
  EXPECT_GE(pieces["translations"], 3u);
}

// ---- fixtures built by aapt, aapt2 and apktool ----------------------------------------------

// Whether the package holds a type chunk with the given flag (1 sparse, 2 offset16).
bool has_type_chunk_flag(const std::string& t, uint8_t flag) {
  for (size_t pos = 12; pos + 8 <= t.size();) {
    uint16_t type = static_cast<uint8_t>(t[pos]) | (static_cast<uint8_t>(t[pos + 1]) << 8);
    uint16_t hsize = static_cast<uint8_t>(t[pos + 2]) | (static_cast<uint8_t>(t[pos + 3]) << 8);
    uint32_t size = 0;
    for (int k = 3; k >= 0; --k) size = (size << 8) | static_cast<uint8_t>(t[pos + 4 + k]);
    if (size < 8) return false;
    if (type == 0x0200) {
      pos += hsize;  // walk into the package
      continue;
    }
    if (type == 0x0201 && (static_cast<uint8_t>(t[pos + 9]) & flag)) return true;
    pos += size;
  }
  return false;
}

class ArscFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(ArscFixture, ResourceStringsComeOutWithTheirNames) {
  std::string dir = fixture_dir();
  ASSERT_FALSE(dir.empty()) << "tests/fixtures/android/build_res_fixtures.sh failed";
  std::string data = read_file(dir + "/" + GetParam() + "/resources.arsc");
  ASSERT_FALSE(data.empty());
  ParseNotes notes;
  Result<ResourceTableStats> r;
  auto m = by_symbol(parse_all(data, &notes, &r));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(notes.messages().empty()) << notes.messages().front();
  auto one = [&](const std::string& sym) -> std::pair<std::string, bool> {
    auto [it, end] = m.equal_range(sym);
    if (it == end) return {"<missing>", false};
    return it->second;
  };
  using V = std::pair<std::string, bool>;
  EXPECT_EQ(one("@string/twilio_auth_token"), V("5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f", true));
  EXPECT_EQ(one("@string/aws_access_key_id"), V("AKIAQ3MZ7XK2WPN4HT6B", true));
  EXPECT_EQ(one("@string/greeting"), V("Grüße, 你好, привет 🔑", true));
  EXPECT_EQ(one("@array/servers[0]"), V("api.example.com", true));
  EXPECT_EQ(one("@array/servers[2]"), V("eu.example.com", true));
  EXPECT_EQ(one("@plurals/key_count[one]"), V("%d key", true));
  EXPECT_EQ(one("@plurals/key_count[other]"), V("%d keys", true));
  EXPECT_EQ(one("@xml/keys"), V("res/xml/keys.xml", true));
  bool french = false;
  for (auto [it, end] = m.equal_range("@string/filler_9"); it != end; ++it) {
    if (it->second == V("neuf", false)) french = true;
  }
  EXPECT_TRUE(french) << "the values-fr entry is read and marked non-default";
}

INSTANTIATE_TEST_SUITE_P(Tools, ArscFixture, ::testing::Values("aapt1", "aapt2", "apktool"));

TEST(ArscFixture, CoversBothPoolEncodingsAndASparseTypeChunk) {
  std::string dir = fixture_dir();
  ASSERT_FALSE(dir.empty());
  std::string v1 = read_file(dir + "/aapt1/resources.arsc");
  std::string v2 = read_file(dir + "/aapt2/resources.arsc");
  ASSERT_GT(v1.size(), 40u);
  ASSERT_GT(v2.size(), 40u);
  // The global pool follows the 12-byte table header; its flags sit 16 bytes in.
  EXPECT_EQ(static_cast<uint8_t>(v1[12 + 17]) & 1, 0) << "aapt (v1) pool is UTF-16";
  EXPECT_EQ(static_cast<uint8_t>(v2[12 + 17]) & 1, 1) << "aapt2 pool is UTF-8";
  EXPECT_TRUE(has_type_chunk_flag(v2, 0x01)) << "aapt2 --enable-sparse-encoding wrote no sparse chunk";
  EXPECT_FALSE(has_type_chunk_flag(v1, 0x01));
}

}  // namespace
}  // namespace keysweep::android_res
