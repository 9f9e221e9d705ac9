-- CPD delivery: programmes and their targets, courses with modules and the professional
-- standards they serve, cohorts, applications and enrolments, sessions and attendance,
-- assessments and grades, certificates, and CPD thresholds per role.
--
-- Enrolments carry the participant's sex, role, school and unit path as they were when
-- enrolled, and the completion computed from attendance and grades, so that reach reports
-- over a national year (150,000 enrolments, 2,000,000 attendance marks) read one table.

CREATE TABLE programmes (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    funder TEXT,
    budget REAL,
    currency TEXT,
    start_date TEXT NOT NULL,
    end_date TEXT,
    pillars_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);

CREATE TABLE programme_targets (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    measure TEXT NOT NULL CHECK (measure IN ('enrolled', 'completed', 'certified')),
    value INTEGER NOT NULL CHECK (value > 0),
    due_date TEXT,
    sex TEXT,
    role TEXT,
    unit_id INTEGER REFERENCES units(id),
    unit_path TEXT
);
CREATE INDEX programme_targets_programme ON programme_targets(programme_id);

CREATE TABLE standards (
    id INTEGER PRIMARY KEY,
    framework TEXT NOT NULL,
    code TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    UNIQUE (framework, code)
);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    programme_id INTEGER REFERENCES programmes(id),
    kind TEXT NOT NULL,
    modality TEXT NOT NULL,
    hours REAL NOT NULL,
    credits REAL NOT NULL,
    accrediting_body TEXT,
    target_roles TEXT NOT NULL DEFAULT '',
    min_attendance_pct REAL NOT NULL DEFAULT 80,
    require_assessments_passed INTEGER NOT NULL DEFAULT 1,
    min_final_grade REAL,
    certificate_months INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX courses_programme ON courses(programme_id);

CREATE TABLE course_modules (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    hours REAL NOT NULL DEFAULT 0,
    UNIQUE (course_id, code)
);

CREATE TABLE module_standards (
    module_id INTEGER NOT NULL REFERENCES course_modules(id) ON DELETE CASCADE,
    standard_id INTEGER NOT NULL REFERENCES standards(id),
    PRIMARY KEY (module_id, standard_id)
);

CREATE TABLE course_prerequisites (
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    prerequisite_id INTEGER NOT NULL REFERENCES courses(id),
    PRIMARY KEY (course_id, prerequisite_id)
);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    module_id INTEGER REFERENCES course_modules(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    max_score REAL NOT NULL CHECK (max_score > 0),
    pass_score REAL NOT NULL,
    weight REAL NOT NULL DEFAULT 1,
    UNIQUE (course_id, code)
);

CREATE TABLE cohorts (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    course_id INTEGER NOT NULL REFERENCES courses(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    venue TEXT,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cohorts_course ON cohorts(course_id);
CREATE INDEX cohorts_unit_path ON cohorts(unit_path);

CREATE TABLE cohort_facilitators (
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (cohort_id, person_id)
);

CREATE TABLE enrolments (
    id INTEGER PRIMARY KEY,
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    source TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    sex TEXT NOT NULL,
    role TEXT,
    school_id INTEGER REFERENCES schools(id),
    path TEXT NOT NULL,
    attendance_pct REAL,
    final_grade REAL,
    completed_on TEXT,
    UNIQUE (cohort_id, person_id)
);
CREATE INDEX enrolments_person ON enrolments(person_id);
CREATE INDEX enrolments_path ON enrolments(path);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    motivation TEXT,
    applied_at TEXT NOT NULL,
    applied_by TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    reason TEXT
);
CREATE INDEX applications_cohort ON applications(cohort_id, status);

CREATE TABLE attendance_statuses (
    key TEXT PRIMARY KEY,
    name_en TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    counts_present INTEGER NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE sessions_held (
    id INTEGER PRIMARY KEY,
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    held_on TEXT NOT NULL,
    title TEXT NOT NULL,
    modality TEXT NOT NULL,
    venue TEXT,
    hours REAL NOT NULL DEFAULT 0
);
CREATE INDEX sessions_held_cohort ON sessions_held(cohort_id, held_on);

CREATE TABLE attendance (
    session_id INTEGER NOT NULL REFERENCES sessions_held(id) ON DELETE CASCADE,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments(id),
    status TEXT NOT NULL REFERENCES attendance_statuses(key),
    marked_at TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    PRIMARY KEY (session_id, enrolment_id)
);
CREATE INDEX attendance_enrolment ON attendance(enrolment_id);

CREATE TABLE grades (
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments(id),
    score REAL NOT NULL,
    graded_at TEXT NOT NULL,
    graded_by TEXT NOT NULL,
    PRIMARY KEY (assessment_id, enrolment_id)
);
CREATE INDEX grades_enrolment ON grades(enrolment_id);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    serial TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL UNIQUE,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments(id),
    issued_on TEXT NOT NULL,
    expires_on TEXT,
    revoked_on TEXT,
    revoke_reason TEXT,
    replaces_id INTEGER REFERENCES certificates(id),
    created_at TEXT NOT NULL
);
CREATE INDEX certificates_enrolment ON certificates(enrolment_id);

-- One row a programme and participant: reach reports read this, not the enrolments.
-- Written again from the enrolments (the source) in the transaction of every change to a
-- participant's enrolments, completion or certificates.
CREATE TABLE programme_participants (
    programme_id INTEGER NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    path TEXT NOT NULL,
    sex TEXT NOT NULL,
    role TEXT,
    ownership TEXT,
    subsystem TEXT,
    completed INTEGER NOT NULL,
    certified INTEGER NOT NULL,
    PRIMARY KEY (programme_id, person_id)
);
-- Ordered as reach groups, and covering it: one pass over the index, no sort.
CREATE INDEX programme_participants_reach ON programme_participants
    (programme_id, path, sex, role, ownership, subsystem, completed, certified);
CREATE INDEX programme_participants_person ON programme_participants(person_id);

CREATE TABLE cpd_thresholds (
    role TEXT PRIMARY KEY,
    hours_per_year REAL NOT NULL,
    credits_per_year REAL NOT NULL DEFAULT 0
);

-- Rwanda's professional standards for school leaders: the default framework.
INSERT INTO standards (framework, code, name_en, name_fr) VALUES
    ('rw-school-leadership', 'SL1', 'Creating strategic direction', 'Définir l''orientation stratégique'),
    ('rw-school-leadership', 'SL2', 'Leading learning', 'Piloter les apprentissages'),
    ('rw-school-leadership', 'SL3', 'Leading teaching', 'Piloter l''enseignement'),
    ('rw-school-leadership', 'SL4', 'Managing the school as an organisation', 'Gérer l''école en tant qu''organisation'),
    ('rw-school-leadership', 'SL5', 'Community and parental involvement', 'Impliquer la communauté et les parents');

-- The attendance statuses a deployment starts with; it may add its own.
INSERT INTO attendance_statuses (key, name_en, name_fr, counts_present, position) VALUES
    ('present', 'Present', 'Présent', 1, 1),
    ('late', 'Late', 'En retard', 1, 2),
    ('excused', 'Excused', 'Excusé', 0, 3),
    ('absent', 'Absent', 'Absent', 0, 4);
