-- The schools' stamp (data_stamps 'schools'), renewed by any write to a school, whoever
-- makes it: the figures kept under it (indicators' kept figures) follow a school moved to
-- another unit or given another ownership at once. It replaces counting the schools and
-- summing their versions at every reading of a figure. Once a statement: an import of
-- schools renews it once.
INSERT INTO data_stamps (name, stamp) VALUES ('schools', md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (name) DO NOTHING;

CREATE FUNCTION schools_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_stamps SET stamp = md5(random()::text || clock_timestamp()::text) WHERE name = 'schools';
    RETURN NULL;
END;
$$;

CREATE TRIGGER schools_stamp AFTER INSERT OR UPDATE OR DELETE ON schools
    FOR EACH STATEMENT EXECUTE FUNCTION schools_stamp();
