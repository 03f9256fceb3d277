#include "formats/dotnet/dotnet_il.h"

#include "io/byte_reader.h"

namespace keysweep {

namespace {

// Operand sizes of IL opcodes (ECMA-335 §III), enough to walk a method body to its ldstr
// instructions. -1: not an opcode; a body using one is left (its literals keep "#US" labels).
int one_byte_operand(uint8_t op) {
  if (op <= 0x0D) return 0;
  if (op <= 0x13) return 1;             // ldarg.s .. stloc.s
  if (op <= 0x1E) return 0;             // ldnull, ldc.i4.m1 .. ldc.i4.8
  switch (op) {
    case 0x1F: return 1;                // ldc.i4.s
    case 0x20: case 0x22: return 4;     // ldc.i4, ldc.r4
    case 0x21: case 0x23: return 8;     // ldc.i8, ldc.r8
    case 0x24: return -1;
    case 0x25: case 0x26: return 0;     // dup, pop
    case 0x27: case 0x28: case 0x29: return 4;  // jmp, call, calli
    case 0x2A: return 0;                // ret
    default: break;
  }
  if (op <= 0x37) return 1;             // short branches
  if (op <= 0x44) return 4;             // long branches
  if (op == 0x45) return -2;            // switch: counted operand
  if (op <= 0x6E) return 0;             // ldind, stind, arithmetic, conversions
  if (op <= 0x75) return 4;             // callvirt .. isinst (0x72 = ldstr)
  if (op == 0x76) return 0;             // conv.r.un
  if (op == 0x77 || op == 0x78) return -1;
  if (op == 0x79) return 4;             // unbox
  if (op == 0x7A) return 0;             // throw
  if (op <= 0x81) return 4;             // ldfld .. stobj
  if (op <= 0x8B) return 0;             // conv.ovf.*.un
  if (op == 0x8C || op == 0x8D) return 4;  // box, newarr
  if (op == 0x8E) return 0;             // ldlen
  if (op == 0x8F) return 4;             // ldelema
  if (op <= 0xA2) return 0;             // ldelem.*, stelem.*
  if (op <= 0xA5) return 4;             // ldelem, stelem, unbox.any
  if (op <= 0xB2) return -1;
  if (op <= 0xBA) return 0;             // conv.ovf.*
  if (op <= 0xC1) return -1;
  if (op == 0xC2) return 4;             // refanyval
  if (op == 0xC3) return 0;             // ckfinite
  if (op <= 0xC5) return -1;
  if (op == 0xC6) return 4;             // mkrefany
  if (op <= 0xCF) return -1;
  if (op == 0xD0) return 4;             // ldtoken
  if (op <= 0xDC) return 0;             // conv.u2 .. endfinally
  if (op == 0xDD) return 4;             // leave
  if (op == 0xDE) return 1;             // leave.s
  if (op <= 0xE0) return 0;             // stind.i, conv.u
  return -1;
}

int two_byte_operand(uint8_t op) {  // after the 0xFE prefix
  switch (op) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: return 0;
    case 0x06: case 0x07: return 4;     // ldftn, ldvirtftn
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x0E: return 2;
    case 0x0F: case 0x11: return 0;     // localloc, endfilter
    case 0x12: return 1;                // unaligned.
    case 0x13: case 0x14: return 0;     // volatile., tail.
    case 0x15: case 0x16: return 4;     // initobj, constrained.
    case 0x17: case 0x18: return 0;     // cpblk, initblk
    case 0x19: return 1;                // no.
    case 0x1A: return 0;                // rethrow
    case 0x1C: return 4;                // sizeof
    case 0x1D: case 0x1E: return 0;     // refanytype, readonly.
    default: return -1;
  }
}

}  // namespace

bool walk_il_for_ldstr(std::string_view code, const std::function<void(uint32_t)>& on_ldstr) {
  ByteReader r(code);
  while (r.remaining() > 0) {
    uint8_t op = *r.u8();
    int operand = 0;
    if (op == 0xFE) {
      auto op2 = r.u8();
      if (!op2) return false;
      operand = two_byte_operand(*op2);
    } else {
      operand = one_byte_operand(op);
    }
    if (operand == -1) return false;
    if (operand == -2) {  // switch: uint32 count, then count int32 targets
      auto n = r.u32le();
      if (!n || *n > r.remaining() / 4 || !r.skip(uint64_t{*n} * 4)) return false;
      continue;
    }
    if (op == 0x72) {
      auto token = r.u32le();
      if (!token) return false;
      if ((*token >> 24) == 0x70) on_ldstr(*token & 0xFFFFFF);
      continue;
    }
    if (!r.skip(static_cast<size_t>(operand))) return false;
  }
  return true;
}

}  // namespace keysweep
