-- A user's access stamp changes whenever what their grants allow may have changed: a grant
-- added, changed or removed, or a granted unit given another path. A write made with an
-- actor read earlier (from the cache of credentials) checks in its own statement that the
-- stamp is still the one read, so a changed grant takes effect on the next request even
-- when the actor was not read again for it.

-- Grants are found by unit when a unit's path changes.
CREATE INDEX grants_unit ON grants(unit_id);

ALTER TABLE users ADD COLUMN access_stamp BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION grants_touch_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE users SET access_stamp = access_stamp + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE users SET access_stamp = access_stamp + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER grants_touch_user AFTER INSERT OR UPDATE OR DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION grants_touch_user();

CREATE FUNCTION units_touch_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET access_stamp = access_stamp + 1
        WHERE id IN (SELECT user_id FROM grants WHERE unit_id = NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER units_touch_users AFTER UPDATE OF path ON units
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION units_touch_users();
