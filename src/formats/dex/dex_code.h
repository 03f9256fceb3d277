// Walking Dalvik bytecode just far enough to see which strings a method loads: every instruction's
// width comes from the opcode table, and the switch/array payloads embedded in the code are skipped
// by their own size, so a const-string after a payload is still found.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep::dex {

// Width in 16-bit code units of the instruction with this opcode, from the instruction-format table
// of the Dalvik bytecode spec; 0 for opcodes the spec leaves unused (they occur only in optimized
// "odex"/quickened code, whose widths differ between Android releases).
uint8_t instruction_width(uint8_t opcode);

// Appends to `out` the string index of each const-string (0x1a) and const-string/jumbo (0x1b) in
// `insns` (the code_item's instructions, 2 bytes per unit, little-endian), in code order. Fails
// with the byte offset inside `insns` when an instruction runs past the end or an unused opcode
// appears; the strings before that point are appended all the same.
Result<void> append_const_strings(std::string_view insns, std::vector<uint32_t>& out);

}  // namespace keysweep::dex
