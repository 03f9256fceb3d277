-- Schema version 5: whether a finding's secret_sha256 is the plain SHA-256 of the secret (0) or
-- its HMAC-SHA-256 under the scanning user's key (1), for guessable secrets such as passwords
-- (issue 17: a shared datastore must not give a weak password back to a dictionary). Rows
-- written before version 5 hold plain hashes.
ALTER TABLE findings ADD COLUMN secret_hash_keyed INTEGER NOT NULL DEFAULT 0;
