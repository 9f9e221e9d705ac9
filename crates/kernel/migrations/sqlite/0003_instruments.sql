-- Instruments (versioned forms) and the submissions collected with them.
CREATE TABLE instruments (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    form_json TEXT NOT NULL,
    source_name TEXT NOT NULL,
    retired INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    instrument_id INTEGER NOT NULL REFERENCES instruments(id),
    collected_by INTEGER REFERENCES users(id),
    collected_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    subject_path TEXT NOT NULL,
    answers_json TEXT NOT NULL,
    scores_json TEXT NOT NULL
);
CREATE INDEX submissions_instrument ON submissions(instrument_id, id);
CREATE INDEX submissions_path ON submissions(subject_path);
