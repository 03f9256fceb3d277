-- Schema version 3: the decodings that revealed a finding, outermost first and '>'-joined
-- ("base64>hex"), as `scan` reports them; '' when the secret is in the blob as written (and for
-- every row written before version 3, which did not record it).
ALTER TABLE findings ADD COLUMN decoders TEXT NOT NULL DEFAULT '';
