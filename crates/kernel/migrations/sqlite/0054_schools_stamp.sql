-- The schools' stamp (data_stamps 'schools'), renewed by any write to a school, whoever
-- makes it: the figures kept under it (indicators' kept figures) follow a school moved to
-- another unit or given another ownership at once. It replaces counting the schools and
-- summing their versions at every reading of a figure.
INSERT INTO data_stamps (name, stamp) VALUES ('schools', lower(hex(randomblob(16))))
    ON CONFLICT (name) DO NOTHING;

CREATE TRIGGER schools_insert_stamp AFTER INSERT ON schools BEGIN
    UPDATE data_stamps SET stamp = lower(hex(randomblob(16))) WHERE name = 'schools';
END;
CREATE TRIGGER schools_update_stamp AFTER UPDATE ON schools BEGIN
    UPDATE data_stamps SET stamp = lower(hex(randomblob(16))) WHERE name = 'schools';
END;
CREATE TRIGGER schools_delete_stamp AFTER DELETE ON schools BEGIN
    UPDATE data_stamps SET stamp = lower(hex(randomblob(16))) WHERE name = 'schools';
END;
