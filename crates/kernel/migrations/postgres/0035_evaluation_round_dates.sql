-- A round's dates and the instruments used in it (issue 20). Observations and tests are
-- read into the round whose dates hold the day they were collected (a pre-test and a
-- post-test of one school year are two rounds); learner outcomes still read its year and
-- term. Rounds set up before span their year, as they were read until now.
ALTER TABLE evaluation_rounds ADD COLUMN starts_on DATE;
ALTER TABLE evaluation_rounds ADD COLUMN ends_on DATE;
UPDATE evaluation_rounds SET starts_on = make_date(year::int, 1, 1), ends_on = make_date(year::int, 12, 31);
ALTER TABLE evaluation_rounds ALTER COLUMN starts_on SET NOT NULL;
ALTER TABLE evaluation_rounds ALTER COLUMN ends_on SET NOT NULL;

-- The instruments used in a round, by code (every version of it).
CREATE TABLE evaluation_round_instruments (
    round_id BIGINT NOT NULL REFERENCES evaluation_rounds(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (round_id, code)
);
