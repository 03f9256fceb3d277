#include "formats/dex/dex_code.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>

namespace keysweep::dex {

namespace {

// Instruction formats name their width in their first digit ("21c" = 2 units).
constexpr std::array<uint8_t, 256> make_width_table() {
  std::array<uint8_t, 256> w{};
  auto set = [&w](unsigned first, unsigned last, uint8_t width) {
    for (unsigned op = first; op <= last; ++op) w[op] = width;
  };
  set(0x00, 0x01, 1);  // nop 10x (payloads handled apart), move 12x
  set(0x02, 0x02, 2);  // move/from16 22x
  set(0x03, 0x03, 3);  // move/16 32x
  set(0x04, 0x04, 1);  // move-wide 12x
  set(0x05, 0x05, 2);  // move-wide/from16 22x
  set(0x06, 0x06, 3);  // move-wide/16 32x
  set(0x07, 0x07, 1);  // move-object 12x
  set(0x08, 0x08, 2);  // move-object/from16 22x
  set(0x09, 0x09, 3);  // move-object/16 32x
  set(0x0a, 0x12, 1);  // move-result*, move-exception, return*, const/4 (11x, 10x, 11n)
  set(0x13, 0x13, 2);  // const/16 21s
  set(0x14, 0x14, 3);  // const 31i
  set(0x15, 0x16, 2);  // const/high16 21h, const-wide/16 21s
  set(0x17, 0x17, 3);  // const-wide/32 31i
  set(0x18, 0x18, 5);  // const-wide 51l
  set(0x19, 0x19, 2);  // const-wide/high16 21h
  set(0x1a, 0x1a, 2);  // const-string 21c
  set(0x1b, 0x1b, 3);  // const-string/jumbo 31c
  set(0x1c, 0x1c, 2);  // const-class 21c
  set(0x1d, 0x1e, 1);  // monitor-enter/exit 11x
  set(0x1f, 0x20, 2);  // check-cast 21c, instance-of 22c
  set(0x21, 0x21, 1);  // array-length 12x
  set(0x22, 0x23, 2);  // new-instance 21c, new-array 22c
  set(0x24, 0x26, 3);  // filled-new-array 35c, /range 3rc, fill-array-data 31t
  set(0x27, 0x28, 1);  // throw 11x, goto 10t
  set(0x29, 0x29, 2);  // goto/16 20t
  set(0x2a, 0x2c, 3);  // goto/32 30t, packed-switch 31t, sparse-switch 31t
  set(0x2d, 0x3d, 2);  // cmpkind 23x, if-test 22t, if-testz 21t
  // 0x3e..0x43 unused
  set(0x44, 0x6d, 2);  // arrayop 23x, iinstanceop 22c, sstaticop 21c
  set(0x6e, 0x72, 3);  // invoke-kind 35c
  // 0x73 unused
  set(0x74, 0x78, 3);  // invoke-kind/range 3rc
  // 0x79..0x7a unused
  set(0x7b, 0x8f, 1);  // unop 12x
  set(0x90, 0xaf, 2);  // binop 23x
  set(0xb0, 0xcf, 1);  // binop/2addr 12x
  set(0xd0, 0xe2, 2);  // binop/lit16 22s, binop/lit8 22b
  // 0xe3..0xf9 unused
  set(0xfa, 0xfb, 4);  // invoke-polymorphic 45cc, /range 4rcc
  set(0xfc, 0xfd, 3);  // invoke-custom 35c, /range 3rc
  set(0xfe, 0xff, 2);  // const-method-handle 21c, const-method-type 21c
  return w;
}

constexpr std::array<uint8_t, 256> kWidths = make_width_table();

// The widths of the opcodes the walk steps over without a second look; 0 for the few that need
// one: nop (which may be a payload ident), the two const-strings and the unused opcodes.
constexpr std::array<uint8_t, 256> make_plain_width_table() {
  std::array<uint8_t, 256> w = kWidths;
  w[0x00] = w[0x1a] = w[0x1b] = 0;
  return w;
}

constexpr std::array<uint8_t, 256> kPlainWidths = make_plain_width_table();

constexpr uint16_t kPackedSwitchPayload = 0x0100;
constexpr uint16_t kSparseSwitchPayload = 0x0200;
constexpr uint16_t kFillArrayDataPayload = 0x0300;

}  // namespace

uint8_t instruction_width(uint8_t opcode) { return kWidths[opcode]; }

Result<void> append_const_strings(std::string_view insns, std::vector<uint32_t>& out) {
  const uint64_t units = insns.size() / 2;
  const auto* bytes = reinterpret_cast<const unsigned char*>(insns.data());
  auto unit = [&](uint64_t pc) -> uint32_t {
    uint16_t u;
    std::memcpy(&u, insns.data() + 2 * pc, 2);
    if constexpr (std::endian::native == std::endian::big) u = std::byteswap(u);
    return u;
  };
  // Most instructions are stepped over by their opcode's width alone. Stepping straight from the
  // code (load a unit, look its opcode up, add) makes each step wait on two loads in a row; the
  // widths of a block of units are looked up first instead, all independent of each other, and
  // the step then waits on one load. A width is 0 where the full checks below must look: the
  // opcodes kPlainWidths leaves out and an instruction that would run past the end.
  constexpr uint64_t kBlock = 128;
  uint8_t widths[kBlock];
  uint64_t block_start = 0, block_end = 0;
  uint64_t pc = 0;
  while (pc < units) {
    if (pc >= block_end) {
      block_start = pc;
      block_end = std::min(units, pc + kBlock);
      for (uint64_t k = block_start; k < block_end; ++k) {
        const uint8_t w = kPlainWidths[bytes[2 * k]];
        widths[k - block_start] = w <= units - k ? w : 0;
      }
    }
    while (pc < block_end) {
      const uint8_t w = widths[pc - block_start];
      if (w == 0) break;
      pc += w;
    }
    if (pc >= block_end) continue;
    const uint32_t first = unit(pc);
    const uint8_t opcode = first & 0xff;
    uint64_t width = instruction_width(opcode);
    // Payloads carry their own length right after the ident; a header cut short is caught by the
    // width check below (a header-sized width runs past the end).
    if (first == kPackedSwitchPayload || first == kSparseSwitchPayload) {
      if (pc + 1 >= units) width = 2;
      else if (first == kPackedSwitchPayload) width = 4 + uint64_t{unit(pc + 1)} * 2;
      else width = 2 + uint64_t{unit(pc + 1)} * 4;
    } else if (first == kFillArrayDataPayload) {
      if (pc + 3 >= units) {
        width = 4;
      } else {
        uint64_t element_width = unit(pc + 1);
        uint64_t count = unit(pc + 2) | (uint64_t{unit(pc + 3)} << 16);
        width = 4 + (element_width * count + 1) / 2;  // both < 2^32: no overflow in 64 bits
      }
    } else if (width == 0) {
      return make_error(ErrorCode::kUnsupported,
                        "unused opcode 0x" + std::string(1, "0123456789abcdef"[opcode >> 4]) +
                            "0123456789abcdef"[opcode & 15] + " (optimized code?)",
                        {}, 2 * pc);
    }
    if (width > units - pc) {
      return make_error(ErrorCode::kMalformed, "instruction runs past the end of the code", {},
                        2 * pc);
    }
    if (opcode == 0x1a) {
      out.push_back(unit(pc + 1));
    } else if (opcode == 0x1b) {
      out.push_back(unit(pc + 1) | (unit(pc + 2) << 16));
    }
    pc += width;
  }
  return {};
}

}  // namespace keysweep::dex
