-- A programme's awards counted from an index of its own (its page shows them), not by
-- reading every person for the few awarded.
CREATE INDEX awards_programme ON awards(programme_id, awarded_on);
