-- A derived table (opencpd_indicators::store::unit_cells::UNITS): learner outcomes summed
-- for every unit at every level (a school's rows count in its unit and in each unit above
-- it), per year, term, grade, subject, sex, group and the schools' ownership and
-- sub-system, so that an indicator, the flows or the gaps of a district or of the whole
-- country read a few thousand rows instead of every school's. Written again at commit by
-- the transaction that changes a school's outcomes for a year, for the units above it;
-- never by a write itself.
CREATE TABLE unit_outcome_cells (
    -- The unit's path, and its parent's ('' for a country).
    path TEXT NOT NULL,
    parent TEXT NOT NULL,
    year INTEGER NOT NULL,
    term INTEGER NOT NULL,
    grade_id INTEGER NOT NULL,
    subject_id INTEGER NOT NULL,
    sex TEXT NOT NULL,
    group_id INTEGER NOT NULL,
    ownership TEXT NOT NULL,
    subsystem TEXT,
    -- Outcome rows summed here; then each count's sum and how many rows had a value.
    source_rows INTEGER NOT NULL,
    enrolled INTEGER,
    enrolled_n INTEGER NOT NULL,
    assessed INTEGER,
    assessed_n INTEGER NOT NULL,
    below_basic INTEGER,
    below_basic_n INTEGER NOT NULL,
    basic INTEGER,
    basic_n INTEGER NOT NULL,
    proficient INTEGER,
    proficient_n INTEGER NOT NULL,
    advanced INTEGER,
    advanced_n INTEGER NOT NULL,
    promoted INTEGER,
    promoted_n INTEGER NOT NULL,
    repeating INTEGER,
    repeating_n INTEGER NOT NULL,
    dropped_out INTEGER,
    dropped_out_n INTEGER NOT NULL,
    -- As the schools' totals count them: learners assessed in rows with a mean score and
    -- the sum of mean score × assessed; and the learners assessed and those at proficient
    -- or above where the school's term and subject has bands.
    scored INTEGER NOT NULL,
    score_sum REAL,
    banded_assessed INTEGER,
    banded_proficient INTEGER
);
-- A unit's cells, and its children's.
CREATE INDEX unit_outcome_cells_path ON unit_outcome_cells (path, year);
CREATE INDEX unit_outcome_cells_parent ON unit_outcome_cells (parent, year);

-- Where each school's outcomes of a year were counted when its cells were last written:
-- a school moved since (another unit, ownership or sub-system) is read from its own rows
-- until its outcomes are written again.
CREATE TABLE unit_outcome_schools (
    year INTEGER NOT NULL,
    school_id INTEGER NOT NULL,
    unit_path TEXT NOT NULL,
    ownership TEXT NOT NULL,
    subsystem TEXT,
    PRIMARY KEY (year, school_id)
);
-- The schools counted at a unit.
CREATE INDEX unit_outcome_schools_path ON unit_outcome_schools (unit_path, year);

-- Filled from the rows already held.
INSERT INTO unit_outcome_schools (year, school_id, unit_path, ownership, subsystem)
SELECT y.year, s.id, s.unit_path, s.ownership, s.subsystem
FROM (SELECT DISTINCT school_id, year FROM learner_outcomes) y JOIN schools s ON s.id = y.school_id;

WITH RECURSIVE ancestors (school_id, year, unit_id) AS (
    SELECT p.school_id, p.year, u.id FROM unit_outcome_schools p JOIN units u ON u.path = p.unit_path
    UNION ALL
    SELECT a.school_id, a.year, u.parent_id FROM ancestors a JOIN units u ON u.id = a.unit_id
    WHERE u.parent_id IS NOT NULL
)
INSERT INTO unit_outcome_cells (path, parent, year, term, grade_id, subject_id, sex, group_id, ownership, subsystem,
    source_rows, enrolled, enrolled_n, assessed, assessed_n, below_basic, below_basic_n, basic, basic_n, proficient, proficient_n, advanced, advanced_n, promoted, promoted_n, repeating, repeating_n, dropped_out, dropped_out_n, scored, score_sum, banded_assessed, banded_proficient)
SELECT u.path, COALESCE(pu.path, ''), o.year, o.term, o.grade_id, o.subject_id, o.sex, o.group_id, p.ownership,
    p.subsystem, COUNT(*),
    SUM(o.enrolled), COUNT(o.enrolled),
    SUM(o.assessed), COUNT(o.assessed),
    SUM(o.below_basic), COUNT(o.below_basic),
    SUM(o.basic), COUNT(o.basic),
    SUM(o.proficient), COUNT(o.proficient),
    SUM(o.advanced), COUNT(o.advanced),
    SUM(o.promoted), COUNT(o.promoted),
    SUM(o.repeating), COUNT(o.repeating),
    SUM(o.dropped_out), COUNT(o.dropped_out),
    COALESCE(SUM(CASE WHEN o.assessed > 0 AND o.mean_score IS NOT NULL THEN o.assessed END), 0),
    SUM(CASE WHEN o.assessed > 0 AND o.mean_score IS NOT NULL THEN o.mean_score * o.assessed END),
    SUM(CASE WHEN t.proficient IS NOT NULL THEN o.assessed END),
    SUM(CASE WHEN t.proficient IS NOT NULL THEN COALESCE(o.proficient, 0) + COALESCE(o.advanced, 0) END)
FROM ancestors a
JOIN units u ON u.id = a.unit_id
LEFT JOIN units pu ON pu.id = u.parent_id
JOIN unit_outcome_schools p ON p.school_id = a.school_id AND p.year = a.year
JOIN learner_outcomes o ON o.school_id = a.school_id AND o.year = a.year
LEFT JOIN school_outcome_totals t ON t.school_id = o.school_id AND t.year = o.year AND t.term = o.term
    AND t.subject_id = o.subject_id
GROUP BY u.path, pu.path, o.year, o.term, o.grade_id, o.subject_id, o.sex, o.group_id, p.ownership, p.subsystem;
