-- keysweep datastore, schema version 1: scan runs, inputs (files on disk), apps, the files inside
-- an input that hold findings, and the findings. One text for SQLite and PostgreSQL: @ID@ is the
-- auto-increment primary key of each dialect, everything else is standard SQL both accept.
-- Timestamps are ISO 8601 UTC text ("2026-11-29T09:04:35Z"). Sizes and counts are 64-bit.

CREATE TABLE scan_runs (
  id @ID@,
  started_at TEXT NOT NULL,
  finished_at TEXT,                        -- NULL while running, or when the run died
  status TEXT NOT NULL,                    -- running | finished
  tool_version TEXT NOT NULL,
  host TEXT NOT NULL,
  command TEXT NOT NULL,                   -- the command line, for the record
  shard TEXT NOT NULL DEFAULT '',          -- "K/N" when run with --shard, else ''
  inputs_scanned BIGINT NOT NULL DEFAULT 0,
  inputs_skipped BIGINT NOT NULL DEFAULT 0, -- already in the store (same content SHA-256)
  bytes_scanned BIGINT NOT NULL DEFAULT 0,
  findings BIGINT NOT NULL DEFAULT 0
);

-- One app identity: what an APK's manifest and signing block, or an IPA's Info.plist and
-- provisioning profile, say. Empty strings (not NULL) for what is unknown, so UNIQUE works.
CREATE TABLE apps (
  id @ID@,
  platform TEXT NOT NULL,                  -- android | ios
  package TEXT NOT NULL,                   -- package name / bundle id
  version TEXT NOT NULL,
  signer_sha256 TEXT NOT NULL,             -- signing certificate SHA-256, hex ('' if unsigned)
  team_id TEXT NOT NULL,                   -- iOS team identifier
  UNIQUE (platform, package, version, signer_sha256, team_id)
);

-- One top-level input: a file on disk (an APK, an IPA, a source file), stored once per content.
CREATE TABLE inputs (
  id @ID@,
  run_id BIGINT NOT NULL REFERENCES scan_runs(id),
  path TEXT NOT NULL,                      -- as walked: the given path or dir + relative path
  content_sha256 TEXT,                     -- NULL when the file could not be read
  size BIGINT NOT NULL,
  status TEXT NOT NULL,                    -- ok | partial (some part did not parse) | error
  reason TEXT NOT NULL DEFAULT '',         -- first diagnostic when not ok
  app_id BIGINT REFERENCES apps(id),       -- the app this input is, when it is one
  blobs_scanned BIGINT NOT NULL DEFAULT 0,
  bytes_scanned BIGINT NOT NULL DEFAULT 0,
  findings BIGINT NOT NULL DEFAULT 0,      -- top-level findings (a pair counts once)
  scanned_at TEXT NOT NULL
);
-- Resumability and dedup: one row per content. NULL hashes (unreadable files) do not collide.
CREATE UNIQUE INDEX inputs_by_content ON inputs(content_sha256);
CREATE INDEX inputs_by_run ON inputs(run_id);
CREATE INDEX inputs_by_app ON inputs(app_id);

-- Every warning or error an input produced (malformed entries, limits, unreadable).
CREATE TABLE diagnostics (
  id @ID@,
  input_id BIGINT NOT NULL REFERENCES inputs(id) ON DELETE CASCADE,
  severity TEXT NOT NULL,                  -- warning | error
  kind TEXT NOT NULL,                      -- unreadable, too-large, malformed, limit, ...
  path TEXT NOT NULL,                      -- provenance chain, '!'-joined
  message TEXT NOT NULL
);
CREATE INDEX diagnostics_by_input ON diagnostics(input_id);

-- A file inside an input that holds at least one finding: the provenance chain below the input
-- ("nav.apk!classes2.dex"); the input itself has chain = its path.
CREATE TABLE files (
  id @ID@,
  input_id BIGINT NOT NULL REFERENCES inputs(id) ON DELETE CASCADE,
  chain TEXT NOT NULL,                     -- '!'-joined provenance chain, input path first
  depth BIGINT NOT NULL,                   -- 0 = the input itself
  UNIQUE (input_id, chain)
);

-- Findings. A multi-part credential is one row (rule_id = the pair's name) plus one row per part
-- with pair_id pointing at it; count top-level findings with `WHERE pair_id IS NULL`.
-- The secret itself is never stored: only its SHA-256 and the redacted preview.
CREATE TABLE findings (
  id @ID@,
  input_id BIGINT NOT NULL REFERENCES inputs(id) ON DELETE CASCADE,
  file_id BIGINT NOT NULL REFERENCES files(id),
  app_id BIGINT REFERENCES apps(id),       -- the app identity of the blob holding it
  rule_id TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  provider TEXT NOT NULL,
  confidence TEXT NOT NULL,                -- low | medium | high
  secret_sha256 TEXT NOT NULL,             -- pairs: SHA-256 of the parts' hashes in role order
  redacted TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  symbol TEXT NOT NULL,                    -- class.method(), @string/name, plist key path, ...
  line BIGINT NOT NULL,                    -- 0 when the blob has no meaningful lines
  col BIGINT NOT NULL,
  byte_offset BIGINT NOT NULL,             -- of the secret in the innermost blob
  code_class TEXT NOT NULL,                -- DEX: com.example.sms.TwilioClient ('' otherwise)
  code_package TEXT NOT NULL,              -- DEX: com.example.sms, to tell SDK from app code
  snippet TEXT NOT NULL,                   -- redacted
  verification_status TEXT NOT NULL,       -- not_checked | live | revoked | unknown
  verification_identity TEXT NOT NULL,
  verification_detail TEXT NOT NULL,
  pair_id BIGINT REFERENCES findings(id),  -- set on the parts of a pair
  pair_role TEXT NOT NULL,                 -- id | secret | token ... on parts, '' otherwise
  git_commit TEXT NOT NULL,                -- git history scans: the introducing commit
  git_author TEXT NOT NULL,
  git_time BIGINT NOT NULL,
  git_path TEXT NOT NULL
);
CREATE INDEX findings_by_secret ON findings(secret_sha256);
CREATE INDEX findings_by_input ON findings(input_id);
CREATE INDEX findings_by_rule ON findings(rule_id);
CREATE INDEX findings_by_pair ON findings(pair_id);
