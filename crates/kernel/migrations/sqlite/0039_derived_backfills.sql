-- Derived tables a migration leaves to be filled from Rust, where their rule lives: the
-- area that owns the table fills the rows missing (in batches, each its own transaction;
-- a row written already is left as it is, so filling again changes nothing) and then
-- deletes its name here. Its readers have it filled before they read it.
CREATE TABLE derived_backfills (
    table_name TEXT PRIMARY KEY
);
-- survey_scores (0038) holds no row for the submissions stored before it existed.
INSERT INTO derived_backfills (table_name) VALUES ('survey_scores');
