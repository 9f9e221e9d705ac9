-- A PLC is edited on the version its editor read: an edit of an older one is a conflict.
ALTER TABLE plcs ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- The file store keeps a file once, under its digest: the same file (a ministry's lesson
-- plan) may be an artefact of several lesson studies, so its key is no longer unique.
ALTER TABLE lesson_study_artefacts DROP CONSTRAINT lesson_study_artefacts_storage_key_key;
