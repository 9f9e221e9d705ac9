-- A programme's participants counted by place, sex, role, school ownership and
-- sub-system: what every reach report reads, one row a group, instead of grouping a
-- national programme's hundred thousand participants at each reading. Written again for
-- each programme and place a change to participants touches, by their refresher, in the
-- transaction of the change.
CREATE TABLE programme_reach_groups (
    programme_id INTEGER NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sex TEXT NOT NULL,
    role TEXT,
    ownership TEXT,
    subsystem TEXT,
    enrolled INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    certified INTEGER NOT NULL
);
CREATE INDEX programme_reach_groups_place ON programme_reach_groups (programme_id, path);

INSERT INTO programme_reach_groups
    (programme_id, path, sex, role, ownership, subsystem, enrolled, completed, certified)
SELECT programme_id, path, sex, role, ownership, subsystem, COUNT(*), SUM(completed), SUM(certified)
FROM programme_participants GROUP BY programme_id, path, sex, role, ownership, subsystem;
