-- School improvement plans signed off (issue 19): a plan is a draft, submitted by the
-- school's leader, then approved or returned with a reason by an officer over the school.
-- `approved_version` is the last version approved. Every version's content is kept in the
-- history as it was saved (`snapshot`, JSON), beside each step of the sign-off.
ALTER TABLE school_plans ADD COLUMN state TEXT NOT NULL DEFAULT 'draft'
    CHECK (state IN ('draft', 'submitted', 'approved', 'returned'));
ALTER TABLE school_plans ADD COLUMN approved_version INTEGER;

CREATE TABLE school_plan_history (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES school_plans(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('saved', 'submitted', 'approved', 'returned')),
    -- The plan's state after the event.
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned')),
    reason TEXT NOT NULL DEFAULT '',
    -- The version's content, on `saved` events (absent for plans saved before this).
    snapshot TEXT,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX school_plan_history_plan ON school_plan_history (plan_id, id);

INSERT INTO school_plan_history (plan_id, version, event, state, at, by_user, by_name)
SELECT id, version, 'saved', 'draft', updated_at, updated_by, updated_by FROM school_plans;
