// The context reader and scorer: which assignments each syntax yields, and what the built-in model
// reports of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "context/assignment_reader.h"
#include "context/features.h"
#include "context/scorer.h"

namespace keysweep::context {
namespace {

double probability(std::string_view text, std::string_view value, std::string_view path = "src/app.py");

struct Found {
  std::string name, value;
  Syntax syntax;
};

std::vector<Found> read(std::string_view text) {
  std::vector<Assignment> out;
  read_assignments(text, out);
  std::vector<Found> f;
  for (const auto& a : out) {
    EXPECT_EQ(text.substr(a.value_offset, a.value.size()), a.value) << "offset of " << a.value;
    f.push_back({std::string(a.name), std::string(a.value), a.syntax});
  }
  return f;
}

// The (name, value) the reader gives for `text`, or "" when it gives none with that value.
std::string name_of(std::string_view text, std::string_view value) {
  for (const auto& f : read(text))
    if (f.value == value) return f.name;
  return "<none>";
}

TEST(AssignmentReader, SourceAndConfigSyntaxes) {
  EXPECT_EQ(name_of(R"(DB_PASSWORD = "OO2tN4aGC7Kl2hIMFy")", "OO2tN4aGC7Kl2hIMFy"), "DB_PASSWORD");
  EXPECT_EQ(name_of("POSTGRES_PASSWORD: gjmgkuhp", "gjmgkuhp"), "POSTGRES_PASSWORD");
  EXPECT_EQ(name_of("export API_TOKEN=ab12cd34ef", "ab12cd34ef"), "API_TOKEN");
  EXPECT_EQ(name_of("spring.datasource.password=Welcome1", "Welcome1"), "spring.datasource.password");
  EXPECT_EQ(name_of(R"({"client_secret": "b7I6KMmWfkOBm0"})", "b7I6KMmWfkOBm0"), "client_secret");
  EXPECT_EQ(name_of(R"("AsString": "{\"password\":\"hunter22\"}")", "hunter22"), "password");
  EXPECT_EQ(name_of("  :password => 'tq8!vZ2mR',", "tq8!vZ2mR"), "password");
  EXPECT_EQ(name_of("$pw .= 'secretive9';", "secretive9"), "pw");
  EXPECT_EQ(name_of("ENV DB_PASS=passw0rd", "passw0rd"), "DB_PASS");
  EXPECT_EQ(name_of("ENV DB_PASSWORD passw0rd", "passw0rd"), "DB_PASSWORD");
  EXPECT_EQ(name_of("PASSWORD ?= Winter2022", "Winter2022"), "PASSWORD");
  EXPECT_EQ(name_of(R"(const apiKey string = "k3y-v4lue-123")", "k3y-v4lue-123"), "apiKey");
  EXPECT_EQ(name_of(R"(	Password      string = "x9y8z7w6")", "x9y8z7w6"), "Password");
}

TEST(AssignmentReader, CallsPairsAndXml) {
  EXPECT_EQ(name_of(R"(headers.put("X-Api-Key", "yoEQRYweM83zz99gvx1y5");)", "yoEQRYweM83zz99gvx1y5"),
            "X-Api-Key");
  EXPECT_EQ(name_of(R"(secret := []byte("s3cr3t-bytes"))", "s3cr3t-bytes"), "secret");
  EXPECT_EQ(name_of(R"(<string name="test_url">https://adm1n:passw0rd@dev.victim.com</string>)",
                    "passw0rd"),
            "https");
  EXPECT_EQ(name_of(R"(<string name="backend_api_key">dTAV6Agi9gDjvX8</string>)", "dTAV6Agi9gDjvX8"),
            "backend_api_key");
  EXPECT_EQ(name_of(R"(<add key="Password" value="Pl8n-Kj2x"/>)", "Pl8n-Kj2x"), "Password");
  EXPECT_EQ(name_of("<password>hunter22</password>", "hunter22"), "password");
}

TEST(AssignmentReader, CommandLinesSqlAndHeaders) {
  EXPECT_EQ(name_of("mysql -u root -pS3cretPw db", "S3cretPw"), "-p");
  EXPECT_EQ(name_of("tool --password hunter22 --verbose", "hunter22"), "password");
  EXPECT_EQ(name_of("curl -u admin:Tr0ub4dor https://api.example.com", "Tr0ub4dor"), "curl -u");
  EXPECT_EQ(name_of("CREATE USER app IDENTIFIED BY 'Sup3rPw';", "Sup3rPw"), "identified by");
  EXPECT_EQ(name_of(R"($p = ConvertTo-SecureString "P@ssw0rd1" -AsPlainText -Force)", "P@ssw0rd1"),
            "ConvertTo-SecureString");
  EXPECT_EQ(name_of("Authorization: Bearer abcDEF123456ghiJKL", "abcDEF123456ghiJKL"), "Authorization");
  EXPECT_EQ(name_of("docker run -e MYSQL_PASSWORD=Kz9walrus img", "Kz9walrus"), "MYSQL_PASSWORD");
  // A header inside a quoted header argument, or a custom X- header in any string, is a name and
  // its value; a label inside ordinary text stays text.
  EXPECT_EQ(name_of(R"(curl -H "Token: ff0443a8e5ba8515" http://h)", "ff0443a8e5ba8515"), "Token");
  EXPECT_EQ(name_of(R"(requests.get(u, headers=["X-Auth-Token: ff0443a8e5ba8515"]))", "ff0443a8e5ba8515"),
            "X-Auth-Token");
  EXPECT_EQ(name_of(R"(print("Password: hunter22"))", "hunter22"), "<none>");
}

TEST(AssignmentReader, SqlWordsInEachCasingAndNowhereElse) {
  // "password 'x'" is SQL only on a line that creates, alters or grants, written in lower, upper
  // or capitalised case, at the start of the line or after anything.
  for (std::string_view verb : {"create role", "CREATE ROLE", "Create role", "alter role", "ALTER ROLE",
                                "Alter role", "grant all to", "GRANT ALL TO"}) {
    for (std::string_view before : {"", "x;", "  "}) {
      std::string line = std::string(before) + std::string(verb) + " app password 'Sup3rPw9';";
      EXPECT_EQ(name_of(line, "Sup3rPw9"), "identified by") << line;
    }
  }
  // Not SQL: "Grant" capitalised is not one of the forms, the word must end in a space, and the
  // verb's last letter alone does not make one.
  for (std::string_view line : {"Grant all app password 'Sup3rPw9';", "created role password 'Sup3rPw9';",
                                "recreate_role password 'Sup3rPw9';", "later role password 'Sup3rPw9';",
                                "ter role password 'Sup3rPw9';"}) {
    EXPECT_EQ(name_of(line, "Sup3rPw9"), "<none>") << line;
  }
  EXPECT_EQ(name_of("recreate role password 'Sup3rPw9';", "Sup3rPw9"), "identified by");
}

TEST(AssignmentReader, EachValueOnceHoweverManyOnTheLine) {
  // A minified object: past the first sixteen values the claimed offsets move to a hash map, and
  // a value reached twice (an auth header's value is also an assignment's) is still one assignment.
  for (int n : {1, 15, 16, 17, 40}) {
    std::string line = "{";
    for (int i = 0; i < n; ++i) line += "\"token_" + std::to_string(i) + "\": \"v" + std::to_string(i) + "xyz\", ";
    line += "\"auth\": \"Bearer abcDEF123456ghiJKL\"}";
    auto found = read(line);
    // The auth scheme is read before the line's operators, so its value comes first.
    ASSERT_EQ(found.size(), static_cast<size_t>(n) + 1) << n;
    EXPECT_EQ(found[0].value, "abcDEF123456ghiJKL");
    EXPECT_EQ(found[0].syntax, Syntax::kAuthHeader);
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(found[i + 1].name, "token_" + std::to_string(i));
      EXPECT_EQ(found[i + 1].value, "v" + std::to_string(i) + "xyz");
    }
  }
}

TEST(AssignmentReader, NeverPairsAcrossLines) {
  // A translation file: the key of one line is not the name of the next line's value.
  for (const auto& f : read("  \"reset_token\",\n  \"Abc123defGhi\": \"x\"\n"))
    EXPECT_NE(f.value, "Abc123defGhi");
  EXPECT_TRUE(read("a == b\nx != y\n").empty());
}

// Two formats put a value on the lines after its name: a YAML block scalar and an XML element
// whose text has lines of its own. A value of one line is read there; anything else is not.
TEST(AssignmentReader, ValuesOnTheLinesAfterTheirName) {
  EXPECT_EQ(name_of("api_token: |\n  kX9vQ2mL7pR4tW8z\nother: 1\n", "kX9vQ2mL7pR4tW8z"),
            "api_token");
  EXPECT_EQ(name_of("auth:\n  client_secret: >-\n    kX9vQ2mL7pR4tW8z\n", "kX9vQ2mL7pR4tW8z"),
            "client_secret");
  EXPECT_EQ(name_of("- \"api_key\": |2\r\n    kX9vQ2mL7pR4tW8z\r\n", "kX9vQ2mL7pR4tW8z"),
            "api_key");
  EXPECT_EQ(name_of("<apiToken>\n    kX9vQ2mL7pR4tW8z\n</apiToken>\n", "kX9vQ2mL7pR4tW8z"),
            "apiToken");
  EXPECT_EQ(name_of("<apiToken>\n  kX9vQ2mL7pR4tW8z</apiToken>", "kX9vQ2mL7pR4tW8z"), "apiToken");
  EXPECT_EQ(name_of("<string name=\"api_key\">\n  kX9vQ2mL7pR4tW8z\n</string>", "kX9vQ2mL7pR4tW8z"),
            "api_key");
  for (const auto& f : read("<apiToken>\n    kX9vQ2mL7pR4tW8z\n</apiToken>\n"))
    EXPECT_EQ(f.syntax, Syntax::kXml);
  // A block of two lines, a line not indented under the key, no line after, an element closed by
  // another name or holding elements: no value.
  for (std::string_view text :
       {"api_token: |\n  kX9vQ2mL7pR4tW8z\n  and more\n", "api_token: |\nkX9vQ2mL7pR4tW8z\n",
        "api_token: |\n", "<apiToken>\n  kX9vQ2mL7pR4tW8z\n</other>\n",
        "<apiToken>\n  kX9vQ2mL7pR4tW8z\n", "# api_token: |\n  kX9vQ2mL7pR4tW8z\n"}) {
    for (const auto& f : read(text)) EXPECT_NE(f.value, "kX9vQ2mL7pR4tW8z") << text;
  }
  EXPECT_EQ(name_of("<credentials>\n  <password>hunter22</password>\n</credentials>", "hunter22"),
            "password");
  EXPECT_EQ(read("<credentials>\n  <password>hunter22</password>\n</credentials>").size(), 1u);

  EXPECT_TRUE(may_open_next_line_value("token: |"));
  EXPECT_TRUE(may_open_next_line_value("token: >-  "));
  EXPECT_TRUE(may_open_next_line_value("token: |+2"));
  EXPECT_TRUE(may_open_next_line_value("<token>"));
  EXPECT_FALSE(may_open_next_line_value("port = 8080"));
  EXPECT_FALSE(may_open_next_line_value("x = a - b"));
  EXPECT_FALSE(may_open_next_line_value(""));
}

// A CSV's credential columns: each row's field under its header, at its own offset; quoted
// fields, another delimiter, a BOM; no header row, no credential column: nothing.
TEST(AssignmentReader, TableColumnsUnderTheirHeader) {
  auto table = [](std::string_view text) {
    std::vector<Assignment> out;
    read_table_columns(text, out, could_name_credential);
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& a : out) {
      EXPECT_EQ(text.substr(a.value_offset, a.value.size()), a.value);
      got.emplace_back(a.name, a.value);
    }
    return got;
  };
  using Got = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(
      table("User name,Password,Access key ID,Console login link\r\n"
            "deploy,Xk9#mP2$vLq7,AKIAQWB5PDKHX6PYGPAN,https://x.signin.aws.amazon.com/console\r\n"),
      (Got{{"Password", "Xk9#mP2$vLq7"}, {"Access key ID", "AKIAQWB5PDKHX6PYGPAN"}}));
  EXPECT_EQ(table("\xEF\xBB\xBFuser;api_token;note\nalice;\"tok;en\"\"1\";x\nbob\n;;\n"),
            (Got{{"api_token", "tok;en\"\"1"}}));
  EXPECT_EQ(table("name\tsecret\nweb\tq8Vd3kR2mZ7x\n"), (Got{{"secret", "q8Vd3kR2mZ7x"}}));
  EXPECT_TRUE(table("alice,Tr0ub4dor&3x,alice@example.com\nbob,hunter2,bob@example.com\n").empty());
  EXPECT_TRUE(table("name,version,homepage\nre2,2023,https://github.com/google/re2\n").empty());
  EXPECT_TRUE(table("password\nhunter22\n").empty()) << "one column: no delimiter to split on";
  EXPECT_TRUE(is_delimited_table("dumps/users.CSV"));
  EXPECT_TRUE(is_delimited_table("app.apk!assets/keys.tsv"));
  EXPECT_FALSE(is_delimited_table("users.csv.bak"));
  EXPECT_FALSE(is_delimited_table("csv"));
}

// GNU make's assignment operators, each of them.
TEST(AssignmentReader, MakeAssignments) {
  for (std::string_view op : {"=", ":=", "::=", ":::=", "?=", "+=", "!="}) {
    std::string line = "API_TOKEN " + std::string(op) + " \"kX9vQ2mL7pR4tW8z\"";
    EXPECT_EQ(name_of(line, "kX9vQ2mL7pR4tW8z"), op == "!=" ? "<none>" : "API_TOKEN") << line;
  }
}

double probability(std::string_view text, std::string_view value, std::string_view path) {
  std::vector<Assignment> out;
  read_assignments(text, out);
  for (const auto& a : out)
    if (a.value == value) {
      FeatureVector f;
      if (compute_features(a, classify_path(path), f) == NameClass::kNone) return -1;
      return score(builtin_scorer_model(), f).probability;
    }
  return -2;
}

TEST(Scorer, ReportsRealCredentialsAndDropsLookAlikes) {
  const double report = builtin_scorer_model().report;
  EXPECT_GE(probability(R"(DB_PASSWORD = "OO2tN4aGC7Kl2hIMFy")", "OO2tN4aGC7Kl2hIMFy"), report);
  EXPECT_GE(probability("POSTGRES_PASSWORD: gjmgkuhp", "gjmgkuhp", "docker-compose.yml"), report);
  EXPECT_GE(probability(R"(password = "Winter2022")", "Winter2022"), report);
  EXPECT_GE(probability(R"(client_secret = "dfab5b4ac41554e7dc58a16705444c33")",
                        "dfab5b4ac41554e7dc58a16705444c33"),
            report);
  EXPECT_LT(probability(R"(password = "${DB_PASSWORD}")", "${DB_PASSWORD}"), report);
  EXPECT_LT(probability(R"(password = "changeme")", "changeme"), report);
  EXPECT_LT(probability("password = user.password", "user.password"), report);
  EXPECT_LT(probability(R"(password_hint = "Enter your password")", "Enter your password"), report);
  EXPECT_LT(probability(R"(api_key = os.getenv("API_KEY"))", "API_KEY"), report);
  EXPECT_LT(probability(R"(token = "xxxxxxxxxxxxxxxx")", "xxxxxxxxxxxxxxxx"), report);
  // Not a credential name at all: not scored.
  EXPECT_EQ(probability(R"(color = "Abc123defGhi99")", "Abc123defGhi99"), -1);
}

TEST(ScorerModel, RejectsMalformedFilesNamingTheLine) {
  auto missing = parse_scorer_model("bias 1\n", "m.txt");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("no weight for feature"), std::string::npos);
  auto unknown = parse_scorer_model("bias 1\nweight no_such_feature 2\n", "m.txt");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("line 2: unknown feature 'no_such_feature'"), std::string::npos);
  auto nan = parse_scorer_model("bias x\n", "m.txt");
  ASSERT_FALSE(nan.has_value());
  EXPECT_NE(nan.error().message.find("line 1"), std::string::npos);
}

// score() walks the trees in their flattened, padded layout; the reference here walks the parsed
// nodes. They must agree on every path, including a feature exactly at a threshold (the float
// threshold is rounded down so `f <= t` keeps its meaning) and a tree shallower on one side.
double reference_probability(const ScorerModel& m, const FeatureVector& f) {
  double z = m.bias;
  for (size_t i = 0; i < kFeatureCount; ++i) z += m.weights[i] * f[i];
  for (uint32_t root : m.tree_roots) {
    const TreeNode* n = &m.nodes[root];
    while (n->feature >= 0) n = &m.nodes[f[static_cast<size_t>(n->feature)] <= n->threshold ? n->left : n->right];
    z += n->value;
  }
  return 1.0 / (1.0 + std::exp(-z));
}

// The built-in model is generated as data at build time (embed_model.cc); it must be what the
// parser makes of scorer_model.txt, bit for bit.
TEST(ScorerModel, BuiltInDataIsTheParsedModelFile) {
  std::ifstream in(KEYSWEEP_SOURCE_DIR "/src/context/scorer_model.txt", std::ios::binary);
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_scorer_model(text.str(), "scorer_model.txt");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const ScorerModel& b = builtin_scorer_model();
  EXPECT_EQ(b.bias, parsed->bias);
  EXPECT_EQ(b.weights, parsed->weights);
  EXPECT_EQ(b.tree_roots, parsed->tree_roots);
  ASSERT_EQ(b.nodes.size(), parsed->nodes.size());
  for (size_t i = 0; i < b.nodes.size(); ++i) {
    const TreeNode &x = b.nodes[i], &y = parsed->nodes[i];
    ASSERT_TRUE(x.feature == y.feature && x.left == y.left && x.right == y.right &&
                x.threshold == y.threshold && x.value == y.value) << "node " << i;
  }
  EXPECT_EQ(b.report, parsed->report);
  EXPECT_EQ(b.medium, parsed->medium);
  EXPECT_EQ(b.high, parsed->high);
  EXPECT_EQ(b.flat.depth, parsed->flat.depth);
  EXPECT_EQ(b.flat.feature, parsed->flat.feature);
  EXPECT_EQ(b.flat.threshold, parsed->flat.threshold);
  EXPECT_EQ(b.flat.leaf, parsed->flat.leaf);
}

TEST(ScorerModel, FlatTreesAgreeWithTheNodeWalk) {
  const ScorerModel& builtin = builtin_scorer_model();
  ASSERT_GT(builtin.flat.depth, 0u) << "the built-in model is expected to be flattened";
  std::vector<float> probes = {0.0f, 1.0f, -1.0f, 100.0f};
  for (const TreeNode& n : builtin.nodes)
    if (n.feature >= 0) {
      float t = static_cast<float>(n.threshold);
      probes.insert(probes.end(), {t, std::nextafter(t, -1e9f), std::nextafter(t, 1e9f)});
    }
  uint64_t state = 88172645463325252ull;  // xorshift: a fixed, reproducible sample of vectors
  auto next = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  FeatureVector f;
  for (int round = 0; round < 4000; ++round) {
    for (auto& v : f) v = probes[next() % probes.size()];
    ASSERT_NEAR(score(builtin, f).probability, reference_probability(builtin, f), 1e-12) << "round " << round;
  }

  // A hand-written model whose tree is a leaf on the left at depth 1 and splits twice on the right.
  std::string text = "bias 0\n";
  for (size_t i = 0; i < kFeatureCount; ++i)
    text += "weight " + std::string(feature_name(static_cast<Feature>(i))) + " 0\n";
  std::string a(feature_name(static_cast<Feature>(0))), b(feature_name(static_cast<Feature>(1)));
  text += "tree\nsplit " + a + " 0.5 1 2 0\nleaf -2\nsplit " + b + " 0.25 3 4 0\nleaf 1\nsplit " + a +
          " 2.5 5 6 0\nleaf 3\nleaf 5\n";
  text += "threshold report 0.5\nthreshold medium 0.6\nthreshold high 0.7\n";
  auto model = parse_scorer_model(text, "hand.txt");
  ASSERT_TRUE(model.has_value()) << model.error().message;
  EXPECT_EQ(model->flat.depth, 3u);
  for (float x : {0.0f, 0.5f, 0.75f, 2.5f, 3.0f})
    for (float y : {0.0f, 0.25f, 1.0f}) {
      FeatureVector g{};
      g[0] = x, g[1] = y;
      EXPECT_NEAR(score(*model, g).probability, reference_probability(*model, g), 1e-12) << x << "," << y;
    }
}

// score_if_reportable stops summing the trees once the report threshold is out of reach: it must
// decide as score() does, and give score()'s very figures when it reports.
TEST(ScorerModel, EarlyStopDecidesAsTheFullScore) {
  const ScorerModel& builtin = builtin_scorer_model();
  ASSERT_EQ(builtin.flat.most_after.size(), builtin.tree_roots.size() + 1);
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  size_t reported = 0, not_reported = 0;
  FeatureVector f;
  for (int round = 0; round < 20000; ++round) {
    // Yes/no features mostly off, graded ones over their ranges: vectors like real candidates',
    // on both sides of the threshold.
    for (size_t i = 0; i < kFeatureCount; ++i)
      f[i] = is_graded(static_cast<Feature>(i)) ? static_cast<float>(next() % 700) / 100.0f
                                                : static_cast<float>(next() % 4 == 0);
    const Score full = score(builtin, f);
    const std::optional<Score> early = score_if_reportable(builtin, f);
    ASSERT_EQ(early.has_value(), full.confidence.has_value()) << "round " << round;
    if (!early) {
      ++not_reported;
      continue;
    }
    ++reported;
    EXPECT_EQ(early->probability, full.probability) << "round " << round;
    EXPECT_EQ(early->confidence, full.confidence) << "round " << round;
  }
  EXPECT_GT(reported, 50u);
  EXPECT_GT(not_reported, 100u);
}

}  // namespace
}  // namespace keysweep::context

namespace keysweep::context {
namespace {

// A hostile 16 MB line: every construct the reader looks for, repeated without ever closing.
// Each search is bounded, so this finishes in linear time; a quadratic reader would not finish
// within the test's timeout.
TEST(AssignmentReader, HostileLongLineIsReadInLinearTime) {
  std::string line;
  const std::string_view pieces[] = {"password=\"", "a:", "://u:", "<x>", "\\\"", "&quot;", "Bearer ",
                                     "-p", "--password ", "value=", "\"k\", ", "IDENTIFIED BY '"};
  while (line.size() < (16u << 20))
    for (auto p : pieces) line += p;
  std::vector<Assignment> out;
  read_assignments(line, out);
  for (const auto& a : out) ASSERT_LE(a.value_offset + a.value.size(), line.size());
  EXPECT_FALSE(out.empty());
}

}  // namespace
}  // namespace keysweep::context

namespace keysweep::context {
namespace {

bool has(std::string_view text, std::string_view value, Feature feature) {
  std::vector<Assignment> out;
  read_assignments(text, out);
  for (const auto& a : out)
    if (a.value == value) {
      FeatureVector f;
      compute_features(a, classify_path("app.env"), f);
      return f[static_cast<size_t>(feature)] != 0;
    }
  ADD_FAILURE() << "no assignment of " << value;
  return false;
}

TEST(Features, FillersSequencesAndPhrasesAreToldFromKeys) {
  EXPECT_TRUE(has("api_key=a1b2c3d4e5f6g7h8i9j0", "a1b2c3d4e5f6g7h8i9j0", Feature::kFiller));
  EXPECT_TRUE(has("apiKey=px-api-a1b2c3d4-e5f6-g7h8", "px-api-a1b2c3d4-e5f6-g7h8", Feature::kFiller));
  EXPECT_TRUE(has("token=xxxxxxxxxxxx", "xxxxxxxxxxxx", Feature::kFiller));
  EXPECT_FALSE(has("token=IhRYWpz3612y3YoXKdoElka1eS90wuCr", "IhRYWpz3612y3YoXKdoElka1eS90wuCr", Feature::kFiller));
  EXPECT_FALSE(has("password=abuser123456", "abuser123456", Feature::kFiller));  // weak, not filler
  EXPECT_TRUE(has("api_key=APIKEY-loaded-from-remote-config", "APIKEY-loaded-from-remote-config", Feature::kPhrase));
  EXPECT_TRUE(
      has("token=Fetch-Remote-Config-Token", "Fetch-Remote-Config-Token", Feature::kPhrase));
  // Parts in random case are a key's base64url, however long their runs of letters.
  EXPECT_FALSE(has("token=YaFobe-YQznw-MIQcNLvQRTSDyyKMNQDdWmYWRopkFM",
                   "YaFobe-YQznw-MIQcNLvQRTSDyyKMNQDdWmYWRopkFM", Feature::kPhrase));
  EXPECT_TRUE(has("secret_ref=V1LocalObjectReference", "V1LocalObjectReference", Feature::kIdentifierLike));
  EXPECT_FALSE(has("secret_ref=V1LocalObjectReference", "V1LocalObjectReference", Feature::kBase64Like));
  EXPECT_TRUE(has("secret_sha256=ab12", "ab12", Feature::kNameDigest));
  EXPECT_TRUE(has("private_key_id=ab12", "ab12", Feature::kNameIdentifier));
  // A constant named for the kind of key it is (a JSON member, a preference, a bundle extra)
  // holds a field's name, also behind its class's name in a DEX or its type in a resource table;
  // a key store's password does not.
  for (std::string_view name :
       {"JSON_KEY_RET_TRAFFIC_PASS", "KEY_USER_PASSWORD", "PREF_KEY_TOKEN", "EXTRA_SECRET",
        "com.example.Constants.PARAM_API_KEY", "_string_pref_key_api_token"}) {
    EXPECT_TRUE(has(std::string(name) + "=miflow", "miflow", Feature::kNameDescribes)) << name;
  }
  for (std::string_view name : {"KEY_STORE_PASSWORD", "DB_PASSWORD", "KEY", "JSON_KEY",
                                "com.example.Constants.SECRET_KEY", "_string_api_token"}) {
    EXPECT_FALSE(has(std::string(name) + "=miflow", "miflow", Feature::kNameDescribes)) << name;
  }
  // Only a value that reads as a field's name: a random string under KEY_PASSWORD is a password.
  EXPECT_TRUE(has("KEY_PASSWORD=user_pwd", "user_pwd", Feature::kNameDescribes));
  EXPECT_TRUE(has("KEY_PASSWORD=PASSWORD", "PASSWORD", Feature::kNameDescribes));
  for (std::string_view value : {"Xk9#mQ2$vL7!pR4w", "ghx8Kd92LmQpZ7vT3nB5wY1c",
                                 "d41d8cd98f00b204e980", "fkxhiiedpllwwqnyw"}) {
    EXPECT_FALSE(has("KEY_PASSWORD=" + std::string(value), value, Feature::kNameDescribes))
        << value;
  }
  EXPECT_TRUE(has("password=$DB_PASSWORD", "$DB_PASSWORD", Feature::kTemplate));
  EXPECT_FALSE(has("password=P@$$w0rd", "P@$$w0rd", Feature::kTemplate));
  // Random letters against words, names and weak passwords.
  EXPECT_TRUE(has("TUMBLR_OAUTH_KEY=fkxhiiedpllwwqnyw", "fkxhiiedpllwwqnyw", Feature::kRandomLetters));
  for (std::string_view word : {"development", "changeme", "Winter2022", "correcthorsebattery"}) {
    std::string line = "password=" + std::string(word);
    EXPECT_FALSE(has(line, word, Feature::kRandomLetters)) << word;
  }
  EXPECT_TRUE(has("LASTFM_KEY=b2c9fb7a1a8f541d6089", "b2c9fb7a1a8f541d6089", Feature::kNameEnvStyle));
  EXPECT_FALSE(has("lastfmKey=b2c9fb7a1a8f541d6089", "b2c9fb7a1a8f541d6089", Feature::kNameEnvStyle));
  EXPECT_FALSE(has("TOKEN=b2c9fb7a1a8f541d6089", "b2c9fb7a1a8f541d6089", Feature::kNameEnvStyle));
}

// Word and template searches in a value are skipped when the value lacks one of the word's bytes,
// with upper case counted as its lower case: each word is still found whatever its case, and a
// value that lacks its letters (a translated UI string) is not said to hold it.
TEST(Features, ValueWordsAreFoundInAnyCaseAndOnlyWhenThere) {
  EXPECT_TRUE(has("password=ADMIN-2024!", "ADMIN-2024!", Feature::kWeakWord));
  EXPECT_TRUE(has("password=MyAdminPw!", "MyAdminPw!", Feature::kWeakWord));
  EXPECT_FALSE(has("password=Zq8-xW2-vY4!", "Zq8-xW2-vY4!", Feature::kWeakWord));
  EXPECT_TRUE(has("api_key=CHANGEME", "CHANGEME", Feature::kPlaceholder));
  EXPECT_TRUE(has("api_key=Your_Api_Key", "Your_Api_Key", Feature::kPlaceholder));
  EXPECT_TRUE(has("api_key=\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87\xe2\x80\xa6", "\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87\xe2\x80\xa6",
                  Feature::kPlaceholder))
      << "an ellipsis (non-ASCII) is still searched for";
  EXPECT_FALSE(has("api_key=\"\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87 \xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd1\x83\xd0\xbf\xd0\xb0\"",
                   "\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87 \xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd1\x83\xd0\xbf\xd0\xb0", Feature::kPlaceholder));
  EXPECT_TRUE(has("secret=SecretToken", "SecretToken", Feature::kMentionsKeyword));
  EXPECT_TRUE(has("token=Bearer-%s", "Bearer-%s", Feature::kTemplate));
  EXPECT_TRUE(has("token=\"abc{0}def\"", "abc{0}def", Feature::kTemplate));
  EXPECT_FALSE(has("token=\"abc{1}def\"", "abc{1}def", Feature::kTemplate));
}

}  // namespace
}  // namespace keysweep::context

namespace keysweep::context {
namespace {

// The reader's name filter must never drop a name the scorer would classify.
TEST(Features, HexNumberInCodeIsNotACandidate) {
  // A hash seed written as a C integer literal is a number; the same digits quoted are a string.
  for (auto [text, expect] : {std::pair{"const uint64_t seed_prime = 0xff51afd7ed558ccdULL;", NameClass::kNone},
                              std::pair{"const char* seed = \"0xff51afd7ed558ccd\";", NameClass::kSecret}}) {
    std::vector<Assignment> out;
    read_assignments(text, out);
    ASSERT_FALSE(out.empty()) << text;
    FeatureVector f;
    EXPECT_EQ(compute_features(out.front(), classify_path("src/hashing.h"), f), expect) << text;
  }
}

// In code, a member reached through optional chaining or a non-null assertion, and an indexed
// name, are expressions like `self.key`; in a config file the same text is a value.
TEST(Features, ChainedAndIndexedNamesInCodeAreReferences) {
  for (std::string_view text : {"  password: mqttConfig?.password,", "  password: auth[1],",
                                "val token = session!!.token", "token = opts!.accessToken"}) {
    std::vector<Assignment> out;
    read_assignments(text, out);
    ASSERT_FALSE(out.empty()) << text;
    FeatureVector f;
    EXPECT_EQ(compute_features(out.front(), classify_path("src/client.ts"), f), NameClass::kNone)
        << text;
    EXPECT_NE(compute_features(out.front(), classify_path("config/app.yaml"), f), NameClass::kNone)
        << text;
  }
}

TEST(Features, NameFilterKeepsEveryCredentialName) {
  for (std::string_view name :
       {"password", "DB_PASS", "pwd", "rootPw", "passphrase", "client_secret", "apiKey", "X-Api-Key",
        "authToken", "Authorization", "credentials", "salt", "nonce", "jwt", "otp_seed", "hmac",
        "signature", "session_cookie", "sid", "bearer", "ConsumerKey", "PASSWORT", "passcode"}) {
    Assignment a;
    a.name = name;
    EXPECT_NE(classify_name(a), NameClass::kNone) << name;
    EXPECT_TRUE(could_name_credential(name)) << name;
  }
  EXPECT_FALSE(could_name_credential("color"));
  EXPECT_FALSE(could_name_credential("i"));
}

}  // namespace
}  // namespace keysweep::context

namespace keysweep::context {
namespace {

// What app resources are full of: UI text about passwords, in every language, and fields named
// after themselves. None of it may be reported.
TEST(Scorer, AppResourceStringsAreNotCredentials) {
  const double report = builtin_scorer_model().report;
  auto p = [](std::string_view line, std::string_view value) {
    return probability(line, value, "app.apk!resources.arsc");
  };
  EXPECT_LT(p(R"(_string_save_password_label = "Contraseña")", "Contraseña"), report);
  EXPECT_LT(p(R"(_string_save_password_message = "是否保存密码？")", "是否保存密码？"), report);
  EXPECT_LT(p(R"(_string_password_hint = "Password")", "Password"), report);
  EXPECT_LT(p(R"(keyPoolSize = "keypoolsize")", "keypoolsize"), report);
  EXPECT_LT(p(R"(_drawable_avd_hide_password = "res/drawable-v21/avd_hide_password.xml")",
              "res/drawable-v21/avd_hide_password.xml"),
            report);
  EXPECT_GE(p(R"(_string_backend_api_key = "dTAV6Agi9gDjvX8gJ0oygT7IrCBDTYgX")",
              "dTAV6Agi9gDjvX8gJ0oygT7IrCBDTYgX"),
            report);
}

}  // namespace
}  // namespace keysweep::context

namespace keysweep::context {
namespace {

// The scanner reads a name's words once (NameTraitsCache) and reuses them for every candidate of
// that name: the features, and so every score, must be exactly those of the direct computation.
TEST(Features, CachedNameTraitsGiveTheSameFeatures) {
  const std::string_view lines[] = {
      R"(DB_PASSWORD = "OO2tN4aGC7Kl2hIMFy")", "spring.datasource.password=Welcome1",
      R"({"client_secret": "b7I6KMmWfkOBm0"})", R"(headers.put("X-Api-Key", "yoEQRYweM83zz99gvx1y5");)",
      "Authorization: Bearer abcDEF123456ghiJKL", "mysql -u root -pS3cretPw db",
      "curl -u admin:Tr0ub4dor https://api.example.com", R"(_string_save_password_label = "Contraseña")",
      R"(_string_backend_api_key = "dTAV6Agi9gDjvX8gJ0oygT7IrCBDTYgX")", "secret_sha256=ab12",
      "private_key_id=ab12", "LASTFM_KEY=b2c9fb7a1a8f541d6089", "ConsumerKey=Kz9walrus2",
      "password_hint=Kz9walrus2", "key = self.key", "session_cookie: 'ab12cd34ef56'",
      R"(<add key="Password" value="Pl8n-Kj2x"/>)", "keyPoolSize = \"keypoolsize\""};
  NameTraitsCache cache;
  size_t candidates = 0, scored = 0;
  for (int round = 0; round < 2; ++round)  // the second round reads every name from the cache
    for (std::string_view line : lines) {
      std::vector<Assignment> out;
      read_assignments(line, out);
      for (const Assignment& a : out) {
        for (std::string_view path : {"src/app.py", "app.apk!resources.arsc", "config/.env"}) {
          FeatureVector direct, cached;
          const FileKind file = classify_path(path);
          const NameClass want = compute_features(a, file, direct);
          EXPECT_EQ(compute_features(a, cache.get(a.name), file, cached), want) << line;
          ++candidates;
          if (want == NameClass::kNone) continue;
          ++scored;
          EXPECT_EQ(std::memcmp(direct.data(), cached.data(), sizeof direct), 0) << line << " in " << path;
        }
      }
    }
  EXPECT_GT(scored, 30u);
  EXPECT_LT(cache.size(), candidates);  // repeated names were not added again
}

// compute_features reads a value's bytes once for the counts and the all-of / any-of tests. Each
// feature that pass decides must be what its plain definition (with <cctype>, one test at a time)
// says, on values of every mix of classes: hex, base64, prose, paths, UTF-8, the value words.
TEST(Features, OnePassValueFeaturesMatchTheirDefinitions) {
  const std::string_view pieces[] = {"a", "F", "9", "0", "z", "Q", " ", "/", "\\", "_", "-", "+", "=", ".", "$",
                                     "#", "é", "\xff", "secret", "Pass", "TOKEN", "apikey", "ab12", "DEADbeef"};
  std::mt19937 rng(20261207);
  size_t checked = 0, hex = 0, base64 = 0, keyword = 0, echo = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string value;
    const size_t n = rng() % 24;
    const size_t alphabet = 2 + rng() % (std::size(pieces) - 1);  // a prefix of the pieces: some values stay hex
    for (size_t k = 0; k < n; ++k) value += pieces[rng() % alphabet];
    // Sometimes the name spells the value again (echoes_name).
    const std::string name_text = (rng() % 4 == 0 ? "my_" + value : std::string("api_secret")) + " ";
    Assignment a;
    a.name = std::string_view(name_text).substr(0, name_text.size() - 1);
    a.value = value;
    a.quote = Quote::kDouble;
    FeatureVector f;
    if (compute_features(a, classify_path("src/app.py"), f) == NameClass::kNone) continue;
    ++checked;
    auto has = [&](Feature x) { return f[static_cast<size_t>(x)] != 0; };
    auto all = [&](auto pred) { return std::all_of(value.begin(), value.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); }); };
    auto any = [&](auto pred) { return std::any_of(value.begin(), value.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); }); };
    const bool digit = any([](int c) { return std::isdigit(c) != 0; });
    const bool upper = any([](int c) { return std::isupper(c) != 0; });
    const bool lower = any([](int c) { return std::islower(c) != 0; });
    const bool space = any([](int c) { return c == ' '; });
    const bool symbol = any([](int c) { return !std::isalnum(c) && c != ' '; });
    std::string lowered = value;
    for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string alnum, name_alnum;
    for (char c : lowered)
      if (std::isalnum(static_cast<unsigned char>(c))) alnum += c;
    for (char c : a.name)
      if (std::isalnum(static_cast<unsigned char>(c))) name_alnum += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool want_hex = value.size() >= 8 && all([](int c) { return std::isxdigit(c) != 0; }) && digit;
    const bool want_b64 = value.size() >= 16 && digit && (upper || lower) && !has(Feature::kIdentifierLike) &&
                          all([](int c) { return std::isalnum(c) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_'; });
    const bool letters_only = std::all_of(lowered.begin(), lowered.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_' || c == '-'; });
    bool want_keyword = false;
    for (std::string_view w : {"password", "passwd", "secret", "token", "apikey", "api_key", "pass", "credential"})
      want_keyword |= letters_only && lowered.find(w) != std::string::npos;
    const bool want_echo = alnum.size() >= 4 && (alnum == name_alnum || (name_alnum.size() > alnum.size() && name_alnum.ends_with(alnum)));
    const std::string at = "value \"" + value + "\" named " + std::string(a.name);
    EXPECT_EQ(f[static_cast<size_t>(Feature::kCharClasses)], float(upper + lower + digit + symbol)) << at;
    EXPECT_EQ(has(Feature::kHasDigit), digit) << at;
    EXPECT_EQ(has(Feature::kHasSymbol), symbol) << at;
    EXPECT_EQ(has(Feature::kHasSpace), space) << at;
    EXPECT_EQ(has(Feature::kNumeric), all([](int c) { return std::isdigit(c) != 0; })) << at;
    EXPECT_EQ(has(Feature::kWordLike), all([](int c) { return std::isalpha(c) != 0; })) << at;
    EXPECT_EQ(has(Feature::kHex), want_hex) << at;
    EXPECT_EQ(has(Feature::kBase64Like), want_b64) << at;
    EXPECT_EQ(has(Feature::kPathLike), value.find_first_of("/\\") != std::string::npos) << at;
    EXPECT_EQ(has(Feature::kNonAscii), any([](int c) { return c >= 0x80; })) << at;
    EXPECT_EQ(has(Feature::kMentionsKeyword), want_keyword) << at;
    EXPECT_EQ(has(Feature::kEchoesName), want_echo) << at;
    hex += want_hex;
    base64 += want_b64;
    keyword += want_keyword;
    echo += want_echo;
  }
  // Every branch was taken, both ways.
  EXPECT_GT(checked, 15000u);
  EXPECT_GT(hex, 20u);
  EXPECT_GT(base64, 20u);
  EXPECT_GT(keyword, 20u);
  EXPECT_GT(echo, 20u);
}

TEST(Features, NameTraitsCacheStaysBounded) {
  NameTraitsCache cache;
  for (size_t i = 0; i < NameTraitsCache::kMaxNames + 10; ++i) cache.get("api_key_" + std::to_string(i));
  EXPECT_LE(cache.size(), NameTraitsCache::kMaxNames);
  EXPECT_TRUE(cache.get("client_secret").secret);
  EXPECT_EQ(cache.get("db_password").by_words, NameClass::kPassword);
  EXPECT_EQ(cache.get("color").by_words, NameClass::kNone);
}

}  // namespace
}  // namespace keysweep::context
