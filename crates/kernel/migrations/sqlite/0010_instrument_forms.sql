-- A form's definition moves out of the instruments row. In SQLite a column stored after
-- a large one can only be read by walking the large one's overflow pages, so reading an
-- instrument's `retired` flag read its whole form: every submission paid for that.
CREATE TABLE instrument_forms (
    instrument_id INTEGER PRIMARY KEY REFERENCES instruments(id),
    form_json TEXT NOT NULL
);
INSERT INTO instrument_forms (instrument_id, form_json) SELECT id, form_json FROM instruments;
ALTER TABLE instruments DROP COLUMN form_json;
