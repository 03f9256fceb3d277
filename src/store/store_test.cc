// Datastore on SQLite: the schema migrates from any older version, an input and its findings
// round-trip, a second write of the same content is refused (resumability), the metadata CSV parses.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/datastore.h"
#include "store/metadata_csv.h"
#include "store/migrations.h"

namespace keysweep::store {
namespace {

namespace fs = std::filesystem;

class TempDb {
 public:
  TempDb() {
    char tmpl[] = "/tmp/keysweep-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path = dir_ + "/store.db";
  }
  ~TempDb() { fs::remove_all(dir_); }
  std::string path;

 private:
  std::string dir_;
};

Finding make_finding(std::string rule, std::string secret_hash, std::vector<std::string> chain,
                     std::string symbol) {
  Finding f;
  f.rule_id = std::move(rule);
  f.rule_name = "Test rule";
  f.provider = "twilio";
  f.confidence = Confidence::kHigh;
  f.location.chain = std::move(chain);
  f.location.symbol = std::move(symbol);
  f.location.offset = 42;
  f.secret = "s3cr3t-never-stored-7f2a9c";
  f.secret_sha256 = std::move(secret_hash);
  f.redacted = "s3cr…9c";
  f.fingerprint = "fp-" + f.rule_id;
  f.app = {"android", "com.example.nightbus", "2.4.1", "ab12", ""};
  return f;
}

// A run row as a keysweep before schema version 4 wrote it (no pid column): the stores that the
// upgrade tests build are at an older version, which begin_run no longer writes.
Result<int64_t> begin_old_run(Datastore& db) {
  auto rows = db.query(
      "INSERT INTO scan_runs (started_at, status, tool_version, host, command, shard) "
      "VALUES ('2026-01-01T00:00:00Z', 'running', '0.0.1', 'host', 'keysweep scan', '') RETURNING id",
      {});
  if (!rows) return std::unexpected(rows.error());
  return as_int(rows->front().front());
}

int64_t count(Datastore& db, const std::string& sql) {
  auto rows = db.query(sql);
  EXPECT_TRUE(rows.has_value()) << (rows ? "" : rows.error().to_string());
  return rows && !rows->empty() ? as_int(rows->front().front()) : -1;
}

TEST(Datastore, MigratesAFreshDatabaseToTheLatestVersion) {
  TempDb tmp;
  auto db = Datastore::open_unmigrated(tmp.path);
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ(*(*db)->schema_version(), 0);
  auto v = (*db)->migrate();
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(*v, latest_schema_version());
  EXPECT_GE(latest_schema_version(), 2);
  // Opening again is a no-op.
  auto again = Datastore::open(tmp.path);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(*(*again)->schema_version(), latest_schema_version());
}

TEST(Datastore, UpgradesAVersion1StoreKeepingItsRows) {
  TempDb tmp;
  {
    auto db = Datastore::open_unmigrated(tmp.path);
    ASSERT_TRUE(db);
    ASSERT_EQ(*(*db)->migrate(1), 1);
    auto run = begin_old_run(**db);
    ASSERT_TRUE(run);
    InputRecord in{"a.apk", "aa", 10, {}, 1, 10, {}};
    ASSERT_TRUE((*db)->write_input(*run, in, {}));
    // Version 1 has no app_metadata table.
    EXPECT_FALSE((*db)->query("SELECT COUNT(*) FROM app_metadata"));
  }
  auto db = Datastore::open(tmp.path);
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ(*(*db)->schema_version(), latest_schema_version());
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM inputs"), 1);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM app_metadata"), 0);
}

TEST(Datastore, StoresTheDecoderChainOfEachFinding) {
  TempDb tmp;
  auto db = Datastore::open(tmp.path);
  ASSERT_TRUE(db) << db.error().to_string();
  auto run = (*db)->begin_run({"0.1.0", "host", "keysweep scan", ""});
  ASSERT_TRUE(run);
  Finding decoded = make_finding("aws.access_key_id", "awshash", {"config.json"}, "");
  decoded.location.decoders = {"base64", "hex"};
  Finding clear = make_finding("twilio.auth_token", "tokhash", {"config.json"}, "");
  InputRecord in{"config.json", "feed", 100, {}, 1, 100, {}};
  ASSERT_TRUE((*db)->write_input(*run, in, {decoded, clear}));
  auto rows = (*db)->query("SELECT rule_id, decoders FROM findings ORDER BY rule_id");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(as_text((*rows)[0][1]), "base64>hex");
  EXPECT_EQ(as_text((*rows)[1][1]), "");
}

TEST(Datastore, UpgradesAVersion2StoreItsOldFindingsReadAsInClear) {
  TempDb tmp;
  {
    auto db = Datastore::open_unmigrated(tmp.path);
    ASSERT_TRUE(db);
    ASSERT_EQ(*(*db)->migrate(2), 2);
    // Version 2 has no decoders column: write a finding row the way a version-2 keysweep did.
    EXPECT_FALSE((*db)->query("SELECT decoders FROM findings"));
    auto run = begin_old_run(**db);
    ASSERT_TRUE(run);
    InputRecord in{"old.env", "bb", 10, {}, 1, 10, {}};
    ASSERT_TRUE((*db)->write_input(*run, in, {}));
    ASSERT_TRUE((*db)->query(
        "INSERT INTO files (input_id, chain, depth) VALUES (1, 'old.env', 0)"));
    ASSERT_TRUE((*db)->query(
        "INSERT INTO findings (input_id, file_id, rule_id, rule_name, provider, confidence, "
        "secret_sha256, redacted, fingerprint, symbol, line, col, byte_offset, code_class, "
        "code_package, snippet, verification_status, verification_identity, verification_detail, "
        "pair_role, git_commit, git_author, git_time, git_path) VALUES (1, 1, 'aws.access_key_id', "
        "'AWS', 'aws', 'high', 'h', 'AKIA…', 'fp', '', 1, 1, 0, '', '', '', 'not_checked', '', '', "
        "'', '', '', 0, '')"));
  }
  auto db = Datastore::open(tmp.path);
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ(*(*db)->schema_version(), latest_schema_version());
  EXPECT_GE(latest_schema_version(), 3);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM findings WHERE decoders = ''"), 1);
  // And the new binary writes decoders into the upgraded store.
  auto run = (*db)->begin_run({"0.1.0", "host", "keysweep scan", ""});
  ASSERT_TRUE(run);
  Finding f = make_finding("aws.access_key_id", "h2", {"new.json"}, "");
  f.location.decoders = {"base64"};
  InputRecord in{"new.json", "cc", 10, {}, 1, 10, {}};
  ASSERT_TRUE((*db)->write_input(*run, in, {f}));
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM findings WHERE decoders = 'base64'"), 1);
}

TEST(Datastore, RefusesAStoreNewerThanThisKeysweep) {
  TempDb tmp;
  {
    auto db = Datastore::open(tmp.path);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->query("UPDATE schema_version SET version = 999"));
  }
  auto db = Datastore::open(tmp.path);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("newer"), std::string::npos);
}

TEST(Datastore, WritesAnInputWithPairsFilesAndNeverTheSecret) {
  TempDb tmp;
  auto db = Datastore::open(tmp.path);
  ASSERT_TRUE(db) << db.error().to_string();
  auto run = (*db)->begin_run({"0.1.0", "host", "keysweep scan apps", "1/2"});
  ASSERT_TRUE(run);

  Finding pair = make_finding("twilio.account", "pairhash", {"nav.apk", "classes2.dex"},
                              "com.example.sms.TwilioClient.send()");
  pair.parts = {make_finding("twilio.account_sid", "sidhash", {"nav.apk", "classes2.dex"},
                             "com.example.sms.TwilioClient.SID"),
                make_finding("twilio.auth_token", "tokhash", {"nav.apk", "classes2.dex"},
                             "com.example.sms.TwilioClient.send()")};
  pair.parts[0].pair_role = "id";
  pair.parts[1].pair_role = "secret";
  Finding res = make_finding("aws.access_key_id", "awshash", {"nav.apk", "resources.arsc"},
                             "@string/aws_key");
  pair.parts[1].secret_hash_keyed = true;  // stands for a password hashed under the user's key
  InputRecord in{"apps/nav.apk", "c0ffee", 1234, res.app, 5, 9000, {}};
  auto w = (*db)->write_input(*run, in, {pair, res});
  ASSERT_TRUE(w) << w.error().to_string();
  EXPECT_TRUE(*w);
  ASSERT_TRUE((*db)->finish_run(*run, {1, 0, 9000, 2}));

  Datastore& s = **db;
  EXPECT_EQ(count(s, "SELECT COUNT(*) FROM findings"), 4);
  EXPECT_EQ(count(s, "SELECT COUNT(*) FROM findings WHERE pair_id IS NULL"), 2);
  EXPECT_EQ(count(s, "SELECT COUNT(*) FROM files"), 2);
  EXPECT_EQ(count(s, "SELECT COUNT(*) FROM apps"), 1);
  EXPECT_EQ(count(s, "SELECT findings FROM inputs"), 2);
  // Schema version 5: which hashes are keyed (an HMAC), so readers name them apart.
  EXPECT_EQ(count(s, "SELECT COUNT(*) FROM findings WHERE secret_hash_keyed = 1"), 1);
  EXPECT_EQ(count(s, "SELECT COUNT(*) FROM findings WHERE secret_hash_keyed = 1 AND "
                     "rule_id = 'twilio.auth_token'"), 1);
  auto rows = s.query(
      "SELECT f.pair_role, f.code_class, f.code_package, fi.chain, a.package, i.status "
      "FROM findings f JOIN files fi ON fi.id = f.file_id JOIN apps a ON a.id = f.app_id "
      "JOIN inputs i ON i.id = f.input_id WHERE f.rule_id = 'twilio.account_sid'");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  const Row& r = rows->front();
  EXPECT_EQ(as_text(r[0]), "id");
  EXPECT_EQ(as_text(r[1]), "com.example.sms.TwilioClient");
  EXPECT_EQ(as_text(r[2]), "com.example.sms");
  EXPECT_EQ(as_text(r[3]), "nav.apk!classes2.dex");
  EXPECT_EQ(as_text(r[4]), "com.example.nightbus");
  EXPECT_EQ(as_text(r[5]), "ok");
  auto run_row = s.query("SELECT status, shard, findings FROM scan_runs");
  ASSERT_TRUE(run_row);
  EXPECT_EQ(as_text(run_row->front()[0]), "finished");
  EXPECT_EQ(as_text(run_row->front()[1]), "1/2");
  EXPECT_EQ(as_int(run_row->front()[2]), 2);

  // The database file never holds the clear secret.
  db->reset();
  std::ifstream f(tmp.path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  std::ifstream wal(tmp.path + "-wal", std::ios::binary);
  bytes.append(std::istreambuf_iterator<char>(wal), {});
  EXPECT_EQ(bytes.find("s3cr3t-never-stored"), std::string::npos);
}

TEST(Datastore, SameContentIsStoredOnceAndReportedAsPresent) {
  TempDb tmp;
  auto db = Datastore::open(tmp.path);
  ASSERT_TRUE(db);
  auto run = (*db)->begin_run({"0.1.0", "h", "c", ""});
  EXPECT_FALSE(*(*db)->has_input("beef"));
  InputRecord in{"a.apk", "beef", 1, {}, 1, 1, {}};
  EXPECT_TRUE(*(*db)->write_input(*run, in, {make_finding("r", "h", {"a.apk"}, "")}));
  EXPECT_TRUE(*(*db)->has_input("beef"));
  in.path = "copy-of-a.apk";
  auto again = (*db)->write_input(*run, in, {make_finding("r", "h", {"copy-of-a.apk"}, "")});
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM inputs"), 1);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM findings"), 1);
}

TEST(Datastore, UnreadableInputIsRecordedWithItsReasonOnce) {
  TempDb tmp;
  auto db = Datastore::open(tmp.path);
  ASSERT_TRUE(db);
  auto run = (*db)->begin_run({"0.1.0", "h", "c", ""});
  InputRecord in{"big.apk", "", 99, {}, 0, 0,
                 {{Severity::kWarning, DiagnosticKind::kTooLarge, "big.apk", "skipped: too large"}}};
  ASSERT_TRUE((*db)->write_input(*run, in, {}));
  ASSERT_TRUE((*db)->write_input(*run, in, {}));  // a rerun
  auto rows = (*db)->query("SELECT status, reason FROM inputs");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(as_text(rows->front()[0]), "error");
  EXPECT_EQ(as_text(rows->front()[1]), "big.apk: skipped: too large");
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM diagnostics WHERE kind = 'too-large'"), 1);
}

// A pid that no process has any more: a child that has exited and been reaped.
int64_t dead_pid() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

// kill -9 leaves a run 'running' forever; the next run on the same host sees its process is gone.
TEST(Datastore, RunsOfDeadProcessesAreMarkedInterruptedByTheNextRun) {
  TempDb tmp;
  auto db = Datastore::open(tmp.path);
  ASSERT_TRUE(db);
  auto elsewhere = (*db)->begin_run({"0.1.0", "other-host", "c", "", dead_pid()});
  auto killed = (*db)->begin_run({"0.1.0", "h", "c", "", dead_pid()});
  uint64_t interrupted = 0;
  auto alive = (*db)->begin_run({"0.1.0", "h", "c", "", static_cast<int64_t>(getpid())}, &interrupted);
  ASSERT_TRUE(killed && alive && elsewhere);
  EXPECT_EQ(interrupted, 1u);
  auto next = (*db)->begin_run({"0.1.0", "h", "c", "", static_cast<int64_t>(getpid())}, &interrupted);
  ASSERT_TRUE(next);
  EXPECT_EQ(interrupted, 0u);  // each dead run is marked once
  auto status = [&](int64_t id) {
    auto rows = (*db)->query("SELECT status FROM scan_runs WHERE id = $1", {Value{id}});
    return rows && !rows->empty() ? as_text(rows->front()[0]) : std::string("?");
  };
  EXPECT_EQ(status(*killed), "interrupted");
  EXPECT_EQ(status(*alive), "running");      // still going: never marked
  EXPECT_EQ(status(*elsewhere), "running");  // another host's process cannot be checked
  EXPECT_EQ(status(*next), "running");
}

TEST(Conninfo, PasswordsAreRedactedInEveryForm) {
  EXPECT_EQ(redact_conninfo("postgresql://ks:hunter2@db:5432/fleet"), "postgresql://ks:***@db:5432/fleet");
  EXPECT_EQ(redact_conninfo("postgresql://db/fleet?user=ks&password=hunter2&sslmode=require"),
            "postgresql://db/fleet?user=ks&password=***&sslmode=require");
  EXPECT_EQ(redact_conninfo("host=db password=hunter2 dbname=x"), "host=db password=*** dbname=x");
  EXPECT_EQ(redact_conninfo("postgresql:///x?host=/tmp/s&user=postgres"),
            "postgresql:///x?host=/tmp/s&user=postgres");
  EXPECT_EQ(redact_conninfo("fleet.db"), "fleet.db");
}

TEST(CodeLocation, NamesTheDexClassAndPackage) {
  Location l;
  l.chain = {"a.apk", "classes.dex", "strings"};
  l.symbol = "com.google.firebase.Config.API_KEY";
  EXPECT_EQ(code_location(l).klass, "com.google.firebase.Config");
  EXPECT_EQ(code_location(l).package, "com.google.firebase");
  l.chain = {"a.apk", "classes2.dex"};
  l.symbol = "com.example.A$Inner.<clinit>()";
  EXPECT_EQ(code_location(l).klass, "com.example.A$Inner");
  EXPECT_EQ(code_location(l).package, "com.example");
  l.symbol = "dex string #7";
  EXPECT_EQ(code_location(l).klass, "");
  l.chain = {"a.apk", "resources.arsc"};
  l.symbol = "@string/key";
  EXPECT_EQ(code_location(l).klass, "");
}

TEST(MetadataCsv, ReadsColumnsByHeaderWithQuotingAndStoreStyleInstalls) {
  auto rows = parse_metadata_csv(
      "\xEF\xBB\xBFstore,App_Id,publisher,installs,extra\n"
      "play,com.example.nightbus,\"Night Bus, Inc.\",\"1,000,000+\",x\n"
      "appstore,com.othercorp.ridealong,\"Other \"\"Corp\"\"\",,y\r\n"
      "\n",
      "m.csv");
  ASSERT_TRUE(rows) << rows.error().to_string();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].app_id, "com.example.nightbus");
  EXPECT_EQ((*rows)[0].publisher, "Night Bus, Inc.");
  EXPECT_EQ((*rows)[0].installs, 1000000);
  EXPECT_EQ((*rows)[0].store, "play");
  EXPECT_EQ((*rows)[1].publisher, "Other \"Corp\"");
  EXPECT_FALSE((*rows)[1].installs.has_value());
}

TEST(MetadataCsv, RejectsAMissingIdColumnAndBadInstalls) {
  EXPECT_FALSE(parse_metadata_csv("publisher,installs\nx,1\n", "m.csv"));
  auto bad = parse_metadata_csv("app_id,installs\ncom.a,lots\n", "m.csv");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("row 2"), std::string::npos);
}

TEST(Datastore, MetadataUpsertReplacesAnAppsRow) {
  TempDb tmp;
  auto db = Datastore::open(tmp.path);
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->upsert_metadata({{"com.a", "A", 10, "play"}, {"com.b", "B", {}, "play"}}));
  ASSERT_TRUE((*db)->upsert_metadata({{"com.a", "A2", 20, "play"}}));
  auto rows = (*db)->query("SELECT publisher, installs FROM app_metadata WHERE app_id = 'com.a'");
  ASSERT_TRUE(rows);
  EXPECT_EQ(as_text(rows->front()[0]), "A2");
  EXPECT_EQ(as_int(rows->front()[1]), 20);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM app_metadata"), 2);
}

}  // namespace
}  // namespace keysweep::store
