-- Files kept by the file store (`kernel::files`), named by the SHA-256 of their content:
-- each described once here; what they are to whom is said by the tables that name them.
CREATE TABLE stored_files (
    sha256 TEXT PRIMARY KEY,
    size_bytes INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The files a form names (its CSV lists and lookups, the media of its labels and
-- choices), uploaded for one version of the form: a name the form lists, at most once.
CREATE TABLE instrument_attachments (
    instrument_id INTEGER NOT NULL REFERENCES instruments(id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES stored_files(sha256),
    uploaded_by INTEGER REFERENCES users(id),
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (instrument_id, name)
);

-- The files a submission's answers name (photos, recordings), stored with it.
CREATE TABLE submission_files (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    name TEXT NOT NULL,
    question TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES stored_files(sha256),
    PRIMARY KEY (submission_id, name)
);
CREATE INDEX submission_files_sha256 ON submission_files(sha256);
