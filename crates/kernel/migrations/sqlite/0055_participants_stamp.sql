-- The participants' stamp (renewed by delivery's refresher of programme_participants) is
-- kept with every other table's, as data_stamps 'programme_participants', so a reader
-- reads it with the others in one query.
INSERT INTO data_stamps (name, stamp) SELECT 'programme_participants', stamp FROM reach_stamp;
DROP TABLE reach_stamp;
