-- School data and indicators (issue 19): learner outcomes per school, year, term, grade,
-- subject, sex and group; the grades, subjects and learner groups a deployment defines;
-- indicator definitions and their targets; a DHIS2 code mapping.

-- Grades in order: flow rates read grade g and the next by position.
CREATE TABLE outcome_grades (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL UNIQUE
);

-- A subject's maximum score bounds the mean scores imported for it.
CREATE TABLE outcome_subjects (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    max_score REAL NOT NULL CHECK (max_score > 0)
);

-- Groups of learners a deployment reports by (special needs, age band, refugee status…).
CREATE TABLE learner_groups (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

-- One row per school, year, term (0: the whole year), grade, subject (0: every subject,
-- the row enrolment and flows are read from), sex and group (0: all learners). Subject
-- and group are checked by the import and the entry page rather than by a foreign key,
-- so that 0 can stand for "none" in the unique key.
CREATE TABLE learner_outcomes (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    year INTEGER NOT NULL,
    term INTEGER NOT NULL DEFAULT 0,
    grade_id INTEGER NOT NULL REFERENCES outcome_grades(id),
    subject_id INTEGER NOT NULL DEFAULT 0,
    sex TEXT NOT NULL CHECK (sex IN ('F', 'M')),
    group_id INTEGER NOT NULL DEFAULT 0,
    enrolled INTEGER,
    assessed INTEGER,
    mean_score REAL,
    below_basic INTEGER,
    basic INTEGER,
    proficient INTEGER,
    advanced INTEGER,
    promoted INTEGER,
    repeating INTEGER,
    dropped_out INTEGER,
    UNIQUE (school_id, year, term, grade_id, subject_id, sex, group_id)
);
-- Flows and indicators over a year read every school's rows of that year.
CREATE INDEX learner_outcomes_year ON learner_outcomes (year, term, subject_id, group_id, grade_id, school_id);

-- Indicator definitions (see opencpd_domain::indicators::definition), shipped and added.
CREATE TABLE indicators (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    numerator TEXT NOT NULL,
    denominator TEXT,
    scale REAL NOT NULL DEFAULT 1,
    -- Comma-separated.
    disaggregations TEXT NOT NULL DEFAULT '',
    kirkpatrick_level INTEGER CHECK (kirkpatrick_level BETWEEN 1 AND 4),
    shipped INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1
);

-- A target on an indicator for a place (a unit or a school, or the whole deployment),
-- a year and one cell of a disaggregation the indicator allows ('' for the whole).
CREATE TABLE indicator_targets (
    id INTEGER PRIMARY KEY,
    indicator_id INTEGER NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
    unit_id INTEGER REFERENCES units(id),
    school_id INTEGER REFERENCES schools(id),
    year INTEGER NOT NULL,
    disaggregation TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    baseline REAL,
    target REAL NOT NULL
);
CREATE INDEX indicator_targets_indicator ON indicator_targets (indicator_id, year);

-- OpenCPD's units, schools, indicators and categories as a DHIS2 instance codes them.
CREATE TABLE dhis2_codes (
    kind TEXT NOT NULL CHECK (kind IN ('unit', 'school', 'indicator', 'category', 'option', 'combo', 'dataset', 'measure')),
    key TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);

INSERT INTO indicators (code, name_en, name_fr, numerator, denominator, scale, disaggregations, kirkpatrick_level, shipped) VALUES
    ('learners-enrolled', 'Learners enrolled', 'Élèves inscrits',
     'sum(enrolled)', NULL, 1, 'sex,grade,group,school,unit,ownership,subsystem,year', NULL, 1),
    ('proficiency-rate', 'Learners assessed at proficient or above (%)', 'Élèves évalués au niveau « compétent » ou plus (%)',
     'sum(proficient) + sum(advanced)', 'sum(assessed)', 100, 'sex,grade,subject,group,school,unit,ownership,subsystem,year', 4, 1),
    ('repeaters-share', 'Learners repeating their grade (%)', 'Élèves redoublants (%)',
     'sum(repeating)', 'sum(enrolled)', 100, 'sex,grade,group,school,unit,ownership,subsystem,year', 4, 1),
    ('dropout-share', 'Learners who dropped out during the year (%)', 'Élèves ayant abandonné en cours d''année (%)',
     'sum(dropped_out)', 'sum(enrolled)', 100, 'sex,grade,group,school,unit,ownership,subsystem,year', 4, 1),
    ('promotion-share', 'Learners promoted at the end of the year (%)', 'Élèves promus en fin d''année (%)',
     'sum(promoted)', 'sum(enrolled)', 100, 'sex,grade,group,school,unit,ownership,subsystem,year', 4, 1),
    ('reach', 'People reached by programmes', 'Personnes atteintes par les programmes',
     'count(participants)', NULL, 1, 'sex,role,unit,ownership,subsystem,programme', 1, 1),
    ('completion-rate', 'Participants who completed (%)', 'Participants ayant terminé (%)',
     'sum(completed)', 'count(participants)', 100, 'sex,role,unit,ownership,subsystem,programme', 2, 1),
    ('certification-rate', 'Participants certified (%)', 'Participants certifiés (%)',
     'sum(certified)', 'count(participants)', 100, 'sex,role,unit,ownership,subsystem,programme', 2, 1);
