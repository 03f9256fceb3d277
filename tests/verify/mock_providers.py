#!/usr/bin/python3
"""A loopback stand-in for every provider keysweep verifies, for tests that must not touch the internet.

    mock_providers.py --credentials creds.json --log requests.jsonl

Prints "PORT <n>" once listening on 127.0.0.1 (port chosen by the OS), then serves until killed.
Each endpoint checks the REAL request keysweep sends: method, path, the auth header in the provider's
scheme, and for AWS the SigV4 signature, recomputed with botocore from the fake secret it was given.
A credential listed under "live" gets the provider's success answer (with an identity); one under
"unknown" always gets HTTP 500; one under "flaky" gets 503 once, then the live answer; anything else
gets the provider's "unauthorized" answer. Hostile servers, for the client's defences: a credential
under "echo" gets a success answer whose identity is the Authorization header it was sent; one under
"hang" gets no answer for HANG_SECONDS. Every request is appended to the log as one JSON line.

creds.json: {"twilio": {"live": {"<user>:<password>": "Acme Ltd"}, ...}, "aws": {"live": {"<key id>":
{"secret": "...", "arn": "..."}}}, "github": {"live": {"<token>": "octocat"}, "unknown": [...],
"flaky": {...}}, ...}
"""
import argparse
import base64
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDS = {}
LOG = None
LOCK = threading.Lock()
FLAKY_SEEN = {}
HANG_SECONDS = 60


def basic(header):
    if not header or not header.startswith("Basic "):
        return None
    try:
        return base64.b64decode(header[6:]).decode()
    except Exception:
        return None


def bearer(header):
    return header[7:] if header and header.startswith("Bearer ") else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the JSON log is the record
        pass

    def record(self, provider, outcome, **extra):
        entry = {"provider": provider, "method": self.command, "path": self.path, "outcome": outcome}
        entry.update(extra)
        with LOCK:
            LOG.write(json.dumps(entry) + "\n")
            LOG.flush()

    def reply(self, status, body, content_type="application/json", headers=None):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # The outcome a credential gets: "live" (with its identity), "unknown", "flaky" or "revoked".
    def judge(self, provider, key):
        table = CREDS.get(provider, {})
        if key is not None and key in table.get("echo", []):
            return "live", self.headers.get("Authorization")
        if key is not None and key in table.get("hang", []):
            return "hang", None
        if key is not None and key in table.get("unknown", []):
            return "unknown", None
        if key is not None and key in table.get("flaky", {}):
            # 503 and success in turn, so every run (which retries once) sees both.
            with LOCK:
                FLAKY_SEEN[(provider, key)] = FLAKY_SEEN.get((provider, key), 0) + 1
                odd = FLAKY_SEEN[(provider, key)] % 2 == 1
            return ("flaky", None) if odd else ("live", table["flaky"][key])
        if key is not None and key in table.get("live", {}):
            return "live", table["live"][key]
        return "revoked", None

    def answer(self, provider, key, live, revoked):
        outcome, identity = self.judge(provider, key)
        self.record(provider, outcome)
        if outcome == "unknown":
            return self.reply(500, {"error": "internal"})
        if outcome == "flaky":
            return self.reply(503, {"error": "try again"})
        if outcome == "hang":
            time.sleep(HANG_SECONDS)
            return self.reply(504, {"error": "too late"})
        if outcome == "live":
            return live(identity)
        return revoked()

    def unexpected(self, why):
        self.record("?", "unexpected", why=why)
        self.reply(404, {"error": "unexpected request: " + why})

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        path = self.path
        h = self.headers
        m = re.fullmatch(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})\.json", path)
        if m and self.command == "GET":
            user_pass = basic(h.get("Authorization"))
            key = None if user_pass is None else user_pass + "@" + m.group(1)
            return self.answer(
                "twilio", key,
                lambda ident: self.reply(200, {"sid": m.group(1), "friendly_name": ident, "status": "active"}),
                lambda: self.reply(401, {"code": 20003, "message": "Authenticate", "status": 401}))
        if path == "/" and self.command == "POST":
            return self.aws()
        if path == "/user" and self.command == "GET":
            if h.get("X-GitHub-Api-Version") != "2022-11-28":
                return self.unexpected("github without X-GitHub-Api-Version")
            return self.answer(
                "github", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"login": ident}, headers={"X-OAuth-Scopes": "repo, gist"}),
                lambda: self.reply(401, {"message": "Bad credentials"}))
        if path == "/api/v4/personal_access_tokens/self" and self.command == "GET":
            return self.answer(
                "gitlab", h.get("PRIVATE-TOKEN"),
                lambda ident: self.reply(200, {"id": 7, "name": ident, "user_id": 42, "scopes": ["api", "read_user"]}),
                lambda: self.reply(401, {"message": "401 Unauthorized"}))
        if path == "/api/auth.test" and self.command == "POST":
            self.body()
            return self.answer(
                "slack", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"ok": True, "team": ident, "user": "deploybot"}),
                lambda: self.reply(200, {"ok": False, "error": "invalid_auth"}))
        if path == "/v1/account" and self.command == "GET":
            user_pass = basic(h.get("Authorization"))
            key = user_pass[:-1] if user_pass and user_pass.endswith(":") else None
            return self.answer(
                "stripe", key,
                lambda ident: self.reply(200, {"id": "acct_1Mock", "settings": {"dashboard": {"display_name": ident}}}),
                lambda: self.reply(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}))
        if path == "/v3/scopes" and self.command == "GET":
            return self.answer(
                "sendgrid", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"scopes": ["mail.send", "alerts.read"]}),
                lambda: self.reply(401, {"errors": [{"message": "authorization required"}]}))
        if path == "/v3/domains?limit=1" and self.command == "GET":
            user_pass = basic(h.get("Authorization"))
            key = user_pass[4:] if user_pass and user_pass.startswith("api:") else None
            return self.answer(
                "mailgun", key,
                lambda ident: self.reply(200, {"total_count": 1, "items": [{"name": ident}]}),
                lambda: self.reply(401, "Forbidden", content_type="text/plain"))
        if path == "/v1/models?limit=1" and self.command == "GET":
            if h.get("anthropic-version") != "2023-06-01":
                return self.unexpected("anthropic without anthropic-version")
            return self.answer(
                "anthropic", h.get("x-api-key"),
                lambda ident: self.reply(200, {"data": [{"id": "claude-mock"}], "has_more": True}),
                lambda: self.reply(401, {"type": "error", "error": {"type": "authentication_error"}}))
        if path == "/api/whoami-v2" and self.command == "GET":
            return self.answer(
                "huggingface", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"type": "user", "name": ident}),
                lambda: self.reply(401, {"error": "Invalid credentials in Authorization header"}))
        if path == "/-/whoami" and self.command == "GET":
            return self.answer(
                "npm", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"username": ident}),
                lambda: self.reply(401, {"error": "You must be logged in"}))
        if path == "/v2/account" and self.command == "GET":
            return self.answer(
                "digitalocean", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"account": {"email": ident, "status": "active"}}),
                lambda: self.reply(401, {"id": "Unauthorized", "message": "Unable to authenticate you"}))
        if path == "/openai/v1/models" and self.command == "GET":
            return self.answer(
                "groq", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"object": "list", "data": [{"id": "llama-mock"}]}),
                lambda: self.reply(401, {"error": {"message": "Invalid API Key", "code": "invalid_api_key"}}))
        if path == "/api/v1/key" and self.command == "GET":
            return self.answer(
                "openrouter", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"data": {"label": ident, "usage": 0, "limit": None}}),
                lambda: self.reply(401, {"error": {"message": "No auth credentials found", "code": 401}}))
        if path == "/v1/api-key" and self.command == "GET":
            return self.answer(
                "xai", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"name": ident, "api_key_blocked": False, "team_blocked": False}),
                lambda: self.reply(400, {"code": "Client specified an invalid argument",
                                         "error": "Incorrect API key provided"}))
        if path == "/v2/access-token" and self.command == "GET":
            return self.answer(
                "buildkite", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"uuid": ident, "scopes": ["read_builds"]}),
                lambda: self.reply(401, {"message": "Authentication required"}))
        if path == "/v1/models" and self.command == "GET":
            return self.answer(
                "openai", bearer(h.get("Authorization")),
                lambda ident: self.reply(200, {"object": "list", "data": []}, headers={"openai-organization": ident}),
                lambda: self.reply(401, {"error": {"code": "invalid_api_key"}}))
        if path == "/v1beta/models?pageSize=1" and self.command == "GET":
            # A working key Google refuses by its restrictions, as it answers: 403 with the
            # reason (API_KEY_ANDROID_APP_BLOCKED for a key bound to an Android app).
            reason = CREDS.get("google", {}).get("blocked", {}).get(h.get("X-Goog-Api-Key"))
            if reason:
                self.record("google", "blocked")
                return self.reply(403, {"error": {"code": 403, "status": "PERMISSION_DENIED",
                                                  "message": "Requests from this client are blocked.",
                                                  "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                                               "reason": reason,
                                                               "metadata": {"consumer": "projects/123456789"}}]}})
            return self.answer(
                "google", h.get("X-Goog-Api-Key"),
                lambda ident: self.reply(200, {"models": [{"name": "models/mock"}]}),
                lambda: self.reply(400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                                   "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                                                "reason": "API_KEY_INVALID"}]}}))
        return self.unexpected(self.command + " " + path)

    def aws(self):
        body = self.body()
        h = self.headers
        if body != b"Action=GetCallerIdentity&Version=2011-06-15":
            return self.unexpected("aws body " + body.decode(errors="replace"))
        m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                         r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", h.get("Authorization", ""))
        if not m:
            return self.unexpected("aws Authorization header")
        key_id, _, region, service, signed, signature = m.groups()
        if service != "sts" or region != "us-east-1":
            return self.unexpected("aws scope " + region + "/" + service)
        signed_names = signed.split(";")
        if not {"host", "x-amz-date"} <= set(signed_names):
            return self.unexpected("aws signed headers " + signed)
        table = CREDS.get("aws", {})
        entry = table.get("live", {}).get(key_id)
        if entry is None:
            self.record("aws", "revoked")
            return self.reply(403, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
                                   "<Message>The security token included in the request is invalid.</Message>"
                                   "</Error></ErrorResponse>", content_type="text/xml")
        # botocore recomputes the signature over exactly the headers the client says it signed.
        headers = {name: h.get(name) for name in signed_names if name != "host"}
        req = AWSRequest(method="POST", url="http://%s/" % h.get("Host"), data=body, headers=headers)
        req.context["timestamp"] = h.get("X-Amz-Date")
        auth = SigV4Auth(Credentials(key_id, entry["secret"]), "sts", "us-east-1")
        expected = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
        if expected != signature:
            self.record("aws", "bad-signature")
            return self.reply(403, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>",
                              content_type="text/xml")
        self.record("aws", "live")
        account = entry["arn"].split(":")[4]
        return self.reply(200, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>%s</Arn>"
                               "<UserId>AIDAMOCK</UserId><Account>%s</Account></GetCallerIdentityResult>"
                               "</GetCallerIdentityResponse>" % (entry["arn"], account), content_type="text/xml")


def main():
    global CREDS, LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--credentials", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    with open(args.credentials) as f:
        CREDS = json.load(f)
    LOG = open(args.log, "a")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
