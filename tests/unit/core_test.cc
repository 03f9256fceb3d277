#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "core/app_restricted_key.h"
#include "core/blob.h"
#include "core/byte_buffer.h"
#include "core/diagnostics.h"
#include "core/percent_encode.h"
#include "core/risk.h"
#include "core/secret.h"
#include "core/text_wrap.h"
#include "core/utc_time.h"
#include "core/value_shape.h"
#include "io/byte_reader.h"
#include "io/memory_budget.h"
#include "io/shared_library.h"
#include "io/utf16.h"

namespace keysweep {
namespace {

TEST(Redaction, AtLeastSixteenCharactersStayHidden) {
  // 20 characters: 4 shown (the kind's prefix), 16 hidden; 24 and more: 4 + 4.
  EXPECT_EQ(redact_secret("AKIA2E4RTQ5NB7XKW3JM"), "AKIA\xE2\x80\xA6");
  EXPECT_EQ(redact_secret("ghp_Zq3Xk9Lm2Pw7Rt5Vb8Nc1Jd4Hf6Gs0Ya2Eu7"), "ghp_\xE2\x80\xA6" "2Eu7");
  EXPECT_EQ(redact_secret("0123456789abcdef01234567"), "0123\xE2\x80\xA6" "4567");
  // Short values show nothing; a 20-character password shows 4, as any value of its length.
  EXPECT_EQ(redact_secret("abcdefgh"), "\xE2\x80\xA6");
  EXPECT_EQ(redact_secret("P@ssw0rd-Winter2022!"), "P@ss\xE2\x80\xA6");
  // Low entropy (repeats, few distinct characters) shows nothing at any length.
  EXPECT_EQ(redact_secret("aaaaaaaaaabbbbbbbbbbcccccccccc"), "\xE2\x80\xA6");
}

TEST(Redaction, NoPreviewNarrowsAShortSecretBelowTwoToTheSixtyFour) {
  // Whatever the length, the characters a preview leaves hidden are at least 16 of the secret's
  // own alphabet (16 hex digits: 2^64 candidates even when the SHA-256 is known).
  for (size_t n = 1; n <= 64; ++n) {
    std::string secret;
    for (size_t i = 0; i < n; ++i) secret += "0123456789abcdef"[(i * 7 + 3) % 16];
    std::string shown = redact_secret(secret);
    size_t ellipsis = shown.find("\xE2\x80\xA6");
    ASSERT_NE(ellipsis, std::string::npos);
    size_t revealed = shown.size() - 3;
    EXPECT_GE(n - std::min(n, revealed), std::min<size_t>(n, 16)) << n << " " << shown;
  }
}

TEST(HmacSha256, Rfc4231TestCase2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// A key longer than SHA-256's 64-byte block is hashed first; one of exactly 64 bytes is not.
TEST(HmacSha256, Rfc4231TestCase6KeyLongerThanTheBlock) {
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256, Rfc4231TestCase1) {
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// Under 80 bits by length and alphabet: what a dictionary or brute force reaches.
TEST(GuessableSecret, ByLengthAndAlphabet) {
  for (const char* s : {"passw0rd", "Welcome1", "Winter2022", "hunter22", "letmein", "k3Rw9ZqL2xVb",
                        "0123456789abcdef"})  // 16 hex digits: 64 bits
    EXPECT_TRUE(is_guessable_secret(s)) << s;
  for (const char* s : {"q8Vd3kR2mZ7xW1nB5tY9pL4cH6jF0sA3eU8iO2gK",   // 40 base64: 238 bits
                        "5f1e0c93b7d24a6e8f0b1c2d3e4f5a6b",            // 32 hex: 128 bits
                        "AKIA2E4RTQ5NB7XKW3JM"})                       // 20 upper+digits: 103
    EXPECT_FALSE(is_guessable_secret(s)) << s;
  EXPECT_TRUE(is_guessable_secret(""));
}

TEST(SecretHashNames, FieldAndTextSayWhichHash) {
  EXPECT_EQ(secret_hash_field(false), "secret_sha256");
  EXPECT_EQ(secret_hash_field(true), "secret_hmac_sha256");
  EXPECT_EQ(secret_hash_text("ab12", false), "ab12");
  EXPECT_EQ(secret_hash_text("ab12", true), "hmac-sha256:ab12");
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, PiecesHashAsTheirJoin) {
  Sha256 sha;
  sha.update("ab");
  sha.update("");
  sha.update("c");
  EXPECT_EQ(sha.hex(), sha256_hex("abc"));
}

TEST(PercentEncode, KeepsUnreservedAndOptionallySlash) {
  EXPECT_EQ(percent_encode("deploy dir/prod#1.env", true), "deploy%20dir/prod%231.env");
  EXPECT_EQ(percent_encode("a/b~c-d_e.f", false), "a%2Fb~c-d_e.f");
  EXPECT_EQ(percent_encode("\xC3\xA9%:?", true), "%C3%A9%25%3A%3F");
}

TEST(UtcTime, Iso8601ExtendedAndBasic) {
  // 2026-11-29 09:04:35 UTC; the same instant in the formats reports and AWS SigV4 use.
  EXPECT_EQ(format_utc(1795943075), "2026-11-29T09:04:35Z");
  EXPECT_EQ(format_utc(1795943075, kIso8601BasicUtc), "20261129T090435Z");
  EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc_now().size(), 20u);
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

// A name printed by any report: valid UTF-8 stays, what drives a terminal or splits a line is
// spelled out, byte by byte.
TEST(PrintableName, EscapesControlsNewlinesBidiAndInvalidBytes) {
  EXPECT_EQ(printable_name("res/r\xc3\xa9sum\xc3\xa9.xml"), "res/r\xc3\xa9sum\xc3\xa9.xml");
  EXPECT_EQ(printable_name("a\x1b[31mb\nc\rd\te\x7f"), "a\\x1b[31mb\\x0ac\\x0dd\\x09e\\x7f");
  EXPECT_EQ(printable_name("a\xc2\x85" "b"), "a\\xc2\\x85b");                 // C1 control NEL
  EXPECT_EQ(printable_name("evil\xe2\x80\xaegnp.exe"), "evil\\xe2\\x80\\xaegnp.exe");  // RLO
  EXPECT_EQ(printable_name("\xc0\xaf"), "\\xc0\\xaf");                           // overlong '/'
  EXPECT_EQ(printable_name("bad\xff"), "bad\\xff");
  const std::string once = printable_name("x\x1b\n");
  EXPECT_EQ(printable_name(once), once);  // escaping twice changes nothing
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

// The one UTF-8 encoder every format uses (DEX, string pools, CFStrings, .strings, Hermes).
// The fast path skips ASCII 32 and 8 bytes at a time: a sequence at any position, on either side
// of those blocks' edges, is still read.
TEST(Utf8, ASequenceAtEveryPositionIsRead) {
  for (size_t at = 0; at + 2 <= 100; ++at) {
    std::string text(100, 'a');
    text.replace(at, 2, "\xC3\xA9");
    EXPECT_TRUE(is_valid_utf8(text)) << at;
    text[at + 1] = 'a';  // a lead byte with no continuation
    EXPECT_FALSE(is_valid_utf8(text)) << at;
    text[at] = '\xFF';  // never in UTF-8
    EXPECT_FALSE(is_valid_utf8(text)) << at;
  }
  // A view ends where it ends, whatever its buffer holds after it (a reused read buffer holds the
  // last, longer file's bytes): here a lead byte with no continuation.
  for (size_t size = 0; size <= 100; ++size) {
    const std::string buffer = std::string(size, 'a') + "\xC3";
    EXPECT_TRUE(is_valid_utf8(std::string_view(buffer.data(), size))) << size;
  }
}

TEST(Utf8Encoder, EveryLengthAndLoneSurrogates) {
  std::string out;
  for (uint32_t cp : {0x41u, 0xE9u, 0x20ACu, 0x1F511u}) append_utf8_codepoint(out, cp);
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91");
  out.clear();
  append_utf8_scalar(out, 0xD800);
  append_utf8_scalar(out, 0xDFFF);
  append_utf8_scalar(out, 0xE000);
  EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBD\xEE\x80\x80");
}

TEST(Utf16, BothByteOrdersPairsAndLoneHalves) {
  // "é", U+1F511 as a surrogate pair, a lone high surrogate, then "x"; an odd last byte is dropped.
  const std::string le("\xE9\x00\x3D\xD8\x11\xDD\x00\xD8x\x00!", 11);
  const std::string be("\x00\xE9\xD8\x3D\xDD\x11\xD8\x00\x00x!", 11);
  const std::string want = "\xC3\xA9\xF0\x9F\x94\x91\xEF\xBF\xBDx";
  EXPECT_EQ(utf16le_to_utf8(le), want);
  EXPECT_EQ(utf16_to_utf8(le, false), want);
  EXPECT_EQ(utf16_to_utf8(be, true), want);
  // A high surrogate as the last unit has no partner.
  EXPECT_EQ(utf16le_to_utf8(std::string("\x3D\xD8", 2)), "\xEF\xBF\xBD");
}

// Bytes written into room made by grow() or append() survive every reallocation, and release()
// hands them over whole.
TEST(ByteBuffer, KeepsItsBytesAcrossGrowthAndHandsThemOver) {
  ByteBuffer b;
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    std::string piece = std::to_string(i) + ",";
    if (i % 2) {
      std::memcpy(b.grow(piece.size()), piece.data(), piece.size());
    } else {
      b.append(piece);
    }
    expected += piece;
  }
  EXPECT_EQ(b.view(), expected);
  const size_t size = b.size();
  std::shared_ptr<const char[]> bytes = b.release();
  EXPECT_EQ(std::string_view(bytes.get(), size), expected);
  EXPECT_TRUE(b.empty());
  b.append("again");
  EXPECT_EQ(b.view(), "again");
}

// A segment can take an earlier one's label without a copy; taking it back (pop_back) leaves the
// label with the segment that wrote it.
TEST(Blob, SharedSegmentLabelsOutliveThePopOfASharer) {
  Segments s;
  s.push_back({0, "@string/api_key"});
  s.push_back({10, "@string/other"});
  s.push_back_label_of(20, 0);
  s.push_back_label_of(30, 1);
  EXPECT_EQ(s.label_at(25), "@string/api_key");
  EXPECT_EQ(s.label_at(35), "@string/other");
  s.pop_back();  // shares the last label written: the label stays
  EXPECT_EQ(s.label_at(35), "@string/api_key");
  EXPECT_EQ(s.label_at(15), "@string/other");
  s.pop_back();
  s.push_back({40, "@string/third"});
  EXPECT_EQ(s.label_at(15), "@string/other");
  EXPECT_EQ(s.label_at(45), "@string/third");
  s.pop_back();  // wrote its own label: it goes
  s.pop_back();
  s.push_back({12, "@string/fourth"});
  EXPECT_EQ(s.label_at(5), "@string/api_key");
  EXPECT_EQ(s.label_at(15), "@string/fourth");
  EXPECT_EQ(s.size(), 2u);
}

TEST(Blob, SegmentLabelsAndChildChains) {
  Blob parent = Blob::owning("k1 = v1\nk2 = v2\n", {"app.apk"});
  parent.segments().push_back({0, "@string/k1"});
  parent.segments().push_back({8, "@string/k2"});
  EXPECT_EQ(parent.label_at(3), "@string/k1");
  EXPECT_EQ(parent.label_at(9), "@string/k2");
  EXPECT_EQ(parent.label_at(100), "@string/k2");
  parent.segments().pop_back();
  EXPECT_EQ(parent.label_at(9), "@string/k1");
  parent.segments().push_back({8, std::string(40, 'x') + "@string/k3"});
  EXPECT_EQ(parent.label_at(8), std::string(40, 'x') + "@string/k3");
  EXPECT_EQ(parent.label_at(7), "@string/k1");
  Blob child = parent.child("classes.dex", "bytes");
  EXPECT_EQ(child.display_path(), "app.apk!classes.dex");
  EXPECT_EQ(child.depth(), 1);
}

TEST(SharedLibrary, LoadsASymbolAndNamesWhatIsMissing) {
  auto libc = SharedLibrary::open("libc.so.6");
  ASSERT_TRUE(libc) << libc.error().message;
  decltype(&std::strlen) len = nullptr;
  ASSERT_TRUE(libc->load("strlen", len));
  EXPECT_EQ(len("keysweep"), 8u);
  auto missing_symbol = libc->load("no_such_symbol_in_libc", len);
  ASSERT_FALSE(missing_symbol);
  EXPECT_NE(missing_symbol.error().message.find("libc.so.6 has no symbol no_such_symbol_in_libc"),
            std::string::npos);
  auto missing = SharedLibrary::open("libkeysweep-no-such-library.so.9");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot load libkeysweep-no-such-library.so.9"),
            std::string::npos);
}

// A placeholder word counts as a person writes it; a random key holds the same letters in mixed
// case by chance. Both the provider rules' check and the context scorer's use it.
TEST(ValueShape, WordsAsWrittenNotByChanceInRandomCase) {
  EXPECT_TRUE(contains_word_as_written("AKIAxxxxxxxxxxxxxxxx", "xxxx"));
  EXPECT_TRUE(contains_word_as_written("YOUR_API_KEY_HERE", "here"));
  EXPECT_TRUE(contains_word_as_written("MySampleToken", "sample"));
  EXPECT_TRUE(contains_word_as_written("<insert>", "<"));
  EXPECT_FALSE(contains_word_as_written("CSiB4KB8NasY7aIu6oOsIxXXxh0kOZEYp59widEs", "xxxx"));
  EXPECT_FALSE(contains_word_as_written("q8VaHeRe3kR2mZ7x", "here"));
  EXPECT_FALSE(contains_word_as_written("sAmPlE", "sample"));
  EXPECT_FALSE(contains_word_as_written("abc", "abcd"));
  // The first occurrence in mixed case does not hide a later one written as a word.
  EXPECT_TRUE(contains_word_as_written("xXxX-xxxx", "xxxx"));
}

TEST(ValueShape, RunsAndFiller) {
  EXPECT_EQ(longest_runs("xxxxxxxx").repeated, 8u);
  EXPECT_EQ(longest_runs("zzABCDEFGHIJzz").sequence, 10u);
  EXPECT_EQ(longest_runs("9f4321aa").sequence, 4u);
  EXPECT_EQ(longest_runs("").repeated, 0u);
  // Typed filler: a run most of the value, a long sequence anywhere, a repeated unit, A1B2C3D4.
  EXPECT_TRUE(is_filler("AKIAAAAAAAAAAAAAAAAA"));
  EXPECT_TRUE(is_filler("00QCjAl4MlV-WPXM-ABCDEFGHIJKL-0HmjFx"));
  EXPECT_TRUE(is_filler("abcabcabcabc"));
  EXPECT_TRUE(is_filler("A1B2C3D4E5F6"));
  // Weak passwords and real formats with a long run of one character are not filler.
  EXPECT_FALSE(is_filler("abuser123456"));
  EXPECT_FALSE(is_filler("Welcome1"));
  EXPECT_FALSE(is_filler("AAAAAAAAAAAAAAAAAAAAA76Fx5R7XAAAAAAVbySyZeqephxpPV4DRrI"));
  EXPECT_FALSE(is_filler("q7Vx2mLk9RtB4nWc8ZpYd3FhJs6GuAe1"));
}

// is_filler gives up on a repeated unit after the mismatches it allows and reads the A1B2 pattern
// without a copy; it must say what the plain definition (every character compared, a compacted
// copy) says, on values near every threshold.
bool reference_is_filler(std::string_view v) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (v.size() < 4) return false;
  CharacterRuns runs = longest_runs(v);
  if (runs.sequence >= 10 || std::max(runs.repeated, runs.sequence) * 2 > v.size()) return true;
  for (size_t unit = 1; unit <= 4 && unit * 3 <= v.size(); ++unit) {
    size_t match = 0;
    for (size_t i = unit; i < v.size(); ++i) match += lower(v[i]) == lower(v[i - unit]);
    if (match * 10 >= (v.size() - unit) * 9) return true;
  }
  std::string compact;
  for (char c : v)
    if (alnum(c)) compact.push_back(lower(c));
  size_t up2 = 0, down2 = 0;
  for (size_t i = 2; i < compact.size(); ++i) {
    up2 = compact[i] == compact[i - 2] + 1 ? (up2 ? up2 + 1 : 3) : 0;
    down2 = compact[i] == compact[i - 2] - 1 ? (down2 ? down2 + 1 : 3) : 0;
    if (up2 >= 8 || down2 >= 8) return true;
  }
  return false;
}

TEST(ValueShape, FillerAgreesWithThePlainDefinition) {
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  const std::string alphabets[] = {"ab", "abc", "aA1-", "0123456789abcdef",
                                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"};
  size_t fillers = 0, checked = 0;
  for (size_t len = 0; len <= 70; ++len) {
    for (int round = 0; round < 60; ++round) {
      std::string v;
      const std::string& alphabet = alphabets[next() % 5];
      const size_t unit = 1 + next() % 4;
      const int style = round % 4;  // random, repeated unit with some noise, sequences, A1B2-like
      for (size_t i = 0; i < len; ++i) {
        char c = alphabet[next() % alphabet.size()];
        if (style == 1 && i >= unit && next() % 12 != 0) c = v[i - unit];
        if (style == 2 && i > 0 && next() % 10 != 0) c = static_cast<char>(v[i - 1] + 1);
        if (style == 3 && i >= 2 && next() % 10 != 0) c = static_cast<char>(v[i - 2] + 1);
        v.push_back(c);
      }
      ASSERT_EQ(is_filler(v), reference_is_filler(v)) << "\"" << v << "\"";
      fillers += reference_is_filler(v);
      ++checked;
    }
  }
  EXPECT_GT(fillers, checked / 10) << "the values must reach the thresholds, not just miss them";
  EXPECT_LT(fillers, checked * 9 / 10);
}

// The risk model (core/risk.h, docs/FLEET.md "Risk order").
TEST(Risk, SeverityFromGrantsStatusReachAndConfidence) {
  using S = Verification::Status;
  auto sev = [](Grants g, Confidence c, S s, Reach r = {}) {
    return assess_risk(g, c, s, r, "twilio").severity;
  };
  const Confidence hi = Confidence::kHigh;
  EXPECT_EQ(sev(Grants::kFullAccount, hi, S::kNotChecked), Risk::kHigh);
  EXPECT_EQ(sev(Grants::kFullAccount, hi, S::kLive), Risk::kCritical);
  EXPECT_EQ(sev(Grants::kFullAccount, hi, S::kNotChecked, {3, 2, 2, std::nullopt}), Risk::kCritical);
  EXPECT_EQ(sev(Grants::kFullAccount, hi, S::kLive, {30, 5, 5, 9'000'000}), Risk::kCritical);  // capped
  EXPECT_EQ(sev(Grants::kFullAccount, hi, S::kRevoked), Risk::kLow);
  EXPECT_EQ(sev(Grants::kFullAccount, Confidence::kLow, S::kNotChecked), Risk::kMedium);
  EXPECT_EQ(sev(Grants::kScopedWrite, hi, S::kNotChecked), Risk::kMedium);
  EXPECT_EQ(sev(Grants::kScopedWrite, hi, S::kUnknown, {1, 1, 0, 2'000'000}), Risk::kHigh);
  EXPECT_EQ(sev(Grants::kReadOnly, Confidence::kLow, S::kNotChecked), Risk::kLow);  // not below low
  EXPECT_EQ(sev(Grants::kIdentifier, hi, S::kLive, {20, 4, 4, std::nullopt}), Risk::kLow);
  EXPECT_EQ(sev(Grants::kPublicConfig, hi, S::kLive, {20, 4, 4, std::nullopt}), Risk::kInfo);
  EXPECT_FALSE(wide_reach({9, 1, 1, 999'999}));
  EXPECT_TRUE(wide_reach({10, 1, 1, std::nullopt}));
}

TEST(Risk, WhySaysWhatWhoAndWhetherItWorks) {
  auto a = assess_risk(Grants::kFullAccount, Confidence::kHigh, Verification::Status::kLive,
                       {5, 2, 2, 1'200'000}, "twilio");
  EXPECT_EQ(a.why(), "full Twilio account; 2 publishers; 5 apps; 1.2M installs; live");
  a = assess_risk(Grants::kScopedWrite, Confidence::kLow, Verification::Status::kNotChecked,
                  {1, 1, 0, std::nullopt}, "slack");
  EXPECT_EQ(a.why(), "scoped Slack access; 1 app; not checked; low confidence");
  a = assess_risk(Grants::kPublicConfig, Confidence::kLow, Verification::Status::kNotChecked, {},
                  "firebase");
  EXPECT_EQ(a.why(), "public Firebase configuration; not checked; low confidence");
  EXPECT_EQ(assess_risk(Grants::kFullAccount, Confidence::kHigh, Verification::Status::kUnknown,
                        {3, 3, 0, std::nullopt}, "aws").why(),
            "full AWS account; 3 signers; 3 apps; verification unknown");
  EXPECT_EQ(provider_display_name("github"), "GitHub");
  EXPECT_EQ(provider_display_name("mailgun"), "Mailgun");
  EXPECT_EQ(short_count(1'000'000), "1M");
  EXPECT_EQ(short_count(5'400), "5.4K");
  EXPECT_EQ(short_count(25'000), "25K");
  EXPECT_EQ(short_count(950), "950");
}

// A Google key where the Maps or Firebase SDK reads it, or that Google refused for want of the
// app it is bound to, is configuration to review; anywhere else it is a leak.
TEST(Risk, GoogleKeyDeclaredForAnAppSdkIsConfiguration) {
  EXPECT_TRUE(declared_for_app_sdk("com.google.android.geo.API_KEY", ""));       // manifest
  EXPECT_TRUE(declared_for_app_sdk("com.google.android.maps.v2.API_KEY", ""));
  EXPECT_TRUE(declared_for_app_sdk("@string/google_maps_key", ""));              // resources.arsc
  EXPECT_TRUE(declared_for_app_sdk("@string/google_api_key", ""));
  EXPECT_TRUE(declared_for_app_sdk("GoogleService-Info.plist:API_KEY", ""));
  // A source tree: no parser names the symbol, the line does.
  EXPECT_TRUE(declared_for_app_sdk(
      "", "<string name=\"google_maps_key\" translatable=\"false\">AIza…2sI</string>"));
  EXPECT_TRUE(declared_for_app_sdk(
      "", "<meta-data android:name=\"com.google.android.geo.API_KEY\" android:value=\"AIza…2sI\"/>"));
  EXPECT_FALSE(declared_for_app_sdk("@string/backend_key", ""));
  EXPECT_FALSE(declared_for_app_sdk("com.example.maps.Client.<clinit>()", ""));
  EXPECT_FALSE(declared_for_app_sdk("", "String key = \"AIza…2sI\"; // google_maps_key"));
  // A symbol names the place: a snippet quoting a Maps name does not override it.
  EXPECT_FALSE(declared_for_app_sdk("@string/backend_key", "name=\"google_maps_key\""));

  EXPECT_TRUE(verified_app_restricted("valid key, restricted or API not enabled (API_KEY_ANDROID_APP_BLOCKED)"));
  EXPECT_TRUE(verified_app_restricted("valid key, restricted or API not enabled (API_KEY_HTTP_REFERRER_BLOCKED)"));
  // Restricted to some APIs, or the API not enabled: usable from anywhere for what it allows.
  EXPECT_FALSE(verified_app_restricted("valid key, restricted or API not enabled (API_KEY_SERVICE_BLOCKED)"));
  EXPECT_FALSE(verified_app_restricted("valid key, restricted or API not enabled (SERVICE_DISABLED)"));

  EXPECT_EQ(key_restriction("google.api_key", "@string/google_maps_key", "", ""),
            KeyRestriction::kDeclaredForApp);
  EXPECT_EQ(key_restriction("google.api_key", "", "", "(API_KEY_IOS_APP_BLOCKED)"),
            KeyRestriction::kVerifiedRestricted);
  EXPECT_EQ(key_restriction("google.api_key", "com.example.Net.call()", "", ""), KeyRestriction::kNone);
  // Only Google API keys: a Stripe key in a resource of that name is a leak.
  EXPECT_EQ(key_restriction("stripe.secret_key", "@string/google_api_key", "", ""), KeyRestriction::kNone);

  Finding f;
  f.rule_id = "google.api_key";
  f.provider = "google";
  f.confidence = Confidence::kHigh;
  f.location.symbol = "com.google.android.geo.API_KEY";
  RiskAssessment a = assess_finding_risk(f, Grants::kScopedWrite);
  EXPECT_EQ(a.severity, Risk::kInfo);
  EXPECT_EQ(a.why(), "Google key declared for the app's Maps/Firebase SDK: check its restrictions in "
                     "the Cloud console; not checked");
  f.location.symbol = "com.example.maps.Client.<clinit>()";
  EXPECT_EQ(assess_finding_risk(f, Grants::kScopedWrite).severity, Risk::kMedium);
  f.verification = {Verification::Status::kLive, "", "valid key (API_KEY_ANDROID_APP_BLOCKED)", ""};
  a = assess_finding_risk(f, Grants::kScopedWrite);
  EXPECT_EQ(a.severity, Risk::kInfo);
  EXPECT_EQ(a.reasons.front(), "Google key restricted to an app, site or IP: check the restrictions "
                               "in the Cloud console");
}

TEST(Risk, NamesRoundTrip) {
  for (const auto& n : grants_names()) EXPECT_EQ(grants_name(*parse_grants(n)), n);
  EXPECT_FALSE(parse_grants("admin"));
  for (const char* n : {"info", "low", "medium", "high", "critical"})
    EXPECT_STREQ(risk_name(*parse_risk(n)), n);
  EXPECT_FALSE(parse_risk("severe"));
  using S = Verification::Status;
  EXPECT_GT(verification_rank(S::kLive), verification_rank(S::kUnknown));
  EXPECT_GT(verification_rank(S::kUnknown), verification_rank(S::kNotChecked));
  EXPECT_GT(verification_rank(S::kNotChecked), verification_rank(S::kRevoked));
}

TEST(TextWrap, BreaksAtSpacesUnderTheWidthWithAnIndent) {
  EXPECT_EQ(wrap_words("one two three", 2, 9), "one two\n  three");
  EXPECT_EQ(wrap_words("short", 4), "short");
  EXPECT_EQ(wrap_words("aaaaaaaaaaaa b", 0, 5), "aaaaaaaaaaaa\nb");
}

// Warnings of one kind from one input are echoed a few times, then counted in one line; errors
// and other inputs or kinds are not folded; the collected list keeps them all.
TEST(CollectingDiagnostics, FoldsTheEchoPerInputAndKind) {
  CollectingDiagnostics d(/*echo_to_stderr=*/true);
  testing::internal::CaptureStderr();
  for (int i = 0; i < 12; ++i)
    d.warn(DiagnosticKind::kLimit, "x.zip!n" + std::to_string(i) + ".zip", "nested archive limit");
  d.warn(DiagnosticKind::kMalformed, "x.zip!bad.dex", "bad header");
  d.warn(DiagnosticKind::kLimit, "y.zip!a.zip", "nested archive limit");
  for (int i = 0; i < 7; ++i) d.report({Severity::kError, DiagnosticKind::kLimit, "x.zip!e", "error"});
  d.print_folded();
  const std::string err = testing::internal::GetCapturedStderr();
  auto lines_with = [&](const std::string& s) {
    size_t n = 0;
    for (size_t at = err.find(s); at != std::string::npos; at = err.find(s, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(lines_with("nested archive limit\n"), CollectingDiagnostics::kEchoedPerKind + 1);  // + y.zip's
  EXPECT_EQ(lines_with("x.zip: and 7 more limit warnings"), 1u);
  EXPECT_EQ(lines_with("bad header"), 1u);
  EXPECT_EQ(lines_with("x.zip!e: error"), 7u);
  EXPECT_EQ(lines_with("y.zip: and"), 0u);
  EXPECT_EQ(d.take().size(), 21u);
}

}  // namespace
}  // namespace keysweep

namespace keysweep {
namespace {

// io/memory_budget.h: a worker with no lease waits for room; a nested request never waits; a
// request above the whole budget runs alone. No sleeps: waiting() says when a thread is blocked.
TEST(MemoryBudget, AWorkerWaitsForRoomAndGoesOnWhenItIsFreed) {
  MemoryBudget budget(100);
  auto first = budget.acquire(70);
  std::atomic<bool> second_got_it{false};
  std::thread other([&] {
    auto second = budget.acquire(50);  // 70 + 50 > 100: waits for `first`
    second_got_it = true;
    EXPECT_EQ(budget.in_use(), 50u);
  });
  while (budget.waiting() == 0) std::this_thread::yield();
  EXPECT_FALSE(second_got_it);
  EXPECT_EQ(budget.in_use(), 70u);
  first.release();
  other.join();
  EXPECT_TRUE(second_got_it);
  EXPECT_EQ(budget.in_use(), 0u);
  EXPECT_EQ(budget.peak(), 70u);  // never 120
}

TEST(MemoryBudget, NestedRequestsOfAHolderNeverWait) {
  MemoryBudget budget(100);
  auto outer = budget.acquire(90);
  auto inner = budget.acquire(60);  // same thread, already holding: granted past the budget
  EXPECT_EQ(budget.in_use(), 150u);
  EXPECT_EQ(budget.waiting(), 0u);
  inner.release();
  outer.release();
  EXPECT_EQ(budget.in_use(), 0u);
  // With nothing held, the thread is a first-level requester again and is bounded.
  auto again = budget.acquire(100);
  EXPECT_EQ(budget.in_use(), 100u);
}

TEST(MemoryBudget, ARequestAboveTheWholeBudgetRunsAloneAndIsNotRefused) {
  MemoryBudget budget(100);
  auto small = budget.acquire(10);
  std::atomic<bool> big_got_it{false};
  std::thread other([&] {
    auto big = budget.acquire(500);
    big_got_it = true;
    EXPECT_EQ(budget.in_use(), 500u);  // alone
  });
  while (budget.waiting() == 0) std::this_thread::yield();
  EXPECT_FALSE(big_got_it);
  small.release();
  other.join();
  EXPECT_TRUE(big_got_it);
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(MemoryBudget, MovedLeaseIsReleasedOnce) {
  MemoryBudget budget(100);
  MemoryBudget::Lease a = budget.acquire(40);
  MemoryBudget::Lease b = std::move(a);
  EXPECT_EQ(a.bytes(), 0u);
  EXPECT_EQ(b.bytes(), 40u);
  a.release();  // moved-from: nothing
  EXPECT_EQ(budget.in_use(), 40u);
  b = MemoryBudget::Lease();
  EXPECT_EQ(budget.in_use(), 0u);
  EXPECT_GE(MemoryBudget::default_bytes(), 1ull << 30);
}

}  // namespace
}  // namespace keysweep
