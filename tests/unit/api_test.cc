#include <gtest/gtest.h>

#include "keysweep/scan.h"

namespace keysweep {
namespace {

TEST(PublicApi, ScanBufferReportsFindingsWithRedaction) {
  auto scanner = Scanner::create({});
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  EXPECT_GE(scanner->rule_count(), 7u);
  std::vector<Finding> found;
  auto totals = scanner->scan_buffer("aws_access_key_id = AKIA2E4RTQ5NB7XKW3JM\n", "creds.ini",
                                     [&](const Finding& f) { found.push_back(f); });
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->findings, 1u);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, "aws.access_key_id");
  EXPECT_EQ(found[0].location.display_path(), "creds.ini");
  EXPECT_EQ(found[0].location.line, 1u);
  EXPECT_EQ(found[0].secret, "AKIA2E4RTQ5NB7XKW3JM");
  EXPECT_EQ(found[0].redacted, "AKIA\xE2\x80\xA6W3JM");
  EXPECT_EQ(found[0].snippet.find("AKIA2E4RTQ5NB7XKW3JM"), std::string::npos);
}

TEST(PublicApi, BadExtraRulesAreAnError) {
  auto scanner = Scanner::create({.extra_rule_paths = {"/nonexistent/rules.toml"}});
  ASSERT_FALSE(scanner);
  EXPECT_NE(scanner.error().to_string().find("/nonexistent/rules.toml"), std::string::npos);
}

}  // namespace
}  // namespace keysweep
