// .NET assemblies (Xamarin / .NET for Android ship them as assemblies/*.dll, often XALZ-compressed):
// PE/COFF -> CLI header -> metadata root ("BSJB") -> streams. The #US heap holds every string
// literal the code loads with `ldstr`; the Constant table holds `const string` field values. Each
// becomes a labelled line: the method that loads the literal, the field that holds the constant, or
// "#US 0x<offset>" for a literal no method body names. Layout: ECMA-335 partition II (§24, §25).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep {

struct DotnetString {
  std::string symbol;  // "Ns.Type.Method()", "Ns.Type.Field" or "#US 0x1a"
  std::string value;   // UTF-8
};

struct DotnetAssembly {
  std::vector<DotnetString> strings;  // #US literals in heap order, then const string fields
  uint32_t user_strings = 0;          // literals read from #US
  bool tables_read = false;           // false: literals are listed without their methods
  std::string tables_problem;         // why the tables could not be used, when they could not
};

// Whether `bytes` starts like a PE image with a CLI header (cheap: headers only).
bool looks_like_dotnet_assembly(std::string_view bytes);

// Reads the literals. Errors (kMalformed) name the structure that lies outside the file.
// `max_value_bytes` bounds the decoded text (hostile heaps and shared method bodies).
Result<DotnetAssembly> parse_dotnet_assembly(std::string_view bytes, uint64_t max_value_bytes);

// XALZ: "XALZ", uint32 descriptor index, uint32 uncompressed size, then one LZ4 block.
inline constexpr std::string_view kXalzMagic = "XALZ";
// The decompressed assembly; kLimit when the stated size is over `max_size`, kMalformed when the
// block does not decode to exactly the stated size.
Result<std::string> decompress_xalz(std::string_view bytes, uint64_t max_size);

}  // namespace keysweep
