// .NET assemblies through the whole engine (libkeysweep, the pipeline `keysweep scan` runs), plain
// and XALZ-compressed: findings name the assembly chain and the method or field holding the value.
#include <gtest/gtest.h>

#include "formats/dotnet/dotnet_test_fixture.h"
#include "keysweep/scan.h"

namespace keysweep {
namespace {

using namespace dotnet_test;

std::vector<Finding> scan(const std::string& bytes, const std::string& name) {
  auto scanner = Scanner::create({});
  EXPECT_TRUE(scanner) << scanner.error().to_string();
  std::vector<Finding> findings;
  auto totals = scanner->scan_buffer(bytes, name, [&](const Finding& f) { findings.push_back(f); });
  EXPECT_TRUE(totals) << totals.error().to_string();
  EXPECT_TRUE(totals->warnings.empty());
  return findings;
}

// Findings and the parts of paired findings (a Twilio SID and token in one assembly pair up).
std::vector<const Finding*> flatten(const std::vector<Finding>& fs) {
  std::vector<const Finding*> out;
  for (const Finding& f : fs) {
    out.push_back(&f);
    for (const Finding& p : f.parts) out.push_back(&p);
  }
  return out;
}

std::string describe(const std::vector<Finding>& fs) {
  std::string out;
  for (const Finding* f : flatten(fs)) out += f->rule_id + " at " + f->location.symbol + "\n";
  return out;
}

const Finding* find(const std::vector<Finding>& fs, std::string_view rule, std::string_view symbol) {
  for (const Finding* f : flatten(fs))
    if (f->rule_id == rule && f->location.symbol == symbol) return f;
  return nullptr;
}

TEST(DotnetScan, FindingsNameTheMethodOrFieldInPlainAndXalzAssemblies) {
  if (std::system("command -v mcs >/dev/null 2>&1") != 0) GTEST_SKIP() << "mcs is not installed";
  std::string log;
  const std::string dll = build_assembly(log);
  ASSERT_FALSE(dll.empty()) << log;

  const std::string name = "app/assemblies/Contoso.Sms.dll";
  const std::string store_name = "app/assemblies/assemblies.blob";
  struct Case {
    const char* what;
    std::string bytes;
    std::vector<std::string> chain;
  };
  const std::vector<Case> cases = {
      {"plain", dll, {name, "strings"}},
      {"XALZ", xalz_wrap(dll), {name, "Contoso.Sms.dll", "strings"}},
      {"store", assembly_store({"not an assembly", xalz_wrap(dll)}),
       {store_name, "assembly #1", "assembly #1", "strings"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto findings = scan(c.bytes, c.chain[0]);
    const std::vector<std::string>& chain = c.chain;

    const Finding* aws = find(findings, "aws.access_key_id", "Contoso.Sms.AwsUploader.KeyId()");
    ASSERT_NE(aws, nullptr) << describe(findings);
    EXPECT_EQ(aws->secret, kAwsKeyId);
    EXPECT_EQ(aws->location.chain, chain);

    const Finding* sid = find(findings, "twilio.account_sid", "Contoso.Sms.AwsUploader.Sid()");
    ASSERT_NE(sid, nullptr) << describe(findings);
    EXPECT_EQ(sid->secret, kTwilioSid);

    // A bare 32-hex token is only a Twilio token beside its name: the const field supplies it.
    const Finding* token =
        find(findings, "twilio.auth_token", "Contoso.Sms.TwilioSettings.TwilioAuthToken");
    ASSERT_NE(token, nullptr) << describe(findings);
    EXPECT_EQ(token->secret, kTwilioToken);
    // The embedded appsettings.json is UTF-8 in the image: the raw scan of the assembly finds it.
    std::vector<std::string> image_chain(chain.begin(), chain.end() - 1);
    const Finding* resource = nullptr;
    for (const Finding* f : flatten(findings))
      if (f->secret == kResourceKeyId) resource = f;
    ASSERT_NE(resource, nullptr) << describe(findings);
    EXPECT_EQ(resource->location.chain, image_chain);

    // SID and token of one assembly are reported as one Twilio account credential.
    bool paired = false;
    for (const Finding& f : findings) paired |= f.rule_id == "twilio.account";
    EXPECT_TRUE(paired) << describe(findings);
  }
}

// .NET 9+: the store in the payload section of lib/<abi>/libassemblies.<abi>.blob.so, a real shared
// library; a literal of an mcs-compiled assembly is reported under the assembly's own name.
TEST(DotnetScan, Net9StoreInsideItsSharedLibraryNamesTheAssembly) {
  if (std::system("command -v mcs >/dev/null 2>&1") != 0) GTEST_SKIP() << "mcs is not installed";
  std::string log;
  const std::string dll = build_assembly(log);
  ASSERT_FALSE(dll.empty()) << log;
  const StoreFiles files =
      make_store({{"Contoso.Sms.dll", dll}, {"Contoso.Packed.dll", xalz_wrap(dll)}});
  ASSERT_FALSE(files.so.empty()) << files.log;

  const std::string so = "app.apk!lib/x86_64/libassemblies.x86_64.blob.so";
  auto findings = scan(files.so, so);
  for (const auto& [assembly, chain] :
       {std::pair<std::string, std::vector<std::string>>{
            "Contoso.Sms.dll", {so, "payload", "Contoso.Sms.dll", "strings"}},
        {"Contoso.Packed.dll", {so, "payload", "Contoso.Packed.dll", "Contoso.Packed.dll", "strings"}}}) {
    SCOPED_TRACE(assembly);
    const Finding* aws = nullptr;
    for (const Finding* f : flatten(findings))
      if (f->rule_id == "aws.access_key_id" && f->location.symbol == "Contoso.Sms.AwsUploader.KeyId()" &&
          f->location.chain == chain)
        aws = f;
    ASSERT_NE(aws, nullptr) << describe(findings);
    EXPECT_EQ(aws->secret, kAwsKeyId);
  }
}

}  // namespace
}  // namespace keysweep
