-- Schema version 4: the process id of each scan run on its host. A run killed midway stays
-- 'running' with no way to tell it from one still going; with its pid, the next run on the same
-- host marks it 'interrupted' when that process is gone. NULL for runs written before version 4
-- (left as they are: nothing says whether they still run).
ALTER TABLE scan_runs ADD COLUMN pid BIGINT;
