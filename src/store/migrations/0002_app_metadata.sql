-- Schema version 2: what a metadata CSV (`scan --metadata`) says about apps the files do not:
-- who publishes them, how many installs, which store. Keyed by app id = package name / bundle id,
-- joined to apps.package. A later import of the same app id replaces the row.
CREATE TABLE app_metadata (
  app_id TEXT PRIMARY KEY,
  publisher TEXT NOT NULL,
  installs BIGINT,                         -- NULL when the CSV left it empty
  store TEXT NOT NULL,
  imported_at TEXT NOT NULL
);
