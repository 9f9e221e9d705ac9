-- A PLC is edited on the version its editor read: an edit of an older one is a conflict.
ALTER TABLE plcs ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- The file store keeps a file once, under its digest: the same file (a ministry's lesson
-- plan) may be an artefact of several lesson studies, so its key is no longer unique.
CREATE TABLE lesson_study_artefacts_new (
    id INTEGER PRIMARY KEY,
    lesson_study_id INTEGER NOT NULL REFERENCES lesson_studies(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('lesson_plan', 'digitised_lesson', 'photo', 'other')),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO lesson_study_artefacts_new
    SELECT id, lesson_study_id, kind, file_name, content_type, size_bytes, sha256, storage_key, created_at
    FROM lesson_study_artefacts;
DROP TABLE lesson_study_artefacts;
ALTER TABLE lesson_study_artefacts_new RENAME TO lesson_study_artefacts;
CREATE INDEX lesson_study_artefacts_study ON lesson_study_artefacts(lesson_study_id);
