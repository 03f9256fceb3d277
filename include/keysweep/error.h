// Errors are values: every fallible call returns Result<T>. No exception crosses a folder boundary.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace keysweep {

enum class ErrorCode {
  kIo,           // the OS refused: open/read/mmap failed, permission denied
  kTooLarge,     // input over a configured size limit
  kMalformed,    // bytes that do not parse as the format they claim to be
  kUnsupported,  // a valid but unsupported variant (e.g. unknown compression method)
  kLimit,        // a safety limit hit while expanding (depth, entry count, ratio)
  kConfig,       // bad rule file, bad flag, bad pattern
  kInternal,
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;            // the reason, in words a user understands
  std::string path;               // the file (or provenance chain) it concerns, if any
  std::optional<uint64_t> offset; // byte offset inside that file, if it is about one spot

  // "path: at offset 0x1c: message" — the form every diagnostic is printed in.
  std::string to_string() const;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> make_error(ErrorCode code, std::string message, std::string path = {},
                                         std::optional<uint64_t> offset = std::nullopt) {
  return std::unexpected<Error>(Error{code, std::move(message), std::move(path), offset});
}

}  // namespace keysweep
