-- Peer learning and coaching: the terms "this term" is read against, PLC models (the
-- ordered steps of a meeting cycle) and PLCs with their people, meetings with their topics
-- (professional standards), attendance (guests marked) and action points with the history
-- of their changes; lesson study cycles with observers (and their observation
-- submissions), artefacts (files kept by the artefact store, described here) and videos;
-- coaching relations and visits, and the feedback bands of rubric domains.
--
-- Records are placed where they belong for scoped reads: a PLC and what hangs off it by the
-- PLC's unit path (and school, for a school PLC), a coaching relation and its visits by the
-- coachee's place when the relation was made.

CREATE TABLE peer_terms (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    CHECK (end_on >= start_on)
);

CREATE TABLE plc_models (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE plc_model_steps (
    model_id INTEGER NOT NULL REFERENCES plc_models(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (model_id, position)
);

CREATE TABLE plcs (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('school', 'cluster', 'sector', 'district')),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    school_id INTEGER REFERENCES schools(id),
    programme_id INTEGER REFERENCES programmes(id),
    model_id INTEGER REFERENCES plc_models(id),
    meetings_per_term INTEGER NOT NULL CHECK (meetings_per_term >= 0),
    created_at TEXT NOT NULL
);
CREATE INDEX plcs_unit_path ON plcs(unit_path);

CREATE TABLE plc_people (
    plc_id INTEGER NOT NULL REFERENCES plcs(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    role TEXT NOT NULL CHECK (role IN ('member', 'facilitator', 'supporting_officer')),
    PRIMARY KEY (plc_id, person_id)
);
CREATE INDEX plc_people_person ON plc_people(person_id);

CREATE TABLE plc_meetings (
    id INTEGER PRIMARY KEY,
    plc_id INTEGER NOT NULL REFERENCES plcs(id),
    held_on TEXT NOT NULL,
    place TEXT,
    agenda TEXT,
    notes TEXT,
    unit_path TEXT NOT NULL,
    school_id INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX plc_meetings_plc ON plc_meetings(plc_id, held_on);
CREATE INDEX plc_meetings_path ON plc_meetings(unit_path, held_on);

CREATE TABLE plc_meeting_standards (
    meeting_id INTEGER NOT NULL REFERENCES plc_meetings(id) ON DELETE CASCADE,
    standard_id INTEGER NOT NULL REFERENCES standards(id),
    PRIMARY KEY (meeting_id, standard_id)
);

CREATE TABLE plc_attendance (
    meeting_id INTEGER NOT NULL REFERENCES plc_meetings(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    guest INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, person_id)
);

CREATE TABLE plc_action_points (
    id INTEGER PRIMARY KEY,
    plc_id INTEGER NOT NULL REFERENCES plcs(id),
    meeting_id INTEGER NOT NULL REFERENCES plc_meetings(id),
    agreed_on TEXT NOT NULL,
    title TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES people(id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
    closed_on TEXT,
    unit_path TEXT NOT NULL,
    school_id INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX plc_action_points_plc ON plc_action_points(plc_id, agreed_on);
CREATE INDEX plc_action_points_path ON plc_action_points(unit_path, due_on);

CREATE TABLE plc_action_point_changes (
    id INTEGER PRIMARY KEY,
    action_point_id INTEGER NOT NULL REFERENCES plc_action_points(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    status TEXT NOT NULL,
    due_on TEXT NOT NULL,
    note TEXT
);
CREATE INDEX plc_action_point_changes_point ON plc_action_point_changes(action_point_id, id);

CREATE TABLE lesson_studies (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    plc_id INTEGER NOT NULL REFERENCES plcs(id),
    subject_id INTEGER REFERENCES subjects(id),
    grade TEXT NOT NULL,
    topic TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('plan', 'teach_observe', 'reflect', 'revise', 'share')),
    teacher_id INTEGER REFERENCES people(id),
    lesson_on TEXT,
    unit_path TEXT NOT NULL,
    school_id INTEGER,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX lesson_studies_plc ON lesson_studies(plc_id);
CREATE INDEX lesson_studies_path ON lesson_studies(unit_path);

CREATE TABLE lesson_study_observers (
    lesson_study_id INTEGER NOT NULL REFERENCES lesson_studies(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    submission_id INTEGER REFERENCES submissions(id),
    PRIMARY KEY (lesson_study_id, person_id)
);

CREATE TABLE lesson_study_artefacts (
    id INTEGER PRIMARY KEY,
    lesson_study_id INTEGER NOT NULL REFERENCES lesson_studies(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('lesson_plan', 'digitised_lesson', 'photo', 'other')),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX lesson_study_artefacts_study ON lesson_study_artefacts(lesson_study_id);

CREATE TABLE lesson_study_videos (
    id INTEGER PRIMARY KEY,
    lesson_study_id INTEGER NOT NULL REFERENCES lesson_studies(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX lesson_study_videos_study ON lesson_study_videos(lesson_study_id);

CREATE TABLE coaching_relations (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    coach_id INTEGER NOT NULL REFERENCES people(id),
    coachee_id INTEGER NOT NULL REFERENCES people(id),
    start_on TEXT NOT NULL,
    end_on TEXT,
    coachee_path TEXT NOT NULL,
    coachee_school_id INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (programme_id, coach_id, coachee_id),
    CHECK (coach_id <> coachee_id),
    CHECK (end_on IS NULL OR end_on >= start_on)
);
CREATE INDEX coaching_relations_coach ON coaching_relations(coach_id);
CREATE INDEX coaching_relations_coachee ON coaching_relations(coachee_id);
CREATE INDEX coaching_relations_path ON coaching_relations(coachee_path);

CREATE TABLE coaching_visits (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    relation_id INTEGER NOT NULL REFERENCES coaching_relations(id),
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    coach_id INTEGER NOT NULL REFERENCES people(id),
    coachee_id INTEGER NOT NULL REFERENCES people(id),
    coachee_path TEXT NOT NULL,
    coachee_school_id INTEGER,
    visited_on TEXT NOT NULL,
    submission_id INTEGER REFERENCES submissions(id),
    agreed_actions TEXT,
    next_visit_on TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX coaching_visits_coachee ON coaching_visits(coachee_id, visited_on);
CREATE INDEX coaching_visits_coach ON coaching_visits(coach_id, visited_on);
CREATE INDEX coaching_visits_path ON coaching_visits(coachee_path, visited_on);

CREATE TABLE coaching_visit_standards (
    visit_id INTEGER NOT NULL REFERENCES coaching_visits(id) ON DELETE CASCADE,
    standard_id INTEGER NOT NULL REFERENCES standards(id),
    PRIMARY KEY (visit_id, standard_id)
);

CREATE TABLE feedback_bands (
    id INTEGER PRIMARY KEY,
    domain TEXT NOT NULL,
    lang TEXT NOT NULL,
    position INTEGER NOT NULL,
    min_score REAL NOT NULL,
    max_score REAL NOT NULL,
    label TEXT NOT NULL,
    feedback TEXT NOT NULL,
    UNIQUE (domain, lang, position)
);
