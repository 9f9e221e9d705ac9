-- A programme's participants counted by place, sex, role, school ownership and
-- sub-system: what every reach report reads, one row a group, instead of grouping a
-- national programme's hundred thousand participants at each reading. Written again for
-- each programme and place a change to participants touches, by their refresher, in the
-- transaction of the change.
CREATE TABLE programme_reach_groups (
    programme_id BIGINT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    path TEXT COLLATE "C" NOT NULL,
    sex TEXT NOT NULL,
    role TEXT,
    ownership TEXT,
    subsystem TEXT,
    enrolled BIGINT NOT NULL,
    completed BIGINT NOT NULL,
    certified BIGINT NOT NULL
);
CREATE INDEX programme_reach_groups_place ON programme_reach_groups (programme_id, path);

INSERT INTO programme_reach_groups
    (programme_id, path, sex, role, ownership, subsystem, enrolled, completed, certified)
SELECT programme_id, path, sex, role, ownership, subsystem, COUNT(*), SUM(completed), SUM(certified)
FROM programme_participants GROUP BY programme_id, path, sex, role, ownership, subsystem;
