-- The values an offline edit's device read of the fields it changed: with them, edits to
-- different fields of one record no longer conflict.
ALTER TABLE field_edits ADD COLUMN base_json TEXT;
