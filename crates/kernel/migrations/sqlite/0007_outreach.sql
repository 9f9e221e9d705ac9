-- A programme year without a spreadsheet: outreach events (camps, caravans, ceremonies,
-- broadcasts) with participants by category and sex and the schools they reached;
-- resources delivered to schools and the later checks of their state; awards to
-- teachers; withdrawals from cohorts; targets that count outreach; and the deployment's
-- small-cell threshold for reports.

-- The kinds of outreach event a deployment records; it may add its own.
CREATE TABLE outreach_kinds (
    key TEXT PRIMARY KEY,
    name_en TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    position INTEGER NOT NULL
);
INSERT INTO outreach_kinds (key, name_en, name_fr, position) VALUES
    ('maths_camp', 'Maths camp', 'Camp de mathématiques', 1),
    ('science_caravan', 'Science caravan', 'Caravane scientifique', 2),
    ('award_ceremony', 'Award ceremony', 'Cérémonie de remise de prix', 3),
    ('radio_broadcast', 'Radio broadcast', 'Émission de radio', 4),
    ('tv_broadcast', 'TV broadcast', 'Émission de télévision', 5),
    ('community_meeting', 'Community meeting', 'Réunion communautaire', 6),
    ('competition', 'Competition', 'Concours', 7),
    ('open_day', 'Open day', 'Journée portes ouvertes', 8),
    ('workshop', 'Workshop', 'Atelier', 9);

-- An event is placed at a school or a unit (path: that place, for the scope check) or,
-- a broadcast with no place, at the deployment (path '/').
CREATE TABLE outreach_events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL REFERENCES outreach_kinds(key),
    title TEXT NOT NULL,
    programme_id INTEGER REFERENCES programmes(id),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    school_id INTEGER REFERENCES schools(id),
    path TEXT NOT NULL,
    medium TEXT CHECK (medium IN ('radio', 'tv', 'online')),
    audience INTEGER CHECK (audience >= 0),
    learners_female INTEGER NOT NULL DEFAULT 0 CHECK (learners_female >= 0),
    learners_male INTEGER NOT NULL DEFAULT 0 CHECK (learners_male >= 0),
    teachers_female INTEGER NOT NULL DEFAULT 0 CHECK (teachers_female >= 0),
    teachers_male INTEGER NOT NULL DEFAULT 0 CHECK (teachers_male >= 0),
    parents_female INTEGER NOT NULL DEFAULT 0 CHECK (parents_female >= 0),
    parents_male INTEGER NOT NULL DEFAULT 0 CHECK (parents_male >= 0),
    officials_female INTEGER NOT NULL DEFAULT 0 CHECK (officials_female >= 0),
    officials_male INTEGER NOT NULL DEFAULT 0 CHECK (officials_male >= 0),
    others_female INTEGER NOT NULL DEFAULT 0 CHECK (others_female >= 0),
    others_male INTEGER NOT NULL DEFAULT 0 CHECK (others_male >= 0),
    notes TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX outreach_events_path ON outreach_events(path, start_date);
CREATE INDEX outreach_events_programme ON outreach_events(programme_id);

CREATE TABLE outreach_schools (
    event_id INTEGER NOT NULL REFERENCES outreach_events(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    PRIMARY KEY (event_id, school_id)
);
CREATE INDEX outreach_schools_school ON outreach_schools(school_id);

-- Something delivered to a school, and what later checks found.
CREATE TABLE resources (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    description TEXT,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    school_id INTEGER NOT NULL REFERENCES schools(id),
    unit_path TEXT NOT NULL,
    programme_id INTEGER REFERENCES programmes(id),
    delivered_on TEXT NOT NULL,
    state TEXT NOT NULL,
    notes TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX resources_school ON resources(school_id);
CREATE INDEX resources_path ON resources(unit_path);

CREATE TABLE resource_checks (
    id INTEGER PRIMARY KEY,
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    checked_on TEXT NOT NULL,
    state TEXT NOT NULL,
    notes TEXT,
    checked_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX resource_checks_resource ON resource_checks(resource_id, checked_on);

CREATE TABLE awards (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    name TEXT NOT NULL,
    category TEXT,
    awarded_on TEXT NOT NULL,
    awarding_body TEXT,
    programme_id INTEGER REFERENCES programmes(id),
    notes TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX awards_person ON awards(person_id);

-- Withdrawals: the enrolment stays (reach counts everyone ever enrolled); capacity and
-- completion leave it out.
ALTER TABLE enrolments ADD COLUMN withdrawn_on TEXT;
ALTER TABLE enrolments ADD COLUMN withdraw_reason TEXT;

-- Targets may count outreach participants and schools reached.
CREATE TABLE programme_targets_new (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    measure TEXT NOT NULL
        CHECK (measure IN ('enrolled', 'completed', 'certified', 'outreach_participants', 'schools_reached')),
    value INTEGER NOT NULL CHECK (value > 0),
    due_date TEXT,
    sex TEXT,
    role TEXT,
    unit_id INTEGER REFERENCES units(id),
    unit_path TEXT
);
INSERT INTO programme_targets_new SELECT id, programme_id, label, measure, value, due_date, sex, role, unit_id, unit_path
    FROM programme_targets;
DROP TABLE programme_targets;
ALTER TABLE programme_targets_new RENAME TO programme_targets;
CREATE INDEX programme_targets_programme ON programme_targets(programme_id);

-- Settings of the deployment's reports.
CREATE TABLE report_settings (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
-- Disaggregated counts below this are shown as "<5" in report pages and exports; 0: off.
INSERT INTO report_settings (key, value) VALUES ('small_cell_threshold', 5);
