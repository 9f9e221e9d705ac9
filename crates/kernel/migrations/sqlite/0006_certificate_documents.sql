-- Printable certificates and QR self check-in.
--
-- The wording of certificates, which a deployment changes: one per language for the whole
-- deployment (course_id NULL) and optionally one per course and language. Placeholders in
-- braces ({name}, {course}, …) are checked when saved.
CREATE TABLE certificate_templates (
    id INTEGER PRIMARY KEY,
    course_id INTEGER REFERENCES courses(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    issuer TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    signatories TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX certificate_templates_one ON certificate_templates(COALESCE(course_id, 0), lang);

-- The server's secret for check-in codes (one row), made on first use.
CREATE TABLE checkin_secret (
    id INTEGER PRIMARY KEY,
    secret TEXT NOT NULL
);
