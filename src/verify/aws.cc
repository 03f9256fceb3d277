// AWS: STS GetCallerIdentity answers "who am I" for any valid key and needs no IAM permission, so
// it cannot fail for lack of rights and changes nothing. Signed with SigV4 (aws_sigv4.cc).
// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
#include "verify/aws_sigv4.h"
#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "sts.amazonaws.com";
constexpr const char* kBody = "Action=GetCallerIdentity&Version=2011-06-15";
constexpr const char* kContentType = "application/x-www-form-urlencoded; charset=utf-8";

// The text of the first <tag>...</tag> in an STS XML answer (flat, no attributes).
std::string xml_text(const std::string& xml, const std::string& tag) {
  auto open = xml.find("<" + tag + ">");
  if (open == std::string::npos) return {};
  open += tag.size() + 2;
  auto close = xml.find("</" + tag + ">", open);
  if (close == std::string::npos || close - open > 2048) return {};
  return xml.substr(open, close - open);
}

class AwsVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "aws"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return f.is_pair() && f.rule_id == "aws.credentials";
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    auto id = part_secret(f, "id");
    auto secret = part_secret(f, "secret");
    auto token = part_secret(f, "token");
    HttpRequest req;
    req.method = "POST";
    req.url = ctx.url(kHost, "/");
    req.body = kBody;
    if (!id || !secret) {
      Verification v;
      v.status = Verification::Status::kUnknown;
      v.endpoint = kHost;
      v.detail = "needs both the access key id and the secret access key";
      return v;
    }
    std::string date = amz_date_now();
    SigV4Request s;
    s.method = req.method;
    s.path = "/";
    s.payload = req.body;
    s.headers = {{"content-type", kContentType}, {"host", host_of(req.url)}, {"x-amz-date", date}};
    if (token) s.headers.emplace_back("x-amz-security-token", *token);
    SigV4Result sig = sigv4_sign(s, {*id, *secret}, "us-east-1", "sts", date);
    req.headers = {{"Content-Type", kContentType}, {"X-Amz-Date", date}};
    if (token) req.headers.emplace_back("X-Amz-Security-Token", *token);
    req.headers.emplace_back("Authorization", sig.authorization);

    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (!r) return v;
    if (v.status == Verification::Status::kLive) {
      v.identity = xml_text(r->body, "Arn");
      std::string account = xml_text(r->body, "Account");
      if (!account.empty()) v.detail = "account " + account;
    } else if (std::string code = xml_text(r->body, "Code"); !code.empty()) {
      if (code == "InvalidClientTokenId")
        v.detail = "AWS does not know this access key id (InvalidClientTokenId)";
      else if (code == "SignatureDoesNotMatch")
        v.detail =
            "the access key id exists but this secret is not its secret (SignatureDoesNotMatch)";
      else if (code == "ExpiredToken")
        v.detail = "the session token has expired (ExpiredToken)";
      else
        v.detail += " (" + code + ")";
    }
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_aws_verifier() { return std::make_unique<AwsVerifier>(); }

}  // namespace keysweep::verify
