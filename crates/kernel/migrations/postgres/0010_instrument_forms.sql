-- A form's definition moves out of the instruments row, as in SQLite (where reading a
-- column stored after a large one walks the large one's pages): one schema for both.
CREATE TABLE instrument_forms (
    instrument_id BIGINT PRIMARY KEY REFERENCES instruments(id),
    form_json TEXT NOT NULL
);
INSERT INTO instrument_forms (instrument_id, form_json) SELECT id, form_json FROM instruments;
ALTER TABLE instruments DROP COLUMN form_json;
