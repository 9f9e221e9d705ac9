-- Learner-level assessment records (issue 19): one learner's score in a subject at a
-- school, year and term (0: the whole year). The learner is named by a pseudonymous id,
-- never by name: the mapping to names, if any, stays with the school. Optional: a school's
-- outcomes may come as counts alone.
CREATE TABLE learner_scores (
    school_id BIGINT NOT NULL REFERENCES schools(id),
    year BIGINT NOT NULL,
    term BIGINT NOT NULL DEFAULT 0,
    subject_id BIGINT NOT NULL REFERENCES outcome_subjects(id),
    learner TEXT NOT NULL,
    grade_id BIGINT NOT NULL REFERENCES outcome_grades(id),
    sex TEXT NOT NULL CHECK (sex IN ('F', 'M')),
    group_id BIGINT NOT NULL DEFAULT 0,
    score DOUBLE PRECISION NOT NULL,
    band TEXT CHECK (band IN ('below_basic', 'basic', 'proficient', 'advanced')),
    PRIMARY KEY (school_id, year, term, subject_id, learner)
);

-- Where a cell of learner_outcomes has learner records, its assessment columns (assessed,
-- mean score, bands) are derived from them at commit
-- (opencpd_indicators::store::learners::CELLS), and this is how many there were; NULL for
-- a cell whose figures came as counts.
ALTER TABLE learner_outcomes ADD COLUMN learners BIGINT;
