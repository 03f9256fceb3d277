#include <gtest/gtest.h>

#include "core/blob.h"
#include "core/secret.h"
#include "io/byte_reader.h"

namespace keysweep {
namespace {

TEST(Redaction, KeepsFourCharactersAtEachEnd) {
  EXPECT_EQ(redact_secret("AKIA2E4RTQ5NB7XKW3JM"), "AKIA\xE2\x80\xA6W3JM");
}

TEST(Redaction, ShortSecretsRevealAtMostAQuarter) {
  EXPECT_EQ(redact_secret("abcdefgh"), "ab\xE2\x80\xA6gh");
  EXPECT_EQ(redact_secret("abc"), "\xE2\x80\xA6");
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Entropy, UniformAndConstant) {
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0.0);
  EXPECT_NEAR(shannon_entropy("0123456789abcdef"), 4.0, 1e-9);
}

TEST(Utf8, ValidatesAndRepairs) {
  EXPECT_TRUE(is_valid_utf8("plain ascii text that is long enough"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));
  EXPECT_FALSE(is_valid_utf8("bad \xC3 byte"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // a UTF-16 surrogate encoded in UTF-8
  EXPECT_EQ(printable_utf8("a\xFFz\x01"), "a\xEF\xBF\xBDz.");
}

TEST(Fingerprint, StableAndSensitiveToEachPart) {
  auto a = finding_fingerprint("r", "h", "p", "s");
  EXPECT_EQ(a, finding_fingerprint("r", "h", "p", "s"));
  EXPECT_NE(a, finding_fingerprint("r2", "h", "p", "s"));
  EXPECT_NE(a, finding_fingerprint("r", "h", "p2", "s"));
  EXPECT_EQ(a.size(), 32u);
}

TEST(ByteReader, ReadsAndRefusesPastTheEnd) {
  std::string data("\x01\x02\x03\x04\x05", 5);
  ByteReader r(data);
  EXPECT_EQ(*r.u32le(), 0x04030201u);
  auto past = r.u32le();
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::kMalformed);
  EXPECT_EQ(*past.error().offset, 4u);
  EXPECT_EQ(*r.u8(), 5);
}

TEST(ByteReader, Uleb128) {
  std::string data("\xE5\x8E\x26\xFF\xFF\xFF\xFF\xFF", 8);
  ByteReader r(data);
  EXPECT_EQ(*r.uleb128(), 624485u);
  EXPECT_FALSE(r.uleb128());  // 5 continuation bytes: malformed
}

TEST(Blob, SegmentLabelsAndChildChains) {
  Blob parent = Blob::owning("k1 = v1\nk2 = v2\n", {"app.apk"});
  parent.segments().push_back({0, "@string/k1"});
  parent.segments().push_back({8, "@string/k2"});
  EXPECT_EQ(parent.label_at(3), "@string/k1");
  EXPECT_EQ(parent.label_at(9), "@string/k2");
  Blob child = parent.child("classes.dex", "bytes");
  EXPECT_EQ(child.display_path(), "app.apk!classes.dex");
  EXPECT_EQ(child.depth(), 1);
}

}  // namespace
}  // namespace keysweep
