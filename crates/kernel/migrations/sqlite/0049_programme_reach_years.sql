-- The years in which each participant of a programme was reached: enrolled in a cohort of
-- the programme running at some time in the year (its start before the year's end, its
-- end on or after the year's start). One row a programme, year and person, with the
-- participant's dimensions as programme_participants has them, so that "reached in a
-- year" is read from one index and never by looking up each participant's enrolments.
-- Written again with programme_participants, by the same refresher, in the transaction of
-- every change to a participant's enrolments or to a cohort's dates.
CREATE TABLE programme_reach_years (
    programme_id INTEGER NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people(id),
    path TEXT NOT NULL,
    sex TEXT NOT NULL,
    role TEXT,
    ownership TEXT,
    subsystem TEXT,
    PRIMARY KEY (programme_id, year, person_id)
);
-- Covering the counts of a year by place, programme and the participants' dimensions.
CREATE INDEX programme_reach_years_counts ON programme_reach_years
    (year, path, programme_id, sex, role, ownership, subsystem);
CREATE INDEX programme_reach_years_person ON programme_reach_years(person_id);

WITH RECURSIVE spans(programme_id, person_id, y, last) AS (
    SELECT k.programme_id, e.person_id, CAST(substr(h.start_date, 1, 4) AS INTEGER), CAST(substr(h.end_date, 1, 4) AS INTEGER)
    FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id
    WHERE k.programme_id IS NOT NULL
    UNION
    SELECT programme_id, person_id, y + 1, last FROM spans WHERE y < last
)
INSERT INTO programme_reach_years (programme_id, year, person_id, path, sex, role, ownership, subsystem)
SELECT DISTINCT s.programme_id, s.y, s.person_id, pp.path, pp.sex, pp.role, pp.ownership, pp.subsystem
FROM spans s JOIN programme_participants pp ON pp.programme_id = s.programme_id AND pp.person_id = s.person_id;
