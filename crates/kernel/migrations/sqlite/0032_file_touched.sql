-- When a file was last sent or asked about, for the prune of files no row refers to:
-- one unused for its grace period is removed (none yet: the time it was first kept counts).
ALTER TABLE stored_files ADD COLUMN touched_at TEXT;
