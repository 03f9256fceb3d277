#!/usr/bin/python3
"""Rebuild credential-examples.jsonl from Nosey Parker's rule files.

Usage: make_credential_examples.py RULES_DIR > credential-examples.jsonl

RULES_DIR holds Nosey Parker rule files (crates/noseyparker/data/default/builtin/rules/*.yml from
praetorian-inc/noseyparker, Apache-2.0). Only each rule's name, id and example snippets are read;
patterns are ignored. See README.md beside this file for the labelling decisions made here.
"""
import glob
import json
import os
import sys

import yaml

# Rule-id families whose lower-case name differs from keysweep's provider vocabulary.
FAMILY_TO_PROVIDER = {
    "s3": "aws", "arn": "aws", "appsync": "aws",
    "gcs": "google",
    "pem": "privatekey",
    "pwhash": "passwordhash",
    "msteams": "microsoft_teams",
    "dockerhub": "docker",
    "hashicorp": "vault", "hashicorpvault": "vault",
    "reactapp": "react",
    "particleio": "particle",
    "dtrack": "dependencytrack",
    "adafruit": "adafruit",
}

# Snippets whose Nosey Parker label does not say what a scanner should do, per the rule file's own
# comment or the project's placeholder policy. Keyed by (rule id, start of the snippet).
RELABEL = [
    # The rule file marks these negatives "FIXME/XXX: should match": they hold real-format credentials.
    ("np.aws.2", "aws_secret_key: OOzkR1", "positive", "FIXME in source: should be detected"),
    ("np.generic.1", "    client_credential=", "positive", "FIXME in source: should be detected"),
    ("np.generic.1", "    secret_access_key = ", "positive", "FIXME in source: should be detected"),
    ("np.generic.1", "    Ldap password", "positive", "FIXME in source: should be detected"),
    ("np.auth0.1", "# config variables", "positive", "source: unmatched only for ordering"),
    ("np.facebook.1", '\\"fbconnectkey', "positive", "XXX in source: should be detected"),
    ("np.msteams.1", "\t\t\toffice365ConnectorSend", "positive", "FIXME in source: should be detected"),
    ("np.twitter.2", "Twitter(auth=OAuth(", "positive", "XXX in source: should be detected"),
    ("np.npm.1", "-export NPM_TOKEN=", "positive", "legacy npm token; source: needs context heuristics"),
    # Negative only because the rule expects another layout; the snippets hold a client secret.
    ("np.gitalk.1", "'\\\\n    <script", "positive", "holds a client secret in another layout"),
    ("np.gitalk.1", "var gitalk = new Gitalk(", "positive", "holds a client secret in another layout"),
    # Negative for one rule, but a credential in the format of a sibling rule.
    ("np.newrelic.2", "# Required license key associated with your New Relic account.\n"
     "license_key: 033f2f2072ca3f2cb2ec39019", "positive", "valid np.newrelic.1 format"),
    ("np.generic.4", "user = 'Aladdin'\npassword = 'open_sesame'", "positive",
     "valid np.generic.3 format"),
    # The rule file says this example should not actually match.
    ("np.linkedin.1", "Email ID", "negative", "FIXME in source: should not match"),
    # Placeholder values that keysweep drops on purpose (one repeated character, x-runs, EXAMPLE).
    ("np.aws.2", "aws_secret_access_key:aaaa", "negative", "placeholder value"),
    ("np.aws.2", "aws_secret_access_key => aaaa", "negative", "placeholder value"),
    ("np.okta.1", "okta_api_token = 00aaaa", "negative", "placeholder value"),
    ("np.okta.1", 'OKTA_API_KEY = "00-aaaa', "negative", "placeholder value"),
    ("np.newrelic.1", "    license_key: aaaa", "negative", "placeholder value"),
    ("np.google.3", '"client_secret":"aaaa', "negative", "placeholder value"),
    ("np.slack.2", 'export SLACK_TOKEN="xoxb-0000000000', "negative", "placeholder value"),
    ("np.tavily.1", 'TAVILY_API_KEY = "tvly-xxxx', "negative", "placeholder value"),
    ("np.salesforce.1", "=== Org Description", "negative", "placeholder value (EXAMPLE)"),
    ("np.generic.5", '"password": "YOURPASSWROD"', "negative", "placeholder value"),
]


def provider_of(rule_id):
    family = rule_id.split(".")[1]
    return FAMILY_TO_PROVIDER.get(family, family)


def main():
    rules_dir = sys.argv[1]
    used = set()
    order = []          # unique snippet texts, in file order
    entry = {}          # text -> dict(provider, label, kind, source)
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.yml"))):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for rule in doc.get("rules") or []:
            rid, name = rule["id"], rule["name"]
            lists = [("positive", rule.get("examples") or []),
                     ("negative", (rule.get("negative_examples") or []) + (rule.get("non_examples") or []))]
            for listed_kind, texts in lists:
                for text in texts:
                    kind, source = listed_kind, f"noseyparker {rid} (Apache-2.0)"
                    for i, (orid, prefix, newkind, why) in enumerate(RELABEL):
                        if orid == rid and text.startswith(prefix) and newkind != kind:
                            kind, source = newkind, f"{source}; relabelled {newkind}: {why}"
                            used.add(i)
                    e = dict(provider=provider_of(rid), label=name, kind=kind, text=text, source=source)
                    if text not in entry:
                        order.append(text)
                        entry[text] = e
                    elif kind == "positive" and entry[text]["kind"] == "negative":
                        # A snippet that is a credential for any rule is a credential for a scanner.
                        entry[text] = e
    unused = [RELABEL[i][:2] for i in range(len(RELABEL)) if i not in used]
    if unused:
        sys.exit(f"relabel entries matched nothing: {unused}")
    for text in order:
        e = entry[text]
        print(json.dumps({k: e[k] for k in ("provider", "label", "kind", "text", "source")},
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
