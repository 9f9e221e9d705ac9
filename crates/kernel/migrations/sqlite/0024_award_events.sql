-- An award may be given at an outreach event (an award ceremony, a camp's prize): awards
-- are then listed, filtered and exported per event. Deleting the event keeps the award.
ALTER TABLE awards ADD COLUMN event_id INTEGER REFERENCES outreach_events(id) ON DELETE SET NULL;
CREATE INDEX awards_event ON awards(event_id);
