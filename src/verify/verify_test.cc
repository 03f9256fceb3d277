// Unit tests of the verification machinery that need no server: SigV4 against AWS's published test
// suite, the allow list, the rate limiter's arithmetic, retries and "offline" over a scripted
// transport, the per-run cache. The providers themselves are tested end to end against a local
// mock (tests/verify). Suite names start with "verify" so `ctest -R verify` selects them.
#include <gtest/gtest.h>


#include <deque>

#include "core/percent_encode.h"
#include "verify/aws_sigv4.h"
#include "verify/http_client.h"
#include "verify/registry.h"
#include "verify/url.h"
#include "verify/verification_cache.h"
#include "verify/verification_engine.h"

namespace keysweep::verify {
namespace {

// --- SigV4: cases of the "aws-sig-v4-test-suite" (docs.aws.amazon.com/general/latest/gr/
// signature-v4-test-suite.html), whose documented example credentials are these. ---
constexpr const char* kSuiteKeyId = "AKIDEXAMPLE";
constexpr const char* kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kSuiteDate = "20150830T123600Z";

struct SuiteCase {
  const char* name;
  SigV4Request request;
  const char* canonical_request;
  const char* string_to_sign;
  const char* signature;
};

std::vector<std::pair<std::string, std::string>> suite_headers(
    std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<std::pair<std::string, std::string>> h = {{"Host", "example.amazonaws.com"},
                                                        {"X-Amz-Date", kSuiteDate}};
  h.insert(h.end(), extra.begin(), extra.end());
  return h;
}

const std::vector<SuiteCase>& suite() {
  static const std::vector<SuiteCase> cases = {
      {"get-vanilla",
       {"GET", "/", "", suite_headers(), ""},
       "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"post-vanilla",
       {"POST", "/", "", suite_headers(), ""},
       "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"get-vanilla-query-order-key-case",
       {"GET", "/", "Param2=value2&Param1=value1", suite_headers(), ""},
       "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-header-value-trim",
       {"GET", "/", "",
        suite_headers({{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}), ""},
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       {"GET", "/", "",
        suite_headers(
            {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
        ""},
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"normalize-path/get-relative-relative",
       {"GET", "/example1/example2/../..", "", suite_headers(), ""},
       "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      // The shape of an STS call: a signed form body.
      {"post-x-www-form-urlencoded",
       {"POST", "/", "", suite_headers({{"Content-Type", "application/x-www-form-urlencoded"}}),
        "Param1=value1"},
       "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
       "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
  };
  return cases;
}

TEST(verify_sigv4, PublishedTestSuite) {
  for (const auto& c : suite()) {
    SCOPED_TRACE(c.name);
    SigV4Result r =
        sigv4_sign(c.request, {kSuiteKeyId, kSuiteSecret}, "us-east-1", "service", kSuiteDate);
    EXPECT_EQ(r.canonical_request, c.canonical_request);
    EXPECT_EQ(r.string_to_sign, c.string_to_sign);
    EXPECT_EQ(r.signature, c.signature);
  }
}

TEST(verify_sigv4, AuthorizationHeaderOfGetVanilla) {
  SigV4Result r = sigv4_sign(suite()[0].request, {kSuiteKeyId, kSuiteSecret}, "us-east-1",
                             "service", kSuiteDate);
  EXPECT_EQ(r.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(verify_sigv4, AnotherSecretGivesAnotherSignature) {
  SigV4Result r = sigv4_sign(suite()[0].request, {kSuiteKeyId, "not-the-documented-secret"},
                             "us-east-1", "service", kSuiteDate);
  EXPECT_NE(r.signature, suite()[0].signature);
}

// --- allow list ---
TEST(verify_allow_list, RefusesHostsTheProviderDoesNotDocument) {
  const std::vector<std::string> twilio = {"api.twilio.com"};
  EXPECT_FALSE(refuse_url("https://api.twilio.com/2010-04-01/Accounts/AC1.json", twilio));
  EXPECT_FALSE(refuse_url("https://API.Twilio.com/x", twilio));
  EXPECT_TRUE(refuse_url("https://evil.example/2010-04-01/Accounts", twilio));
  EXPECT_TRUE(refuse_url("https://api.twilio.com.evil.example/", twilio));
  EXPECT_TRUE(refuse_url("https://evil.example/?host=api.twilio.com", twilio));
  EXPECT_TRUE(refuse_url("https://api.twilio.com@evil.example/", twilio));
  EXPECT_TRUE(refuse_url("https://user:pw@api.twilio.com/", twilio));  // userinfo: never
  EXPECT_TRUE(refuse_url("http://api.twilio.com/", twilio));           // documented but not https
  EXPECT_TRUE(refuse_url("ftp://api.twilio.com/", twilio));
  EXPECT_TRUE(refuse_url("api.twilio.com/x", twilio));
  // A loopback override is the one place plain http is allowed.
  EXPECT_FALSE(refuse_url("http://127.0.0.1:8080/v1/account", {"127.0.0.1"}));
}

// A transport that answers from a script and records what it was asked.
class ScriptedTransport final : public HttpTransport {
 public:
  std::deque<std::expected<HttpResponse, TransportError>> script;
  std::vector<HttpRequest>* sent;
  explicit ScriptedTransport(std::vector<HttpRequest>* s) : sent(s) {}
  std::expected<HttpResponse, TransportError> send(const HttpRequest& r) override {
    sent->push_back(r);
    if (script.empty()) return HttpResponse{200, {}, "{}"};
    auto next = script.front();
    script.pop_front();
    return next;
  }
};

HttpResponse status(long s) { return HttpResponse{s, {}, ""}; }
std::unexpected<TransportError> failure(TransportError::Kind k) {
  return std::unexpected(TransportError{k, "Failed to connect to api.example port 443"});
}

struct ClientFixture {
  std::vector<HttpRequest> sent;
  std::vector<std::chrono::nanoseconds> sleeps;
  ScriptedTransport* transport = nullptr;
  std::unique_ptr<HttpClient> client;
  explicit ClientFixture(double rate = 1000) {
    auto t = std::make_unique<ScriptedTransport>(&sent);
    transport = t.get();
    HttpClientOptions o;
    o.requests_per_second = rate;
    o.burst = 1000;
    o.sleep = [this](std::chrono::nanoseconds d) { sleeps.push_back(d); };
    o.now = [] { return TokenBucket::Clock::time_point{}; };  // time stands still
    client = std::make_unique<HttpClient>(std::move(t), o);
  }
};

TEST(verify_allow_list, ClientSendsNothingToAnUndocumentedHost) {
  ClientFixture fx;
  HttpRequest req;
  req.url = "https://collector.evil.example/steal";
  req.headers = {{"Authorization", "Bearer secret"}};
  auto r = fx.client->send("github", {"api.github.com"}, req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ClientError::Kind::kRefusedHost);
  EXPECT_NE(r.error().message.find("collector.evil.example"), std::string::npos);
  EXPECT_TRUE(fx.sent.empty());
}

TEST(verify_allow_list, EveryVerifierDocumentsHttpsHostsOnly) {
  for (const auto& v : builtin_verifiers()) {
    SCOPED_TRACE(std::string(v->provider()));
    ASSERT_FALSE(v->documented_hosts().empty());
    for (const auto& h : v->documented_hosts()) {
      EXPECT_FALSE(is_loopback_host(h));
      EXPECT_FALSE(refuse_url("https://" + h + "/", v->documented_hosts()));
    }
  }
}

TEST(verify_allow_list, OverridesMustBeLoopback) {
  auto verifiers = builtin_verifiers();
  EXPECT_TRUE(parse_endpoint_overrides({"twilio=http://127.0.0.1:9000"}, verifiers));
  EXPECT_TRUE(parse_endpoint_overrides({"aws=http://[::1]:9000/"}, verifiers));
  EXPECT_FALSE(parse_endpoint_overrides({"twilio=https://proxy.example.com"}, verifiers));
  EXPECT_FALSE(parse_endpoint_overrides({"twilio=http://127.0.0.1.evil.example/"}, verifiers));
  EXPECT_FALSE(parse_endpoint_overrides({"nosuch=http://127.0.0.1:9000"}, verifiers));
  EXPECT_FALSE(parse_endpoint_overrides({"twilio"}, verifiers));
}

// Under an override, the provider's real host is refused too: a test cannot leak to the internet.
TEST(verify_allow_list, OverrideReplacesTheAllowList) {
  std::vector<HttpRequest> sent;
  HttpClient client(std::make_unique<ScriptedTransport>(&sent), {});
  std::vector<Finding> scope;
  VerifyContext ctx(client, "github", {"api.github.com"}, "http://127.0.0.1:9000/", scope);
  EXPECT_EQ(ctx.url("api.github.com", "/user"), "http://127.0.0.1:9000/user");
  auto real = ctx.send({"GET", "https://api.github.com/user", {}, ""});
  ASSERT_FALSE(real.has_value());
  EXPECT_EQ(real.error().kind, ClientError::Kind::kRefusedHost);
  EXPECT_TRUE(sent.empty());
  ASSERT_TRUE(ctx.send({"GET", ctx.url("api.github.com", "/user"), {}, ""}).has_value());
  EXPECT_EQ(sent.size(), 1u);
}

TEST(verify_url, RedactionKeepsHostAndPathDropsQueryValuesAndUserInfo) {
  EXPECT_EQ(redact_url("https://user:pw@api.example.com:8443/v1/x?key=AIzaSECRET&q=1"),
            "https://api.example.com:8443/v1/x?key=…&q=…");
}

// --- retries and offline ---
TEST(verify_http_client, RetriesServerErrorsWithDoublingBackoff) {
  ClientFixture fx;
  fx.transport->script = {status(503), status(502), status(200)};
  auto r = fx.client->send("p", {"api.example.com"}, {"GET", "https://api.example.com/", {}, ""});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(fx.sent.size(), 3u);
  ASSERT_EQ(fx.sleeps.size(), 2u);
  EXPECT_EQ(fx.sleeps[0], std::chrono::milliseconds(500));
  EXPECT_EQ(fx.sleeps[1], std::chrono::milliseconds(1000));
}

TEST(verify_http_client, GivesUpAfterThreeRetriesAndReturnsTheLastAnswer) {
  ClientFixture fx;
  fx.transport->script = {status(429), status(429), status(429), status(429), status(200)};
  auto r = fx.client->send("p", {"api.example.com"}, {"GET", "https://api.example.com/", {}, ""});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(fx.sent.size(), 4u);  // the first try and 3 retries
}

TEST(verify_http_client, HonoursRetryAfter) {
  ClientFixture fx;
  HttpResponse limited = status(429);
  limited.headers["retry-after"] = "7";
  fx.transport->script = {limited, status(200)};
  auto r = fx.client->send("p", {"api.example.com"}, {"GET", "https://api.example.com/", {}, ""});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(fx.sleeps.size(), 1u);
  EXPECT_EQ(fx.sleeps[0], std::chrono::seconds(7));
}

TEST(verify_http_client, NoRetryOnUnauthorized) {
  ClientFixture fx;
  fx.transport->script = {status(401)};
  auto r = fx.client->send("p", {"api.example.com"}, {"GET", "https://api.example.com/", {}, ""});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(fx.sent.size(), 1u);
}

TEST(verify_http_client, ConnectFailureOnFirstRequestMeansOfflineForTheRun) {
  ClientFixture fx;
  fx.transport->script = {failure(TransportError::Kind::kConnect)};
  HttpRequest req{"GET", "https://api.example.com/", {}, ""};
  auto first = fx.client->send("p", {"api.example.com"}, req);
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().kind, ClientError::Kind::kOffline);
  EXPECT_TRUE(fx.client->offline());
  auto second = fx.client->send("q", {"api.example.com"}, req);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, ClientError::Kind::kOffline);
  EXPECT_EQ(fx.sent.size(), 1u);  // the second never reached the transport
  EXPECT_TRUE(fx.sleeps.empty());
}

TEST(verify_http_client, ConnectFailureAfterASuccessIsRetried) {
  ClientFixture fx;
  fx.transport->script = {status(200), failure(TransportError::Kind::kConnect), status(200)};
  HttpRequest req{"GET", "https://api.example.com/", {}, ""};
  ASSERT_TRUE(fx.client->send("p", {"api.example.com"}, req));
  auto r = fx.client->send("p", {"api.example.com"}, req);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(fx.client->offline());
  EXPECT_EQ(fx.sent.size(), 3u);
}

// --- rate limit ---
TEST(verify_rate_limit, BurstThenOneTokenPerInterval) {
  using namespace std::chrono;
  TokenBucket bucket(/*rate_per_second=*/5, /*burst=*/2);
  TokenBucket::Clock::time_point t0{};
  EXPECT_EQ(bucket.take(t0), nanoseconds(0));
  EXPECT_EQ(bucket.take(t0), nanoseconds(0));
  EXPECT_EQ(bucket.take(t0), milliseconds(200));  // 1/5 s for the next token
  EXPECT_EQ(bucket.take(t0), milliseconds(400));  // and the one after queues behind it
  // A second later the debt is paid and the bucket has refilled to its burst.
  auto t1 = t0 + seconds(2);
  EXPECT_EQ(bucket.take(t1), nanoseconds(0));
  EXPECT_EQ(bucket.take(t1), nanoseconds(0));
  EXPECT_EQ(bucket.take(t1), milliseconds(200));
}

TEST(verify_rate_limit, ClientPacesEachProviderSeparately) {
  ClientFixture fx(/*rate=*/5);
  HttpClientOptions o;
  std::vector<std::chrono::nanoseconds> sleeps;
  std::vector<HttpRequest> sent;
  o.requests_per_second = 5;
  o.burst = 1;
  o.sleep = [&](std::chrono::nanoseconds d) { sleeps.push_back(d); };
  o.now = [] { return TokenBucket::Clock::time_point{}; };
  HttpClient client(std::make_unique<ScriptedTransport>(&sent), o);
  HttpRequest req{"GET", "https://api.example.com/", {}, ""};
  ASSERT_TRUE(client.send("a", {"api.example.com"}, req));
  ASSERT_TRUE(client.send("b", {"api.example.com"}, req));  // its own bucket: no wait
  EXPECT_TRUE(sleeps.empty());
  ASSERT_TRUE(client.send("a", {"api.example.com"}, req));
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_EQ(sleeps[0], std::chrono::milliseconds(200));
}

// --- cache ---
TEST(verify_cache, OneAnswerPerProviderAndSecret) {
  VerificationCache cache;
  EXPECT_EQ(cache.find("github", "abc"), nullptr);
  Verification live;
  live.status = Verification::Status::kLive;
  live.identity = "octocat";
  cache.store("github", "abc", live);
  ASSERT_NE(cache.find("github", "abc"), nullptr);
  EXPECT_EQ(cache.find("github", "abc")->identity, "octocat");
  EXPECT_EQ(cache.find("gitlab", "abc"), nullptr);
  EXPECT_EQ(cache.find("github", "abd"), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

Finding github_finding(const std::string& token, const std::string& path) {
  Finding f;
  f.rule_id = "github.pat_classic";
  f.provider = "github";
  f.secret = token;
  f.secret_sha256 = "hash-of-" + token;
  f.redacted = token.substr(0, 4) + "…";
  f.location.chain = {path};
  return f;
}

TEST(verify_engine, SameSecretInManyPlacesIsAskedOnce) {
  std::vector<HttpRequest> sent;
  auto transport = std::make_unique<ScriptedTransport>(&sent);
  transport->script = {HttpResponse{200, {}, R"({"login":"octocat"})"}};
  HttpClientOptions o;
  o.sleep = [](std::chrono::nanoseconds) {};
  VerificationEngine engine(builtin_verifiers(), std::move(transport), {{}, o});
  const std::string token = "ghp_Zq3Xk9Lm2Pw7Rt5Vb8Nc1Jd4Hf6Gs0Ya2Eu7";
  std::vector<Finding> findings = {github_finding(token, "a.txt"), github_finding(token, "b.txt")};
  Finding other;
  other.rule_id = "generic.password";
  findings.push_back(other);
  VerifyStats stats = engine.verify(findings);
  EXPECT_EQ(sent.size(), 1u);
  EXPECT_EQ(stats.live, 2u);
  EXPECT_EQ(stats.cache_hits, 1u);
  EXPECT_EQ(stats.not_checked, 1u);
  EXPECT_EQ(findings[1].verification.identity, "octocat");
  EXPECT_EQ(findings[2].verification.status, Verification::Status::kNotChecked);
  ASSERT_EQ(sent[0].url, "https://api.github.com/user");
}

TEST(verify_engine, ASecretEchoedByTheProviderIsRedacted) {
  std::vector<HttpRequest> sent;
  auto transport = std::make_unique<ScriptedTransport>(&sent);
  const std::string token = "ghp_Zq3Xk9Lm2Pw7Rt5Vb8Nc1Jd4Hf6Gs0Ya2Eu7";
  transport->script = {HttpResponse{200, {}, R"({"login":"echo )" + token + R"("})"}};
  VerificationEngine engine(builtin_verifiers(), std::move(transport), {});
  std::vector<Finding> findings = {github_finding(token, "a.txt")};
  engine.verify(findings);
  EXPECT_EQ(findings[0].verification.identity.find(token), std::string::npos);
  EXPECT_NE(findings[0].verification.identity.find("ghp_…"), std::string::npos);
}

Finding twilio_pair(const std::string& sid, const std::string& token) {
  Finding f;
  f.rule_id = "twilio.account";
  f.provider = "twilio";
  f.secret_sha256 = "hash-of-" + sid + token;
  Finding id, secret;
  id.pair_role = "id", id.secret = sid, id.redacted = sid.substr(0, 4) + "…";
  secret.pair_role = "secret", secret.secret = token, secret.redacted = token.substr(0, 4) + "…";
  f.parts = {id, secret};
  f.location.chain = {"app.apk"};
  return f;
}

TEST(verify_engine, AnEchoInAnyEncodingIsWithheld) {
  // A server that answers with the Authorization header it got: base64("AC…:token").
  const std::string sid = "AC0123456789abcdef0123456789abcdef", token = "f3e1d2c4b5a6978801f3e1d2c4b5a697";
  const std::string header = basic_auth(sid, token);
  for (const std::string& echo : {header, "x" + header.substr(6) + "y"}) {
    std::vector<HttpRequest> sent;
    auto transport = std::make_unique<ScriptedTransport>(&sent);
    transport->script = {HttpResponse{200, {}, R"({"friendly_name":")" + echo + R"(","status":"active"})"}};
    VerificationEngine engine(builtin_verifiers(), std::move(transport), {});
    std::vector<Finding> findings = {twilio_pair(sid, token)};
    engine.verify(findings);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(findings[0].verification.status, Verification::Status::kLive);
    EXPECT_EQ(findings[0].verification.identity.find(header.substr(6, 20)), std::string::npos) << echo;
    EXPECT_NE(findings[0].verification.identity.find("withheld"), std::string::npos) << echo;
  }
  // A password with reserved characters is also looked for percent-encoded.
  const auto forms = echo_forms("p@ss/w0rd!x");
  EXPECT_NE(std::find(forms.begin(), forms.end(), percent_encode("p@ss/w0rd!x", false)), forms.end());
  // The base64 runs a secret leaves are found at every alignment inside longer base64 text.
  for (const std::string prefix : {"", "a", "ab"}) {
    const std::string b64 = basic_auth(prefix + token, "x").substr(6);  // base64(prefix+token+":x")
    bool found = false;
    for (const auto& form : echo_forms(token)) found |= b64.find(form) != std::string::npos;
    EXPECT_TRUE(found) << "prefix '" << prefix << "'";
  }
}

TEST(verify_engine, ACapturedSidThatIsNotOneIsNeverPutInAUrl) {
  std::vector<HttpRequest> sent;
  auto transport = std::make_unique<ScriptedTransport>(&sent);
  VerificationEngine engine(builtin_verifiers(), std::move(transport), {});
  std::vector<Finding> findings = {twilio_pair("AC/../../evil?x=#", "f3e1d2c4b5a6978801f3e1d2c4b5a697")};
  engine.verify(findings);
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(findings[0].verification.status, Verification::Status::kUnknown);
  EXPECT_NE(findings[0].verification.detail.find("Account SID"), std::string::npos);
}

TEST(verify_http_client, ControlCharactersInARequestAreRefusedUnsent) {
  ClientFixture fx;
  HttpRequest req;
  req.url = "https://api.github.com/user";
  req.headers = {{"Authorization", "Bearer abc\r\nX-Injected: 1"}};
  auto r = fx.client->send("github", {"api.github.com"}, req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ClientError::Kind::kRefusedHost);
  EXPECT_TRUE(fx.sent.empty());
}

TEST(verify_http_client, AHostThatKeepsFailingIsNotAskedAgain) {
  ClientFixture fx;
  fx.transport->script = {status(200), failure(TransportError::Kind::kTimeout),
                          failure(TransportError::Kind::kTimeout), failure(TransportError::Kind::kTimeout)};
  HttpRequest req;
  req.url = "https://api.github.com/user";
  ASSERT_TRUE(fx.client->send("github", {"api.github.com"}, {"GET", req.url, {}, ""}).has_value());  // ok
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(fx.client->send("github", {"api.github.com"}, req).has_value());
  EXPECT_EQ(fx.sent.size(), 4u);
  auto r = fx.client->send("github", {"api.github.com"}, req);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("failed"), std::string::npos);
  EXPECT_EQ(fx.sent.size(), 4u);  // the breaker is open: nothing sent
}

TEST(verify_http_client, NothingStartsAfterTheTimeBudget) {
  std::vector<HttpRequest> sent;
  auto now = std::make_shared<TokenBucket::Clock::time_point>();
  HttpClientOptions o;
  o.sleep = [](std::chrono::nanoseconds) {};
  o.now = [now] { return *now; };
  HttpClient client(std::make_unique<ScriptedTransport>(&sent), o);
  client.limit_total_time(std::chrono::seconds(10));
  HttpRequest req{"GET", "https://api.github.com/user", {}, ""};
  EXPECT_TRUE(client.send("github", {"api.github.com"}, req).has_value());
  *now += std::chrono::seconds(11);
  auto r = client.send("github", {"api.github.com"}, req);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("--verify-timeout"), std::string::npos);
  EXPECT_EQ(sent.size(), 1u);
}

}  // namespace
}  // namespace keysweep::verify
