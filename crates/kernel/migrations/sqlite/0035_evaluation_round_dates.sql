-- A round's dates and the instruments used in it (issue 20). Observations and tests are
-- read into the round whose dates hold the day they were collected (a pre-test and a
-- post-test of one school year are two rounds); learner outcomes still read its year and
-- term. Rounds set up before span their year, as they were read until now.
ALTER TABLE evaluation_rounds ADD COLUMN starts_on TEXT;
ALTER TABLE evaluation_rounds ADD COLUMN ends_on TEXT;
UPDATE evaluation_rounds SET starts_on = printf('%04d-01-01', year), ends_on = printf('%04d-12-31', year);

-- The instruments used in a round, by code (every version of it).
CREATE TABLE evaluation_round_instruments (
    round_id INTEGER NOT NULL REFERENCES evaluation_rounds(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (round_id, code)
);
