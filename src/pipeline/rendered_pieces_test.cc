// An extractor hands a large rendered text on in pieces (Blob::offset_base): a finding in a later
// piece, found as written or inside an encoded run, reports its offset in the whole text, as when
// the text was one Blob, and the pieces count as one blob scanned. The table is built by hand
// (formats/android_res/test_chunks.h); its keys are fakes in the providers' formats.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "formats/android_res/test_chunks.h"
#include "pipeline/pipeline_test_support.h"
#include "pipeline/scan_pipeline.h"

namespace keysweep {
namespace {

namespace fs = std::filesystem;

TEST(RenderedPieces, FindingsInALaterPieceReportOffsetsInTheWholeText) {
  constexpr size_t kEntries = 15000;  // about 1.3 MB of text: two pieces
  const std::string plain_key = "AKIA2E4RTQ5NB7XKW3JM";
  const std::string encoded_key = "QUtJQVEzTVo3WEsyV1BONEhUNkI=";  // base64 of AKIAQ3MZ7XK2WPN4HT6B
  std::vector<std::string> keys, values;
  for (size_t i = 0; i < kEntries; ++i) {
    keys.push_back("entry_" + std::to_string(i));
    values.push_back("default text number " + std::to_string(i) + " of the table, long enough");
  }
  keys[kEntries - 20] = "upload_key";
  values[kEntries - 20] = plain_key;
  keys[kEntries - 10] = "encoded_config";
  values[kEntries - 10] = encoded_key;
  std::string whole;  // the text as one Blob would hold it
  for (size_t i = 0; i < kEntries; ++i) whole += "_string_" + keys[i] + " = \"" + values[i] + "\"\n";

  char tmpl[] = "/tmp/keysweep-pieces-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  const fs::path table = dir / "resources.arsc";
  std::ofstream(table, std::ios::binary) << android_res::test::string_table(keys, {{"", values}});

  ScanConfig config;
  config.jobs = 1;
  CollectingDiagnostics diagnostics;
  ScanPipeline pipeline(pipeline_test::builtin_matcher(), config);
  ScanOutcome out = pipeline.scan_paths({table.string()}, diagnostics);
  fs::remove_all(dir);

  const Finding* plain = nullptr;
  const Finding* decoded = nullptr;
  for (const Finding& f : out.findings) {
    if (f.rule_id != "aws.access_key_id") continue;
    (f.location.decoders.empty() ? plain : decoded) = &f;
  }
  ASSERT_NE(plain, nullptr);
  ASSERT_GT(whole.find(plain_key), size_t{1} << 20) << "the key must lie past the first piece";
  EXPECT_EQ(plain->location.offset, whole.find(plain_key));
  EXPECT_EQ(plain->location.symbol, "@string/upload_key");
  EXPECT_EQ(plain->location.display_path(), table.string() + "!values");
  ASSERT_NE(decoded, nullptr);
  EXPECT_EQ(decoded->location.offset, whole.find(encoded_key));
  EXPECT_EQ(decoded->location.symbol, "@string/encoded_config");
  EXPECT_EQ(out.summary.blobs_scanned, 1u) << "the pieces of one text are one blob";
  EXPECT_EQ(out.summary.bytes_scanned, whole.size());
}

}  // namespace
}  // namespace keysweep
