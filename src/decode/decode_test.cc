// Each decoder on valid, invalid and truncated input; the run finder; the nested pass with its
// depth and size limits. The values are FAKE credentials in their providers' shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <random>
#include <set>

#include "decode/decode_pass.h"
#include "decode/decoders.h"
#include "decode/encoded_runs.h"

namespace keysweep::decode {
namespace {

constexpr const char* kAwsKeyId = "AKIA5VQ3WX7LRTZ2MPKD";

std::string b64(std::string_view in, bool url_safe = false, bool pad = true) {
  const char* abc = url_safe ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = acc << 8 | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += abc[(acc >> bits) & 63];
    }
  }
  if (bits) out += abc[(acc << (6 - bits)) & 63];
  while (pad && out.size() % 4) out += '=';
  return out;
}

std::string hex(std::string_view in) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : in) (out += d[c >> 4]) += d[c & 15];
  return out;
}

std::string percent_all(std::string_view in) {
  static const char* d = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) ((out += '%') += d[c >> 4]) += d[c & 15];
  return out;
}

// The block passes this CPU can run: the baseline, and each wider one up to its best.
std::vector<BlockMaskIsa> runnable_isas() {
  std::vector<BlockMaskIsa> isas{BlockMaskIsa::kBaseline};
  if (best_block_mask_isa() != BlockMaskIsa::kBaseline) isas.push_back(BlockMaskIsa::kAvx2);
  if (best_block_mask_isa() == BlockMaskIsa::kAvx512) isas.push_back(BlockMaskIsa::kAvx512);
  return isas;
}

// The run finder reads the alphabet, '%' and '\' 64 bytes at a time, with AVX2 or AVX-512 where
// the CPU has them: the masks must be the baseline's for every byte value at every position.
TEST(EncodedRuns, BlockMasksAreTheBaselinesOnEveryByte) {
  auto in_alphabet = [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '/' || c == '-' || c == '_';
  };
  char block[64];
  for (BlockMaskIsa isa : runnable_isas()) {
    SCOPED_TRACE(static_cast<int>(isa));
    for (int b = 0; b < 256; ++b)
      for (int at = 0; at < 64; ++at) {
        std::memset(block, at % 2 ? 'Q' : ' ', sizeof block);
        block[at] = static_cast<char>(b);
        const BlockMasks got = block_masks(block, isa), baseline = block_masks(block, BlockMaskIsa::kBaseline);
        ASSERT_EQ(got.alphabet, baseline.alphabet) << "byte " << b << " at " << at;
        ASSERT_EQ(got.escapes, baseline.escapes) << "byte " << b << " at " << at;
        ASSERT_EQ((got.alphabet >> at) & 1, in_alphabet(static_cast<unsigned char>(b)) ? 1u : 0u) << "byte " << b;
        ASSERT_EQ(got.escapes, b == '%' || b == '\\' ? uint64_t{1} << at : 0u) << "byte " << b;
      }
    std::mt19937 rng(7);
    for (int i = 0; i < 2000; ++i) {
      for (char& c : block) c = static_cast<char>(rng());
      const BlockMasks got = block_masks(block, isa), baseline = block_masks(block, BlockMaskIsa::kBaseline);
      ASSERT_EQ(got.alphabet, baseline.alphabet);
      ASSERT_EQ(got.escapes, baseline.escapes);
    }
  }
}

// The finder's loop is built once per block pass: each must find the same runs, wherever they
// start and end against the 64-byte blocks (runs across one, two or many blocks, escapes at block
// edges, a text ending inside a run).
TEST(EncodedRuns, EveryBlockPassFindsTheSameRuns) {
  std::mt19937 rng(11);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
  const std::string others = " \n\t\"'=:;,.%\\ux{}";
  size_t runs_seen = 0;
  for (int round = 0; round < 400; ++round) {
    std::string text;
    const size_t size = rng() % 700;
    while (text.size() < size) {
      switch (rng() % 6) {
        case 0: text += b64(std::string(1 + rng() % 90, static_cast<char>('a' + rng() % 26))); break;
        case 1: text += hex(std::string(1 + rng() % 40, static_cast<char>(rng()))); break;
        case 2: text += percent_all(std::string(1 + rng() % 12, 'k')); break;
        case 3: text += "\\u00" + hex(std::string(1, static_cast<char>(0x41 + rng() % 26))); break;
        case 4: for (size_t k = rng() % 70; k > 0; --k) text += alphabet[rng() % alphabet.size()]; break;
        default: for (size_t k = rng() % 8; k > 0; --k) text += others[rng() % others.size()];
      }
    }
    for (uint64_t max_run : {uint64_t{24}, uint64_t{1} << 20}) {
      std::vector<EncodedRun> baseline;
      find_encoded_runs(text, max_run, baseline, BlockMaskIsa::kBaseline);
      runs_seen += baseline.size();
      for (BlockMaskIsa isa : runnable_isas()) {
        std::vector<EncodedRun> got;
        find_encoded_runs(text, max_run, got, isa);
        ASSERT_EQ(got.size(), baseline.size()) << "isa " << static_cast<int>(isa) << " round " << round;
        for (size_t k = 0; k < got.size(); ++k) {
          ASSERT_EQ(got[k].encoding, baseline[k].encoding) << "round " << round << " run " << k;
          ASSERT_EQ(got[k].offset, baseline[k].offset) << "round " << round << " run " << k;
          ASSERT_EQ(got[k].length, baseline[k].length) << "round " << round << " run " << k;
        }
      }
    }
  }
  EXPECT_GT(runs_seen, 2000u);  // the texts held runs of every kind to compare
}

TEST(DecodeBase64, StandardUrlSafeAndUnpadded) {
  const std::string text = "aws_access_key_id=" + std::string(kAwsKeyId) + "?>~";
  EXPECT_EQ(decode_base64(b64(text)), text);
  EXPECT_EQ(decode_base64(b64(text, true)), text);
  EXPECT_EQ(decode_base64(b64(text, false, false)), text);
  EXPECT_EQ(decode_base64("QUtJQQ=="), "AKIA");
}

TEST(DecodeBase64, RejectsWhatIsNotBase64) {
  EXPECT_EQ(decode_base64("QU=tJQQ"), std::nullopt);       // padding inside
  EXPECT_EQ(decode_base64("QUtJ QQ=="), std::nullopt);     // a space
  EXPECT_EQ(decode_base64("ab+cd_efgh"), std::nullopt);    // both alphabets
  EXPECT_EQ(decode_base64("QUtJQ==="), std::nullopt);      // three '='
  EXPECT_EQ(decode_base64("QUtJQ=="), std::nullopt);       // padding after a dangling character
}

TEST(DecodeBase64, TruncatedRunYieldsItsCompleteBytes) {
  std::string enc = b64("secret-value-1234", false, false);  // 17 bytes: 23 characters
  EXPECT_EQ(decode_base64(enc.substr(0, 21)), "secret-value-12");  // 21 = 4*5+1: last one dropped
  EXPECT_EQ(decode_base64(enc.substr(0, 22)), "secret-value-123");
}

TEST(DecodeHex, ValidInvalidTruncated) {
  EXPECT_EQ(decode_hex(hex(kAwsKeyId)), kAwsKeyId);
  EXPECT_EQ(decode_hex("414B4941"), "AKIA");
  EXPECT_EQ(decode_hex("414B494"), "AKI");  // odd last digit dropped
  EXPECT_EQ(decode_hex("41 4B"), std::nullopt);
  EXPECT_EQ(decode_hex("4g"), std::nullopt);
}

TEST(DecodePercent, ValidInvalidTruncated) {
  EXPECT_EQ(decode_percent(percent_all(kAwsKeyId)), kAwsKeyId);
  EXPECT_EQ(decode_percent("key%3DAKIA%2Bx+y"), "key=AKIA+x+y");  // '+' stays: it may be base64
  EXPECT_EQ(decode_percent("100%zz%4"), std::nullopt);              // no %XX at all
  EXPECT_EQ(decode_percent("a%41%4"), "aA%4");                      // truncated escape kept
  // In a URI's authority the delimiters stay escaped (the password keeps its '@'); elsewhere, and
  // after the authority ends, they are decoded.
  EXPECT_EQ(decode_percent("mongodb://u:P%40ss%2Dw@%2Ftmp%2Fdb.sock"), "mongodb://u:P%40ss-w@%2Ftmp%2Fdb.sock");
  EXPECT_EQ(decode_percent("mongodb://u:P%40ss@%2Ftmp%2Fdb.sock"), std::nullopt);
  EXPECT_EQ(decode_percent("https://h/cb?next=https%3A%2F%2Fu%3Ap%40h"), "https://h/cb?next=https://u:p@h");
}

TEST(DecodeEscapes, UnicodeHexAndJsonSlash) {
  EXPECT_EQ(decode_escapes("\\u0041\\u004b\\u0049\\u0041"), "AKIA");
  EXPECT_EQ(decode_escapes("\\x41\\x4B\\x49\\x41"), "AKIA");
  EXPECT_EQ(decode_escapes("https:\\/\\/hooks.example.com\\/x"), "https://hooks.example.com/x");
  EXPECT_EQ(decode_escapes("\\uD83D\\uDD11 \\u{1F511}"), "\xF0\x9F\x94\x91 \xF0\x9F\x94\x91");
  EXPECT_EQ(decode_escapes("\\u00e9\\n\\\"q\\\""), "\xC3\xA9\n\"q\"");
}

TEST(DecodeEscapes, InvalidAndTruncated) {
  EXPECT_EQ(decode_escapes("line\\nbreak\\t"), std::nullopt);  // nothing this decoder adds
  EXPECT_EQ(decode_escapes("\\u00"), std::nullopt);            // truncated: kept, so no change
  EXPECT_EQ(decode_escapes("\\uD800x\\u0041"), "\xEF\xBF\xBDx" "A");  // lone surrogate
  EXPECT_EQ(decode_escapes("\\u{110000}\\x4"), std::nullopt);  // past U+10FFFF; truncated \x
  EXPECT_EQ(decode_escapes("\\q\\x41"), "\\qA");
}

std::string utf16le(std::string_view ascii, bool bom) {
  std::string out = bom ? "\xFF\xFE" : "";
  for (char c : ascii) (out += c) += '\0';
  return out;
}

TEST(DecodeUtf16, ByteOrderMarkOrNulPattern) {
  Encoding e;
  size_t skip = 9;
  EXPECT_EQ(decode_utf16_text(utf16le("key=AKIA", true), &e, &skip), "key=AKIA");
  EXPECT_EQ(e, Encoding::kUtf16Le);
  EXPECT_EQ(skip, 2u);
  EXPECT_EQ(decode_utf16_text(utf16le("key=AKIA", false), &e, &skip), "key=AKIA");
  EXPECT_EQ(skip, 0u);
  std::string be = "\xFE\xFF";
  for (char c : std::string("key=AKIA")) (be += '\0') += c;
  EXPECT_EQ(decode_utf16_text(be, &e, &skip), "key=AKIA");
  EXPECT_EQ(e, Encoding::kUtf16Be);
  EXPECT_EQ(decode_utf16_text("plain ascii text", &e, &skip), std::nullopt);
  EXPECT_EQ(decode_utf16_text(std::string("\x7F" "ELF\0\0\0\0\x01\0\0\0", 12), &e, &skip),
            std::nullopt);  // NULs in both columns: a binary
}

TEST(MostlyPrintable, TextPassesRandomBytesFail) {
  EXPECT_TRUE(mostly_printable("key = \"value\"\n"));
  EXPECT_TRUE(mostly_printable("caf\xC3\xA9 \xF0\x9F\x94\x91 ok"));
  EXPECT_FALSE(mostly_printable(""));
  EXPECT_FALSE(mostly_printable(std::string("\x01\x02\x03\x04\x05" "abc", 8)));
  std::mt19937 rng(7);
  int passed = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string r(24, '\0');
    for (char& c : r) c = static_cast<char>(rng());
    passed += mostly_printable(r);
  }
  EXPECT_EQ(passed, 0);
}

std::vector<EncodedRun> runs_of(std::string_view text, uint64_t max_run = 1 << 20) {
  std::vector<EncodedRun> runs;
  find_encoded_runs(text, max_run, runs);
  return runs;
}

bool has_run(const std::vector<EncodedRun>& runs, Encoding e, std::string_view text,
             std::string_view expect) {
  for (const auto& r : runs)
    if (r.encoding == e && text.substr(r.offset, r.length) == expect) return true;
  return false;
}

TEST(EncodedRuns, FindsEachKindWhereItIs) {
  const std::string b = b64("token: " + std::string(kAwsKeyId));
  const std::string h = hex(kAwsKeyId);
  const std::string p = percent_all(kAwsKeyId);
  const std::string text = "a = \"" + b + "\";\nb = " + h + "\nurl=https://x.test/?k=" + p +
                           " end\nc = \"pre\\u0041\\u004bpost\" d\n";
  auto runs = runs_of(text);
  EXPECT_TRUE(has_run(runs, Encoding::kBase64, text, b));
  EXPECT_TRUE(has_run(runs, Encoding::kHex, text, h));
  EXPECT_TRUE(has_run(runs, Encoding::kPercent, text, "url=https://x.test/?k=" + p));
  EXPECT_TRUE(has_run(runs, Encoding::kEscape, text, "pre\\u0041\\u004bpost"));
  EXPECT_FALSE(has_run(runs, Encoding::kBase64, text, h));  // all hex: not base64 too
}

TEST(EncodedRuns, SkipsShortRunsIdentifiersAndEscapedBackslashes) {
  EXPECT_TRUE(runs_of("QUtJQTVWUTNXWDdM short_base64 ok").empty());  // 16 < 20
  EXPECT_TRUE(runs_of("some_very_long_snake_case_identifier MORE_CONSTANT_NAMES_HERE").empty());
  EXPECT_TRUE(runs_of("gtk_Widget_Get_Preferred_Size /usr/Lib/Python3/Site/Packages/x").empty());
  EXPECT_TRUE(runs_of("\"C:\\\\u0041dir\" 50% off").empty());
  EXPECT_TRUE(runs_of("deadbeefdeadbeefdeadbeefdeadbee").empty());  // 31 hex digits
}

TEST(EncodedRuns, LongRunIsCutAtTheLimit) {
  std::string big = b64(std::string(3000, 'x'));  // "eHh4" again and again: no '/', no hex
  auto runs = runs_of(big, 1024);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].length, 1024u);
}

// The block-at-a-time finder against the plain definition: every maximal run of 20+ base64
// characters with both letter cases (and not all hex) is a base64 candidate from its first byte.
TEST(EncodedRuns, SameRunsAsTheDefinition) {
  auto in_alphabet = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '-' || c == '_';
  };
  std::mt19937 rng(3);
  // base64 of text ("text here", "key: AKIA5VQ3WX7LRTZ2MPKD") starts many runs.
  const std::string pieces[] = {"a", "B", "0", "dGV4dCBoZXJl", "/", "_", " ", ".", ",", "\n", "%",
                                "Zq9", "=", "a2V5OiBBS0lBNVZRM1dYN0xSVFoyTVBLRA", "deadbeef"};
  size_t total = 0, total_hex = 0;
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const size_t len = rng() % 700;
    // Odd rounds: long stretches of the alphabet, so runs cross many 64-byte blocks.
    const size_t choices = round % 2 ? 6 : std::size(pieces);
    const std::string hex_pieces[] = {"deadbeef", "0", "A", "9f", "_", "C0ffee"};
    while (text.size() < len) {
      if (round % 4 == 2) {
        text += hex_pieces[rng() % std::size(hex_pieces)];  // hex stretches across blocks
      } else {
        text += round % 2 && rng() % 40 == 0 ? " " : pieces[rng() % choices];
      }
    }
    std::set<std::pair<uint64_t, uint64_t>> expected_hex, found_hex;
    for (size_t i = 0; i < text.size();) {
      size_t j = i;
      while (j < text.size() && std::isxdigit(static_cast<unsigned char>(text[j]))) ++j;
      if (j - i >= kMinHexRun) expected_hex.insert({i, (j - i) & ~size_t{1}});
      i = j + 1;
    }
    std::set<uint64_t> expected, found;
    for (size_t i = 0; i < text.size();) {
      if (!in_alphabet(text[i])) { ++i; continue; }
      size_t j = i;
      bool upper = false, lower = false, all_hex = true;
      for (; j < text.size() && in_alphabet(text[j]); ++j) {
        upper |= std::isupper(static_cast<unsigned char>(text[j])) != 0;
        lower |= std::islower(static_cast<unsigned char>(text[j])) != 0;
        all_hex &= std::isxdigit(static_cast<unsigned char>(text[j])) != 0;
      }
      const size_t symbols = static_cast<size_t>(std::count_if(
          text.begin() + i, text.begin() + j, [](char c) { return std::strchr("+/-_", c); }));
      auto head = decode_base64(text.substr(i, 8));  // ASCII text, as base64 of text starts
      const bool ascii = head && std::all_of(head->begin(), head->end(), [](char c) {
        return (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r';
      });
      if (j - i >= kMinBase64Run && upper && lower && !all_hex && symbols <= 2 + (j - i) / 8 &&
          ascii)
        expected.insert(i);
      i = j;
    }
    for (const auto& r : runs_of(text)) {
      if (r.encoding == Encoding::kBase64 && (r.offset == 0 || text[r.offset - 1] != '/'))
        found.insert(r.offset);
      if (r.encoding == Encoding::kHex) found_hex.insert({r.offset, r.length});
    }
    ASSERT_EQ(found, expected) << text;
    ASSERT_EQ(found_hex, expected_hex) << text;
    total_hex += expected_hex.size();
    total += expected.size();
  }
  EXPECT_GE(total, 100u);  // the comparison covered many runs
  EXPECT_GE(total_hex, 50u);
}

// Percent and escape runs, now found in the block pass, against their definition: from each
// trigger byte at or after the end of the last run (an escaped backslash skipped with its escape),
// a run grows back to the last run's end and forward to its end byte, at most max_run bytes; one
// cut short before its trigger is followed by one from the trigger. Texts cross several blocks.
TEST(EncodedRuns, EscapeRunsAsTheDefinition) {
  auto hexd = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  auto definition = [&](std::string_view t, char trigger, uint64_t max_run) {
    const size_t n = t.size();
    auto hex2 = [&](size_t i) { return i + 1 < n && hexd(t[i]) && hexd(t[i + 1]); };
    auto starts = [&](size_t p) {
      if (trigger == '%') return hex2(p + 1);
      if (p + 1 >= n) return false;
      const char e = t[p + 1];
      return e == '/' || (e == 'x' && hex2(p + 2)) || (e == 'u' && p + 2 < n && t[p + 2] == '{') ||
             (e == 'u' && hex2(p + 2) && hex2(p + 4));
    };
    auto ends = [&](char c) {
      const auto u = static_cast<unsigned char>(c);
      return trigger == '%' ? u <= 0x20 || u == 0x7F || std::strchr("\"'`<>\\", c)
                            : c == '"' || c == '\'' || c == '`' || c == '\n' || c == '\r';
    };
    std::vector<std::pair<uint64_t, uint64_t>> runs;
    size_t pos = 0, floor = 0;
    for (size_t p = 0; p < n;) {
      if (p < pos || t[p] != trigger) {
        ++p;
        continue;
      }
      if (!starts(p)) {
        pos = p + (trigger == '\\' && p + 1 < n && t[p + 1] == '\\' ? 2 : 1);
        continue;
      }
      size_t lo = p, hi = p;
      while (lo > floor && p - lo < max_run && !ends(t[lo - 1])) --lo;
      while (hi < n && hi - lo < max_run && !ends(t[hi])) hi += t[hi] == '\\' ? 2 : 1;
      hi = std::min<size_t>({hi, n, lo + max_run});
      runs.emplace_back(lo, hi - lo);
      floor = pos = hi;  // p itself is read again when the run ended at or before it
    }
    return runs;
  };
  const std::string pieces[] = {"a", "Z0", "%", "%4", "%41", "\\", "\\\\", "\\u", "\\u0041",
                                "\\x41", "\\x4", "\\/", "\\u{", "\"", "'", "\n", " ", "/", "<"};
  std::mt19937 rng(11);
  size_t total = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t len = rng() % 400;
    while (text.size() < len) text += rng() % 3 ? pieces[rng() % 2] : pieces[2 + rng() % (std::size(pieces) - 2)];
    const uint64_t max_run = round % 3 ? 1 << 20 : 20 + rng() % 40;
    std::vector<std::pair<uint64_t, uint64_t>> percent, escape;
    for (const auto& r : runs_of(text, max_run)) {
      if (r.encoding == Encoding::kPercent) percent.emplace_back(r.offset, r.length);
      if (r.encoding == Encoding::kEscape) escape.emplace_back(r.offset, r.length);
    }
    ASSERT_EQ(percent, definition(text, '%', max_run)) << text;
    ASSERT_EQ(escape, definition(text, '\\', max_run)) << text;
    total += percent.size() + escape.size();
  }
  EXPECT_GE(total, 3000u);  // the comparison covered many runs
}

const DecodedPiece* piece_holding(const std::vector<DecodedPiece>& pieces, std::string_view needle) {
  for (const auto& p : pieces)
    if (p.text.find(needle) != std::string::npos) return &p;
  return nullptr;
}

TEST(DecodeNested, Base64OfPercentEncoded) {
  const std::string inner = "aws_key=" + percent_all(kAwsKeyId);
  const std::string text = "config: " + b64(inner) + "\n";
  std::vector<DecodedPiece> pieces;
  DecodeStats st = decode_nested(text, false, DecodeLimits{}, pieces);
  const DecodedPiece* p = piece_holding(pieces, kAwsKeyId);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->depth, 2);
  EXPECT_EQ(decoding_chain(pieces, static_cast<int>(p - pieces.data())),
            (std::vector<std::string>{"base64", "percent"}));
  EXPECT_EQ(pieces[p->parent].offset, 8u);  // the base64 run in the text
  EXPECT_FALSE(st.budget_spent);
}

TEST(DecodeNested, DepthLimit) {
  // percent(base64(percent(key))): three decodings.
  const std::string text = "v=" + percent_all(b64("k=" + percent_all(kAwsKeyId))) + "\n";
  std::vector<DecodedPiece> pieces;
  decode_nested(text, false, DecodeLimits{}, pieces);
  ASSERT_NE(piece_holding(pieces, kAwsKeyId), nullptr);
  DecodeLimits two;
  two.max_depth = 2;
  pieces.clear();
  decode_nested(text, false, two, pieces);
  EXPECT_EQ(piece_holding(pieces, kAwsKeyId), nullptr);
  DecodeLimits off;
  off.max_depth = 0;
  pieces.clear();
  decode_nested(text, false, off, pieces);
  EXPECT_TRUE(pieces.empty());
}

TEST(DecodeNested, BudgetBoundsDecodedBytes) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += b64("line " + std::to_string(i) + " of plain text here") + "\n";
  DecodeLimits limits;
  limits.min_budget = 0;
  limits.max_ratio = 0;  // nothing may be decoded
  std::vector<DecodedPiece> pieces;
  DecodeStats st = decode_nested(text, false, limits, pieces);
  EXPECT_TRUE(pieces.empty());
  EXPECT_TRUE(st.budget_spent);
  limits.max_ratio = 2;
  pieces.clear();
  st = decode_nested(text, false, limits, pieces);
  EXPECT_EQ(pieces.size(), 200u);
  EXPECT_LE(st.decoded_bytes, 2 * text.size());
}

TEST(DecodeNested, RandomBase64AndHexDecodeToNothing) {
  std::mt19937 rng(11);
  std::string text;
  for (int i = 0; i < 300; ++i) {
    std::string raw(12 + rng() % 3000, '\0');  // small icons to embedded images
    for (char& c : raw) c = static_cast<char>(rng());
    text += "img" + std::to_string(i) + " = \"data:image/png;base64," + b64(raw, i % 2) + "\";\n";
    text += "sha = " + hex(raw.substr(0, 32)) + "\n";
  }
  std::vector<DecodedPiece> pieces;
  DecodeStats st = decode_nested(text, false, DecodeLimits{}, pieces);
  EXPECT_GE(st.runs, 250u);  // hex runs; most random base64 fails the first-8-characters check
  EXPECT_TRUE(pieces.empty()) << pieces.front().text;
}

TEST(DecodeNested, Utf16FileThenItsBase64) {
  const std::string file = utf16le("# settings\r\ntoken=" + b64(std::string("id ") + kAwsKeyId) + "\r\n", true);
  std::vector<DecodedPiece> pieces;
  decode_nested(file, true, DecodeLimits{}, pieces);
  ASSERT_GE(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].encoding, Encoding::kUtf16Le);
  EXPECT_EQ(pieces[0].offset, 2u);
  const DecodedPiece* p = piece_holding(pieces, kAwsKeyId);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(decoding_chain(pieces, static_cast<int>(p - pieces.data())),
            (std::vector<std::string>{"utf16le", "base64"}));
  // A binary file is not read for base64 runs; a text file is not read as UTF-16.
  pieces.clear();
  decode_nested(std::string("\x7F" "ELF\0\0\0\0", 8) + b64(kAwsKeyId), true, DecodeLimits{}, pieces);
  EXPECT_TRUE(pieces.empty());
}

// --- base64 wrapped over lines -------------------------------------------------------------------

// `encoded` cut into lines of `width`, each after `indent`, joined by `eol`.
std::string wrap(std::string_view encoded, size_t width, std::string_view indent = "",
                 std::string_view eol = "\n") {
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += width)
    out.append(indent).append(encoded.substr(i, width)).append(eol);
  return out;
}

std::vector<EncodedRun> wrapped_of(std::string_view text) {
  std::vector<EncodedRun> runs, wrapped;
  find_encoded_runs(text, 1 << 20, runs);
  find_wrapped_base64(text, runs, 1 << 20, wrapped);
  return wrapped;
}

// A FAKE AWS key pair in a JSON document, the secret key placed across a 76-column line break.
std::string aws_json() {
  return "{\"region\": \"eu-west-1\", \"aws_access_key_id\": \"" +
         std::string(kAwsKeyId) +
         "\", \"aws_secret_access_key\": \"q7Rz2Lk9Vx4Nw8Tb3Hm6Pd1Sf5Gj0Yc7Ue2Ia9Xo\"}";
}

TEST(WrappedBase64, MimeAndPemBlocksAreFoundWithIndentationAndAShortLastLine) {
  const std::string b = b64(aws_json());
  ASSERT_GT(b.size() % 76, 0u);
  const std::string mime = "Content-Transfer-Encoding: base64\r\n\r\n" + wrap(b, 76, "", "\r\n");
  auto w = wrapped_of(mime);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(unwrap_base64(std::string_view(mime).substr(w[0].offset, w[0].length)), b);
  EXPECT_TRUE(w[0].wrapped);

  const std::string pem = "key: |\n" + wrap(b, 64, "    ");
  w = wrapped_of(pem);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(unwrap_base64(std::string_view(pem).substr(w[0].offset, w[0].length)), b);
}

TEST(WrappedBase64, LinesOfOtherWidthsOrIndentationAreNotJoined) {
  const std::string b = b64(aws_json());
  // The second line is shorter than the first and not the last: not one wrapped block.
  std::string ragged = b.substr(0, 76) + "\n" + b.substr(76, 60) + "\n" + b.substr(136) + "\n";
  EXPECT_TRUE(wrapped_of(ragged).empty());
  std::string indents = "  " + b.substr(0, 76) + "\n    " + b.substr(76, 76) + "\n  " + b.substr(152) + "\n";
  auto w = wrapped_of(indents);  // the first two lines may join; never all three
  for (const auto& r : w) EXPECT_LT(unwrap_base64(std::string_view(indents).substr(r.offset, r.length)).size(), b.size());
  EXPECT_TRUE(wrapped_of(b.substr(0, 76) + "\n\n" + b.substr(76, 76) + "\n").empty());  // a blank line
  EXPECT_TRUE(wrapped_of(b.substr(0, 75) + "\n" + b.substr(75, 75) + "\n").empty());  // 75: not 4n
}

TEST(WrappedBase64, ASecretAcrossALineBreakIsDecodedWholeAndPlacedOnItsLine) {
  const std::string secret = "q7Rz2Lk9Vx4Nw8Tb3Hm6Pd1Sf5Gj0Yc7Ue2Ia9Xo";
  const std::string b = b64(aws_json());
  const std::string text = "-- payload --\n" + wrap(b, 76);
  // Line by line, the secret is cut: no single line's decoding holds it.
  std::vector<DecodedPiece> pieces;
  decode_nested(text, false, DecodeLimits{}, pieces);
  const DecodedPiece* p = piece_holding(pieces, secret);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->line_starts.empty());
  EXPECT_EQ(p->wrap_width, 76u);
  EXPECT_EQ(decoding_chain(pieces, static_cast<int>(p - pieces.data())),
            (std::vector<std::string>{"base64"}));
  size_t line_pieces = 0;
  for (const auto& q : pieces) line_pieces += q.line_starts.empty();
  EXPECT_GE(line_pieces, 2u);  // the lines were decoded too
  for (const auto& q : pieces)
    if (q.line_starts.empty()) {
      EXPECT_EQ(q.text.find(secret), std::string::npos);
    }
  // The secret's first byte maps to the 4-character group holding it, on its own line.
  const size_t at = p->text.find(secret);
  const uint64_t pos = position_in_parent(*p, at);
  const size_t line = static_cast<size_t>(std::count(text.begin(), text.begin() + pos, '\n'));
  const size_t group = at / 3 * 4;
  EXPECT_EQ(line, 1 + group / 76);
  EXPECT_EQ(text.substr(pos, 4), b.substr(group, 4));
}

TEST(WrappedBase64, WrappedBlocksStayWithinTheBudget) {
  const std::string text = wrap(b64(std::string(6000, 'x') + aws_json()), 76);
  DecodeLimits limits;
  limits.min_budget = 0;
  limits.max_ratio = 1;
  std::vector<DecodedPiece> pieces;
  DecodeStats st = decode_nested(text, false, limits, pieces);
  EXPECT_LE(st.decoded_bytes, text.size());
  EXPECT_TRUE(st.budget_spent);
}

// --- UTF-16LE strings inside binaries --------------------------------------------------------------

// A binary: NULs and high bytes, with `inside` at an odd offset (resource tables do not align).
std::string binary_holding(std::string_view inside, size_t* at = nullptr) {
  std::mt19937 rng(3);
  std::string out("\x4D\x5A\x90\x00\x03\x00\x00\x00", 8);
  for (int i = 0; i < 301; ++i) out += static_cast<char>(i % 3 ? rng() % 256 : 0);
  if (at) *at = out.size();
  out += inside;
  for (int i = 0; i < 300; ++i) out += static_cast<char>(i % 2 ? 0 : 0xC0 + rng() % 64);
  return out;
}

TEST(Utf16Runs, FoundAtEitherParityAndNotWhenShort) {
  size_t at = 0;
  const std::string bin = binary_holding(utf16le("ConnectionKey", false), &at);
  ASSERT_EQ(at % 2, 1u);
  std::vector<EncodedRun> runs;
  find_utf16le_runs(bin, 1 << 20, runs);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].offset, at);
  EXPECT_EQ(runs[0].length, 26u);
  runs.clear();
  find_utf16le_runs(binary_holding(utf16le("Seven77", false)), 1 << 20, runs);  // 7 units
  EXPECT_TRUE(runs.empty());
}

TEST(Utf16Runs, ABinarysUtf16StringsAreDecodedThenTheirBase64) {
  size_t at = 0;
  const std::string value = "aws_access_key_id=" + std::string(kAwsKeyId);
  const std::string bin =
      binary_holding(utf16le(value, false) + std::string("\0\0", 2) +
                         utf16le("blob=" + b64(std::string("id ") + kAwsKeyId), false),
                     &at);
  std::vector<DecodedPiece> pieces;
  decode_nested(bin, true, DecodeLimits{}, pieces);
  const DecodedPiece* p = piece_holding(pieces, value);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(decoding_chain(pieces, static_cast<int>(p - pieces.data())),
            (std::vector<std::string>{"utf16le"}));
  // The key's own place in the binary: two bytes a character.
  const size_t key = p->text.find(kAwsKeyId);
  EXPECT_EQ(position_in_parent(*p, key), at + 2 * key);
  bool nested = false;
  for (size_t i = 0; i < pieces.size(); ++i)
    nested |= decoding_chain(pieces, static_cast<int>(i)) == std::vector<std::string>{"utf16le", "base64"} &&
              pieces[i].text.find(kAwsKeyId) != std::string::npos;
  EXPECT_TRUE(nested);
  // A whole UTF-16 file stays one piece: runs are for binaries that are not UTF-16 text.
  pieces.clear();
  decode_nested(utf16le("# settings\r\n" + value + "\r\n", true), true, DecodeLimits{}, pieces);
  ASSERT_FALSE(pieces.empty());
  EXPECT_EQ(pieces[0].encoding, Encoding::kUtf16Le);
}

TEST(Utf16Runs, BoundedByTheBudget) {
  std::string many;
  for (int i = 0; i < 500; ++i) many += utf16le("resource string number " + std::to_string(i), false) + '\x01';
  const std::string bin = binary_holding(many);
  DecodeLimits limits;
  limits.min_budget = 0;
  limits.max_ratio = 0;
  std::vector<DecodedPiece> pieces;
  DecodeStats st = decode_nested(bin, true, limits, pieces);
  EXPECT_TRUE(pieces.empty());
  EXPECT_TRUE(st.budget_spent);
}

// --- literals joined by `+` ---------------------------------------------------------------

std::vector<std::string> chain_contents(std::string_view text, const LiteralChain& c) {
  std::vector<std::string> out;
  for (const auto& p : c.parts) out.emplace_back(text.substr(p.offset, p.length));
  return out;
}

std::vector<LiteralChain> chains_in(std::string_view text, uint64_t max_run = 1 << 20) {
  std::vector<LiteralChain> chains;
  find_literal_chains(text, max_run, chains);
  return chains;
}

TEST(LiteralChains, JavaKeySplitOverLinesIsJoinedWithItsName) {
  const std::string text =
      "class A {\n"
      "    static final String TWILIO_AUTH_TOKEN = \"8c1f5a2e9d7b3c6f\" +\n"
      "            \"0a4e1d8b2c9f7a3e\";\n"
      "}\n";
  const std::vector<LiteralChain> chains = chains_in(text);
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_EQ(chain_contents(text, chains[0]),
            (std::vector<std::string>{"8c1f5a2e9d7b3c6f", "0a4e1d8b2c9f7a3e"}));
  EXPECT_EQ(text.substr(chains[0].start, 6), "static");
  EXPECT_EQ(chains[0].end, text.find(";\n}"));
  std::vector<uint64_t> text_starts, starts;
  const std::string joined = join_literal_chain(text, chains[0], &text_starts, &starts);
  EXPECT_EQ(joined, "static final String TWILIO_AUTH_TOKEN = \"8c1f5a2e9d7b3c6f0a4e1d8b2c9f7a3e\"");
  ASSERT_EQ(text_starts.size(), 2u);
  // Part 1 of the joined text starts where its literal's content does in the file.
  EXPECT_EQ(joined.substr(text_starts[1], 16), text.substr(starts[1], 16));
}

TEST(LiteralChains, ThreePartsWithSingleQuotesAndLeadingPlus) {
  const std::string text =
      "const key = 'sk_live_'\n"
      "  + 'abcdefgh12345678'\n"
      "  + \"ABCDEFGH\";\n";
  const std::vector<LiteralChain> chains = chains_in(text);
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_EQ(chain_contents(text, chains[0]),
            (std::vector<std::string>{"sk_live_", "abcdefgh12345678", "ABCDEFGH"}));
}

TEST(LiteralChains, WhatIsNotAChainOfLiterals) {
  const std::string text =
      "a = \"abcdefghijklmnop\" + name + \"qrstuvwxyz123456\";\n"  // a variable between
      "b = f(\"abcdefghijklmnop\") + \"qrstuvwxyz123456\";\n"      // a call's result
      "c = \"short\" + \"x\";\n"                                   // under 16 characters
      "d += \"abcdefghijklmnop\";\n"                               // compound assignment
      "e = \"abcdefghijklmnop\" += \"qrstuvwxyz123456\";\n"
      "f = \"abcdefghijklmnop\"\n\n\n\n" + std::string(80, ' ') + "+ \"qrstuvwxyz123456\";\n";  // gap
  const std::vector<LiteralChain> chains = chains_in(text);
  EXPECT_TRUE(chains.empty()) << chain_contents(text, chains[0])[0];
}

TEST(LiteralChains, EscapedQuotesStayInsideTheirLiteral) {
  const std::string text = "s = \"ab\\\"cd+\" + \"efghijklmnopqrst\"\n";
  const std::vector<LiteralChain> chains = chains_in(text);
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_EQ(chain_contents(text, chains[0]),
            (std::vector<std::string>{"ab\\\"cd+", "efghijklmnopqrst"}));
}

TEST(LiteralChains, AChainLongerThanTheRunLimitIsLeft) {
  const std::string text = "k = \"" + std::string(40, 'a') + "\" + \"" + std::string(40, 'b') + "\"\n";
  EXPECT_TRUE(chains_in(text, 60).empty());
  EXPECT_EQ(chains_in(text).size(), 1u);
}

TEST(DecodeNested, Base64SplitOverConcatenatedLinesIsJoinedThenDecoded) {
  const std::string b = b64("{\"aws_access_key_id\": \"" + std::string(kAwsKeyId) + "\"}");
  ASSERT_GT(b.size(), 48u);
  // Cut inside the key id's encoding: no literal's own decoding holds it whole.
  const std::string text = "String blob = \"" + b.substr(0, 24) + "\" +\n    \"" + b.substr(24, 24) +
                           "\" +\n    \"" + b.substr(48) + "\";\n";
  std::vector<DecodedPiece> pieces;
  decode_nested(text, false, DecodeLimits{}, pieces);
  const DecodedPiece* p = piece_holding(pieces, kAwsKeyId);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(decoding_chain(pieces, static_cast<int>(p - pieces.data())),
            (std::vector<std::string>{"concat", "base64"}));
  const DecodedPiece& joined = pieces[p->parent];
  EXPECT_EQ(joined.text, "String blob = \"" + b + "\"");
  // A byte of the second literal maps back to its place on line 2.
  const uint64_t in_joined = joined.text.find(b.substr(30, 5));
  const uint64_t pos = position_in_parent(joined, in_joined);
  EXPECT_EQ(text.substr(pos, 5), b.substr(30, 5));
  EXPECT_EQ(std::count(text.begin(), text.begin() + pos, '\n'), 1);
  for (const auto& q : pieces)
    if (q.encoding == Encoding::kBase64 && q.parent == -1) {
      EXPECT_EQ(q.text.find(kAwsKeyId), std::string::npos);  // the literals one by one
    }
}

}  // namespace
}  // namespace keysweep::decode
