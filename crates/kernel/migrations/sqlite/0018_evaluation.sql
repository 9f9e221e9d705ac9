-- Evaluation (issue 20): designs with arms and rounds over a place, the schools assigned
-- to each arm (drawn by OpenCPD from a recorded seed, or recorded from the evaluators'
-- own draw), and the rounds that say which year and term of school data each reads.

CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- The place the evaluation covers: its schools are the candidates of a draw, and
    -- reading it needs that place in scope.
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    assignment TEXT NOT NULL CHECK (assignment IN ('randomised', 'observational')),
    -- Set once, by the draw or the recorded assignment; the seed only for a draw.
    assigned_at TEXT,
    seed TEXT,
    strata_depth INTEGER,
    created_at TEXT NOT NULL
);

CREATE TABLE evaluation_arms (
    id INTEGER PRIMARY KEY,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    comparison INTEGER NOT NULL DEFAULT 0,
    ratio INTEGER NOT NULL DEFAULT 1 CHECK (ratio > 0),
    UNIQUE (evaluation_id, code)
);

-- In the order they took place; a baseline is before the programme, the others after.
CREATE TABLE evaluation_rounds (
    id INTEGER PRIMARY KEY,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('baseline', 'midline', 'endline')),
    year INTEGER NOT NULL,
    term INTEGER NOT NULL DEFAULT 0,
    UNIQUE (evaluation_id, code)
);

CREATE TABLE evaluation_schools (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    arm_id INTEGER NOT NULL REFERENCES evaluation_arms(id),
    stratum TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (evaluation_id, school_id)
);
