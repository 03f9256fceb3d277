// Builds a real .NET assembly for tests with Debian's Mono C# compiler (package mono-mcs), holding
// fake credentials as a const field and as literals loaded by methods, and wraps assemblies in
// XALZ the way .NET for Android's build does (an LZ4 block after a 12-byte header).
#pragma once

#include <lz4.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "formats/format_test_support.h"

namespace keysweep::dotnet_test {

inline constexpr const char* kTwilioToken = "7c3e9a1f5b2d8c4e6a0f9b3d1e7c5a2f";
inline constexpr const char* kAwsKeyId = "AKIAR4M7QZ2W6HJ5TNVX";
inline constexpr const char* kTwilioSid = "AC3f9b2e7d41c6a08e5f9d3b2a7c41e6d8";
// In an embedded resource (UTF-8, as MAUI embeds appsettings.json), found by the raw scan.
inline constexpr const char* kResourceKeyId = "AKIAT6NB3KQ7ZW5XR2PM";

inline constexpr const char* kSource = R"cs(
namespace Contoso.Sms {
  public static class TwilioSettings {
    public const string TwilioAuthToken = "7c3e9a1f5b2d8c4e6a0f9b3d1e7c5a2f";
    public static string Describe(int kind) {
      switch (kind) {
        case 0: return "plain text message";
        case 1: return "multimedia message";
        case 2: return "scheduled message";
        default: return TwilioAuthToken.Length > 3 ? "unknown message" : "empty";
      }
    }
  }
  public class AwsUploader {
    static readonly string Region = "eu-central-1-upload";
    public string KeyId() { return "AKIAR4M7QZ2W6HJ5TNVX"; }
    public string Sid(long n) {
      double d = n * 2.5;
      return d > 1e9 ? "AC3f9b2e7d41c6a08e5f9d3b2a7c41e6d8" : Region + " Grüße ✓";
    }
  }
}
)cs";

// The compiled assembly's bytes, or "" with `log` holding why (mcs missing or failing).
inline std::string build_assembly(std::string& log) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "keysweep-dotnet-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    log = "mkdtemp failed";
    return {};
  }
  const std::filesystem::path dir = tmpl;
  std::ofstream(dir / "Contoso.cs") << kSource;
  std::ofstream(dir / "appsettings.json") << "{\"Aws\": {\"AccessKeyId\": \"" << kResourceKeyId << "\"}}\n";
  const std::string cmd = "mcs -nologo -target:library -out:" + (dir / "Contoso.Sms.dll").string() +
                          " -resource:" + (dir / "appsettings.json").string() + ",Contoso.appsettings.json " +
                          (dir / "Contoso.cs").string() + " >" + (dir / "mcs.log").string() + " 2>&1";
  const bool ok = std::system(cmd.c_str()) == 0;
  std::string dll = ok ? format_test::read_file(dir / "Contoso.Sms.dll") : std::string();
  log = "mcs failed (apt-get install mono-mcs): " + format_test::read_file(dir / "mcs.log");
  std::filesystem::remove_all(dir);
  return dll;
}

inline std::string xalz_wrap(const std::string& dll, uint32_t descriptor = 3) {
  std::string out = "XALZ";
  for (uint32_t v : {descriptor, static_cast<uint32_t>(dll.size())})
    for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i));
  std::string block(static_cast<size_t>(LZ4_compressBound(static_cast<int>(dll.size()))), '\0');
  int n = LZ4_compress_default(dll.data(), block.data(), static_cast<int>(dll.size()),
                               static_cast<int>(block.size()));
  block.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out + block;
}

// A version-1 assembly store (assemblies.blob) holding `assemblies` back to back after the header
// and descriptors; debug and config data absent.
inline std::string assembly_store(const std::vector<std::string>& assemblies) {
  auto u32 = [](std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s += static_cast<char>(v >> (8 * i));
  };
  const uint32_t n = static_cast<uint32_t>(assemblies.size());
  std::string out = "XABA";
  u32(out, 1);
  u32(out, n);  // local entries
  u32(out, n);  // global entries
  u32(out, 0);  // store id
  uint32_t offset = 20 + 24 * n;
  for (const std::string& a : assemblies) {
    u32(out, offset);
    u32(out, static_cast<uint32_t>(a.size()));
    for (int i = 0; i < 4; ++i) u32(out, 0);
    offset += static_cast<uint32_t>(a.size());
  }
  for (const std::string& a : assemblies) out += a;
  return out;
}

// A .NET 9+ store (format 2 or 3) from tests/fixtures/dotnet/make_assembly_store.py: the bare store
// and the same store in the payload section of a shared library built with gcc and objcopy.
struct StoreFiles {
  std::string raw, so, log;  // raw and so empty when the script failed; log says why
};

inline StoreFiles make_store(const std::vector<std::pair<std::string, std::string>>& assemblies,
                             int format = 2) {
  StoreFiles out;
  std::string tmpl = (std::filesystem::temp_directory_path() / "keysweep-store-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    out.log = "mkdtemp failed";
    return out;
  }
  const std::filesystem::path dir = tmpl;
  std::string cmd = std::string("python3 ") + KEYSWEEP_SOURCE_DIR +
                    "/tests/fixtures/dotnet/make_assembly_store.py --format " + std::to_string(format) +
                    " --raw " + (dir / "store.blob").string() + " --so " +
                    (dir / "libassemblies.x86_64.blob.so").string();
  for (size_t i = 0; i < assemblies.size(); ++i) {
    const auto file = dir / ("a" + std::to_string(i));
    std::ofstream(file, std::ios::binary) << assemblies[i].second;
    cmd += " '" + assemblies[i].first + "=" + file.string() + "'";
  }
  cmd += " >" + (dir / "log").string() + " 2>&1";
  if (std::system(cmd.c_str()) == 0) {
    out.raw = format_test::read_file(dir / "store.blob");
    out.so = format_test::read_file(dir / "libassemblies.x86_64.blob.so");
  }
  out.log = "make_assembly_store.py failed (needs python3, gcc, objcopy): " +
            format_test::read_file(dir / "log");
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace keysweep::dotnet_test
