-- Evaluations whose units of assignment are people (teachers, say) rather than schools:
-- each person assigned to an arm, drawn by OpenCPD from a recorded seed or recorded, with
-- the school they worked at when assigned.

ALTER TABLE evaluations ADD COLUMN units TEXT NOT NULL DEFAULT 'schools' CHECK (units IN ('schools', 'people'));
-- The role a draw of people took its candidates from (none: every role held at a school).
ALTER TABLE evaluations ADD COLUMN role TEXT;

CREATE TABLE evaluation_people (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    arm_id INTEGER NOT NULL REFERENCES evaluation_arms(id),
    school_id INTEGER NOT NULL REFERENCES schools(id),
    stratum TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (evaluation_id, person_id)
);
-- An arm's count of people and of schools.
CREATE INDEX evaluation_people_arm ON evaluation_people (arm_id);
CREATE INDEX evaluation_schools_arm ON evaluation_schools (arm_id);
-- A person's observations and tests (their outcomes in a design of people; the funnel's
-- levels 2 and 3) read by whom they are about.
CREATE INDEX submissions_subject ON submissions (subject_kind, subject_id);
-- A programme's participants' schools (the funnel's level 4), read from its cohorts'
-- enrolments without visiting the rows.
CREATE INDEX enrolments_cohort_school ON enrolments (cohort_id, school_id);
