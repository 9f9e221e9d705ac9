-- School improvement plans (issue 19): a school's plan for a year, written by its leader,
-- with priorities tied to indicators (the baseline read from the data when the priority
-- was set, a target and a due date) and actions with an owner from the school's staff.
-- A plan is written whole: its priorities and actions are replaced with each version.
CREATE TABLE school_plans (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (school_id, year)
);

CREATE TABLE school_plan_priorities (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES school_plans(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    indicator_id INTEGER NOT NULL REFERENCES indicators(id),
    baseline_year INTEGER NOT NULL,
    -- Read from the data (the indicator for the school in baseline_year); absent when
    -- there was none.
    baseline REAL,
    target REAL NOT NULL,
    due_on TEXT NOT NULL,
    UNIQUE (plan_id, position)
);

CREATE TABLE school_plan_actions (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES school_plans(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    -- The priority it serves, by position (none: the plan as a whole).
    priority INTEGER,
    title TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES people(id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'dropped')),
    review_note TEXT NOT NULL DEFAULT '',
    UNIQUE (plan_id, position)
);
