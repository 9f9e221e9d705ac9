-- A stamp that changes in every transaction that writes programme_participants: a reach
-- report computed under one stamp is still true while the stamp is unchanged, in any
-- process reading this database.
CREATE TABLE reach_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stamp TEXT NOT NULL
);
INSERT INTO reach_stamp (id, stamp) VALUES (1, 'initial');
