-- A derived table (opencpd_instruments::store::survey_scores::CELLS): the survey scores
-- (survey_scores, 0038) of the answers about each cohort and each of its sessions, summed
-- per survey and per subject path, so that a programme's satisfaction (the Kirkpatrick
-- funnel's level 1) reads a row per cohort, session and survey instead of every answer
-- again after each new one. Written again at commit for the cohorts whose answers the
-- transaction stored; never by a write itself.
CREATE TABLE survey_score_cells (
    cohort_id INTEGER NOT NULL,
    -- The session answered about; 0 for answers about the cohort itself.
    session_id INTEGER NOT NULL,
    instrument_id INTEGER NOT NULL,
    -- The answers' subject path, which a reader's scope is checked on.
    subject_path TEXT NOT NULL,
    -- Answers, those of them with a score (they answered a Likert item), and their sum.
    answers INTEGER NOT NULL,
    scored INTEGER NOT NULL,
    score_sum REAL NOT NULL,
    PRIMARY KEY (cohort_id, session_id, instrument_id, subject_path)
);

-- Written for the answers stored before it existed by the backfill (derived_backfills).
INSERT INTO derived_backfills (table_name) VALUES ('survey_score_cells');
