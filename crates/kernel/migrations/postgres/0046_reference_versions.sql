-- Grades, subjects and learner groups are edited (renamed, a subject's maximum score, a
-- grade's position) with the version the editor read: an edit naming an older version is
-- refused as a conflict, never written over what another saved meanwhile (issue 19).
ALTER TABLE outcome_grades ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE outcome_subjects ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE learner_groups ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
