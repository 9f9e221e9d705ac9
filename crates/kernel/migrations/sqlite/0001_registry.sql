-- Registry, accounts and audit. Dates are ISO text, timestamps RFC 3339 text (bound from Rust).

CREATE TABLE unit_levels (
    country TEXT NOT NULL,
    depth INTEGER NOT NULL,
    key TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    PRIMARY KEY (country, depth),
    UNIQUE (country, key)
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES units(id),
    country TEXT NOT NULL,
    depth INTEGER NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE schools (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    level TEXT NOT NULL,
    ownership TEXT NOT NULL,
    subsystem TEXT,
    latitude REAL,
    longitude REAL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX schools_unit_path ON schools(unit_path);
CREATE INDEX schools_unit ON schools(unit_id);

CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id)
);

CREATE TABLE cluster_schools (
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    PRIMARY KEY (cluster_id, school_id)
);
CREATE INDEX cluster_schools_school ON cluster_schools(school_id);

CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    name_fr TEXT NOT NULL
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    staff_number TEXT UNIQUE,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('F', 'M')),
    birth_year INTEGER,
    phone TEXT,
    email TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX people_family_name ON people(family_name);

CREATE TABLE positions (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    role TEXT NOT NULL,
    school_id INTEGER REFERENCES schools(id),
    unit_id INTEGER REFERENCES units(id),
    path TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    CHECK ((school_id IS NULL) <> (unit_id IS NULL)),
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX positions_person ON positions(person_id);
CREATE INDEX positions_school ON positions(school_id);
CREATE INDEX positions_path ON positions(path);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    language TEXT NOT NULL DEFAULT 'en',
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    school_id INTEGER REFERENCES schools(id),
    person_id INTEGER REFERENCES people(id)
);
CREATE INDEX grants_user ON grants(user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    summary TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_at ON audit_events(at);
CREATE INDEX audit_entity ON audit_events(entity, entity_id);
CREATE INDEX audit_actor ON audit_events(actor);
