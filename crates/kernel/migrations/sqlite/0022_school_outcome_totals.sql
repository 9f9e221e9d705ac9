-- A derived table (opencpd_indicators::store::rollup::TOTALS): learner outcomes summed per
-- school, year, term and subject (0: the all-subjects row enrolment and flows are read
-- from), over every grade and sex, for all learners (group 0). Written again at commit by
-- the transaction that changes a school's outcomes for a year; never by a write itself.
CREATE TABLE school_outcome_totals (
    school_id INTEGER NOT NULL REFERENCES schools(id),
    year INTEGER NOT NULL,
    term INTEGER NOT NULL,
    subject_id INTEGER NOT NULL,
    -- Outcome rows of every group behind this one (so a year with rows shows).
    source_rows INTEGER NOT NULL,
    enrolled INTEGER,
    assessed INTEGER,
    -- Learners assessed in rows with a mean score, and the sum of mean score × assessed
    -- over those rows: their quotient is the mean score weighted by the learners assessed.
    scored INTEGER NOT NULL,
    score_sum REAL,
    below_basic INTEGER,
    basic INTEGER,
    proficient INTEGER,
    advanced INTEGER,
    promoted INTEGER,
    repeating INTEGER,
    dropped_out INTEGER,
    PRIMARY KEY (school_id, year, term, subject_id)
);
-- A year's figures for a set of schools (the Kirkpatrick funnel, trends).
CREATE INDEX school_outcome_totals_year ON school_outcome_totals (year, term, subject_id, school_id);

-- Filled from the rows already held.
INSERT INTO school_outcome_totals (school_id, year, term, subject_id, source_rows, enrolled, assessed, scored,
    score_sum, below_basic, basic, proficient, advanced, promoted, repeating, dropped_out)
SELECT school_id, year, term, subject_id, COUNT(*),
    SUM(CASE WHEN group_id = 0 THEN enrolled END),
    SUM(CASE WHEN group_id = 0 THEN assessed END),
    COALESCE(SUM(CASE WHEN group_id = 0 AND assessed > 0 AND mean_score IS NOT NULL THEN assessed END), 0),
    SUM(CASE WHEN group_id = 0 AND assessed > 0 AND mean_score IS NOT NULL THEN mean_score * assessed END),
    SUM(CASE WHEN group_id = 0 THEN below_basic END),
    SUM(CASE WHEN group_id = 0 THEN basic END),
    SUM(CASE WHEN group_id = 0 THEN proficient END),
    SUM(CASE WHEN group_id = 0 THEN advanced END),
    SUM(CASE WHEN group_id = 0 THEN promoted END),
    SUM(CASE WHEN group_id = 0 THEN repeating END),
    SUM(CASE WHEN group_id = 0 THEN dropped_out END)
FROM learner_outcomes GROUP BY school_id, year, term, subject_id;
