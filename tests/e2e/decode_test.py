#!/usr/bin/env python3
"""End-to-end tests of the decode pass: a FAKE credential hidden only in base64, only in hex, only
percent-encoded, only \\u-escaped in JSON, in a UTF-16LE file, in a UTF-16LE string inside a
binary, in base64 wrapped at 76 columns across line breaks, and in base64 of percent-encoding,
or split into string literals joined by `+` over several lines (and base64 split that way),
is found, placed at the encoded text in the file, and labelled with the decodings that revealed it
in every output format. A secret both plain and encoded is reported once; random base64 (images)
and hex (hashes) give nothing; --no-decode turns the pass off.
Run: /usr/bin/python3 tests/e2e/decode_test.py --keysweep build/dev/src/cli/keysweep
"""
import base64
import csv
import io
import json
import os
import random
import unittest

import e2e_util
from fake_credentials import Fakes  # on sys.path through e2e_util
from e2e_util import run

FAKE = Fakes("e2e-decode")
GITHUB = FAKE.github_token()
AKID_HEX = FAKE.aws_access_key_id()
SLACK_HOOK = FAKE.slack_webhook()
STRIPE = FAKE.stripe_secret_key()
AKID_UTF16 = FAKE.aws_access_key_id()
GOOGLE = FAKE.google_api_key()
AKID_BOTH = FAKE.aws_access_key_id()
GITHUB_UTF16 = FAKE.github_token()
AKID_WRAPPED = FAKE.aws_access_key_id()
SECRET_WRAPPED = FAKE.aws_secret_access_key()
TWILIO_SPLIT = FAKE.twilio_auth_token()
GITHUB_SPLIT = FAKE.github_token()


def b64(s):
    return base64.b64encode(s.encode()).decode()


def percent_all(s):
    return "".join("%%%02X" % b for b in s.encode())


def wrapped_json_mail():
    """A mail with a JSON document as a MIME attachment: base64 wrapped at 76 columns (57 bytes a
    line), padded so that both the key id and the secret key cross a line break and no single
    line's decoding holds either."""
    for pad in range(57):
        doc = json.dumps({"note": "x" * pad, "region": "eu-west-1",
                          "aws_access_key_id": AKID_WRAPPED,
                          "aws_secret_access_key": SECRET_WRAPPED})
        crosses = [doc.index(v) // 57 != (doc.index(v) + len(v) - 1) // 57
                   for v in (AKID_WRAPPED, SECRET_WRAPPED)]
        if all(crosses):
            body = base64.b64encode(doc.encode()).decode()
            lines = [body[i:i + 76] for i in range(0, len(body), 76)]
            return ("Content-Type: application/json\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    + "\r\n".join(lines) + "\r\n"), doc
    raise AssertionError("no padding puts both values across a line break")


def split_js(text):
    """`text` cut in three literals joined by `+`, one a line."""
    third = len(text) // 3
    parts = [text[:third], text[third:2 * third], text[2 * third:]]
    return "const blob = '" + "' +\n  '".join(parts) + "';\n"


def json_escape_all(s):
    return "".join("\\u%04x" % ord(c) for c in s)


class Decoded(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = e2e_util.scratch_dir("decode")
        rng = random.Random(5)
        images = "".join(
            '<img src="data:image/png;base64,%s">\n<!-- sha256 %s -->\n'
            % (base64.b64encode(bytes(rng.getrandbits(8) for _ in range(rng.randint(16, 4000)))).decode(),
               bytes(rng.getrandbits(8) for _ in range(32)).hex())
            for _ in range(200))
        files = {
            "b64.properties": "# build settings\ngithub.blob=" + b64("token " + GITHUB) + "\n",
            "hex.cfg": "[upload]\nkey = " + AKID_HEX.encode().hex() + "\n",
            "percent.txt": "callback https://proxy.example.test/fwd?to=" + percent_all(SLACK_HOOK) + " ok\n",
            "escaped.json": '{\n  "name": "demo",\n  "stripe": "' + json_escape_all(STRIPE) + '"\n}\n',
            "nested.yaml": "a: 1\nblob: " + b64("maps=" + percent_all("key " + GOOGLE)) + "\n",
            "both.env": "AWS_ACCESS_KEY_ID=" + AKID_BOTH + "\nAWS_KEY_B64=" + b64(AKID_BOTH) + "\n",
            "images.html": images,
            "attachment.eml": wrapped_json_mail()[0],
            # A token split in two literals to keep it off one line; its name is the keyword.
            "Split.java": ("class Split {\n    static final String TWILIO_AUTH_TOKEN = \"" +
                           TWILIO_SPLIT[:16] + "\" +\n            \"" + TWILIO_SPLIT[16:] +
                           "\";\n}\n"),
            # Base64 folded into three quoted lines by a formatter.
            "blob.js": split_js(b64("token " + GITHUB_SPLIT)),
        }
        for rel, text in files.items():
            with open(os.path.join(cls.root, rel), "w") as f:
                f.write(text)
        # A binary (no format keysweep opens) with a UTF-16LE resource string at an odd offset.
        rng2 = random.Random(9)
        head = bytes(rng2.getrandbits(8) if i % 3 else 0 for i in range(4001))
        cls.utf16_at = len(head)
        cls.utf16_line = head.count(b"\n") + 1  # lines as keysweep counts them in any raw file
        with open(os.path.join(cls.root, "resources.bin"), "wb") as f:
            f.write(head + ("GITHUB_TOKEN=" + GITHUB_UTF16).encode("utf-16-le") + b"\0\0"
                    + bytes(rng2.getrandbits(8) if i % 2 else 0 for i in range(3000)))
        # A Windows .ini saved as "Unicode": UTF-16LE with a byte order mark, CRLF.
        with open(os.path.join(cls.root, "App.ini"), "wb") as f:
            f.write(b"\xff\xfe" + ("[aws]\r\nregion=eu-west-1\r\naccess_key_id=" + AKID_UTF16 + "\r\n")
                    .encode("utf-16-le"))
        r = run("scan", "--format", "json", "--exit-zero", cls.root)
        assert r.returncode == 0, r.stderr
        cls.findings = json.loads(r.stdout)["findings"]

    @classmethod
    def tearDownClass(cls):
        e2e_util.remove_tree(cls.root)

    def find(self, name):
        return [f for f in self.findings if f["location"]["path"] == os.path.join(self.root, name)]

    def assert_one(self, name, rule_id, secret, decoders, line, column=None):
        found = self.find(name)
        self.assertEqual(len(found), 1, (name, found))
        f = found[0]
        self.assertEqual(f["rule_id"], rule_id)
        self.assertEqual(f["redacted"], e2e_util.redacted(secret))
        self.assertEqual(f["location"].get("decoders", []), decoders)
        self.assertEqual(f["location"]["line"], line)
        if column is not None:
            self.assertEqual(f["location"]["column"], column)
        self.assertNotIn(secret, json.dumps(f))  # redacted, in the snippet too
        return f

    def test_base64(self):
        # Placed at the start of the base64 text: line 2, after "github.blob=".
        self.assert_one("b64.properties", "github.pat_classic", GITHUB, ["base64"], 2, 13)

    def test_hex(self):
        self.assert_one("hex.cfg", "aws.access_key_id", AKID_HEX, ["hex"], 2, 7)

    def test_percent(self):
        self.assert_one("percent.txt", "slack.webhook_url", SLACK_HOOK, ["percent"], 1, 10)

    def test_unicode_escapes_in_json(self):
        self.assert_one("escaped.json", "stripe.secret_key", STRIPE, ["escape"], 3, 14)

    def test_utf16le_file_keeps_its_lines(self):
        f = self.assert_one("App.ini", "aws.access_key_id", AKID_UTF16, ["utf16le"], 3, 15)
        # The byte offset is the secret's own in the UTF-16 file: BOM + 2 bytes per character.
        self.assertEqual(f["location"]["offset"], 2 + 2 * len("[aws]\r\nregion=eu-west-1\r\naccess_key_id="))

    def test_base64_of_percent_encoded(self):
        self.assert_one("nested.yaml", "google.api_key", GOOGLE, ["base64", "percent"], 2, 7)

    def test_plain_and_encoded_is_reported_once_as_plain(self):
        self.assert_one("both.env", "aws.access_key_id", AKID_BOTH, [], 1, 19)

    def test_utf16le_string_inside_a_binary(self):
        f = self.assert_one("resources.bin", "github.pat_classic", GITHUB_UTF16, ["utf16le"],
                            self.utf16_line)
        # The token's own bytes in the binary: two a character, after "GITHUB_TOKEN=".
        self.assertEqual(f["location"]["offset"], self.utf16_at + 2 * len("GITHUB_TOKEN="))

    def test_base64_wrapped_at_76_columns_is_decoded_across_line_breaks(self):
        found = self.find("attachment.eml")
        self.assertEqual(len(found), 1, found)
        f = found[0]
        self.assertEqual(f["rule_id"], "aws.credentials")  # the key id paired with its secret
        self.assertEqual(sorted(p["rule_id"] for p in f["parts"]),
                         ["aws.access_key_id", "aws.secret_access_key"])
        self.assertEqual(f["location"]["decoders"], ["base64"])
        secrets = {"aws.access_key_id": AKID_WRAPPED, "aws.secret_access_key": SECRET_WRAPPED}
        for part in f["parts"]:
            self.assertEqual(part["location"]["decoders"], ["base64"])
            secret = secrets[part["rule_id"]]
            self.assertEqual(part["redacted"], e2e_util.redacted(secret))
            self.assertNotIn(secret, part["snippet"])
        # Each part is placed on the line holding the start of its encoded form: lines 4 and on
        # (after two header lines and a blank one), 57 bytes of the document a line.
        doc = wrapped_json_mail()[1]
        lines = {p["rule_id"]: p["location"]["line"] for p in f["parts"]}
        self.assertEqual(lines["aws.access_key_id"], 4 + doc.index(AKID_WRAPPED) // 57)
        self.assertEqual(lines["aws.secret_access_key"], 4 + doc.index(SECRET_WRAPPED) // 57)

    def test_key_split_into_concatenated_literals(self):
        # Placed at the secret's first character, in the first literal on line 2.
        line2 = "    static final String TWILIO_AUTH_TOKEN = \""
        self.assert_one("Split.java", "twilio.auth_token", TWILIO_SPLIT, ["concat"], 2,
                        len(line2) + 1)

    def test_base64_split_into_concatenated_literals(self):
        # Decoded from the joined literals; placed at the start of the base64, line 1.
        self.assert_one("blob.js", "github.pat_classic", GITHUB_SPLIT, ["concat", "base64"], 1,
                        len("const blob = '") + 1)

    def test_random_base64_and_hex_give_nothing(self):
        self.assertEqual(self.find("images.html"), [])

    def test_no_decode_finds_only_plain_text(self):
        r = run("scan", "--format", "json", "--exit-zero", "--no-decode", self.root)
        self.assertEqual(r.returncode, 0, r.stderr)
        findings = json.loads(r.stdout)["findings"]
        # Only both.env's plain key, and (undecoded, so not known to hold that key) its base64
        # value as a generic secret; nothing found through a decoding.
        self.assertEqual(sorted((os.path.basename(f["location"]["path"]), f["rule_id"]) for f in findings),
                         [("both.env", "aws.access_key_id"), ("both.env", "generic.secret")])
        self.assertTrue(all(not f["location"].get("decoders") for f in findings), findings)

    def test_every_format_names_the_decodings(self):
        path = os.path.join(self.root, "nested.yaml")
        human = run("scan", "--color", "never", path)
        self.assertEqual(human.returncode, 1, human.stderr)
        self.assertIn(path + ":2:7\n", human.stdout)
        self.assertIn("  decoded: base64 > percent\n", human.stdout)
        jsonl = run("scan", "--format", "jsonl", path)
        first = json.loads(jsonl.stdout.splitlines()[0])
        self.assertEqual(first["location"]["decoders"], ["base64", "percent"])
        sarif = json.loads(run("scan", "--format", "sarif", path).stdout)
        result = sarif["runs"][0]["results"][0]
        self.assertEqual(result["properties"]["decoders"], ["base64", "percent"])
        self.assertIn("(decoded: base64 > percent)", result["message"]["text"])
        self.assertEqual(result["locations"][0]["physicalLocation"]["region"]["startLine"], 2)
        rows = list(csv.DictReader(io.StringIO(run("scan", "--format", "csv", path).stdout)))
        self.assertEqual([row["decoders"] for row in rows], ["base64>percent"])


if __name__ == "__main__":
    e2e_util.main()
