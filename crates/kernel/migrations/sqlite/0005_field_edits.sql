-- Edits to shared records made offline: applied when the record has not changed since
-- the device read it, otherwise kept as a conflict for a person to resolve.
CREATE TABLE field_edits (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    user_id INTEGER REFERENCES users(id),
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    base_version INTEGER NOT NULL,
    changes_json TEXT NOT NULL,
    status TEXT NOT NULL,
    current_json TEXT,
    received_at TEXT NOT NULL,
    resolved_by INTEGER REFERENCES users(id),
    resolved_at TEXT
);
CREATE INDEX field_edits_status ON field_edits(status);
