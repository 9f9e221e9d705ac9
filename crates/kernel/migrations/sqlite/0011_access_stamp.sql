-- A user's access stamp changes whenever what their grants allow may have changed: a grant
-- added, changed or removed, or a granted unit given another path. A write made with an
-- actor read earlier (from the cache of credentials) checks in its own statement that the
-- stamp is still the one read, so a changed grant takes effect on the next request even
-- when the actor was not read again for it.

-- Grants are found by unit when a unit's path changes.
CREATE INDEX grants_unit ON grants(unit_id);

ALTER TABLE users ADD COLUMN access_stamp INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER grants_insert_touch_user AFTER INSERT ON grants BEGIN
    UPDATE users SET access_stamp = access_stamp + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER grants_update_touch_user AFTER UPDATE ON grants BEGIN
    UPDATE users SET access_stamp = access_stamp + 1 WHERE id IN (OLD.user_id, NEW.user_id);
END;
CREATE TRIGGER grants_delete_touch_user AFTER DELETE ON grants BEGIN
    UPDATE users SET access_stamp = access_stamp + 1 WHERE id = OLD.user_id;
END;
CREATE TRIGGER units_path_touch_users AFTER UPDATE OF path ON units WHEN OLD.path IS NOT NEW.path BEGIN
    UPDATE users SET access_stamp = access_stamp + 1
        WHERE id IN (SELECT user_id FROM grants WHERE unit_id = NEW.id);
END;
