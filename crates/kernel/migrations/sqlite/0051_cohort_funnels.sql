-- Each cohort's completion funnel, counted from its enrolments: everyone ever enrolled,
-- the withdrawn, and of the others those who attended enough (the course's minimum),
-- completed, and hold a certificate not revoked. A programme's page lists thousands of
-- cohorts' funnels; they are read here, never summed from every enrolment. Written again
-- for the cohorts a write touches, in its transaction (by the programme participants'
-- refresher, and when a course's minimum attendance changes).
CREATE TABLE cohort_funnels (
    cohort_id INTEGER PRIMARY KEY REFERENCES cohorts(id) ON DELETE CASCADE,
    enrolled INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    attended INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    certified INTEGER NOT NULL
);

INSERT INTO cohort_funnels (cohort_id, enrolled, withdrawn, attended, completed, certified)
SELECT h.id, COUNT(e.id),
    COALESCE(SUM(CASE WHEN e.withdrawn_on IS NOT NULL THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN e.withdrawn_on IS NULL AND e.attendance_pct >= k.min_attendance_pct THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN e.withdrawn_on IS NULL AND e.completed_on IS NOT NULL THEN 1 ELSE 0 END), 0),
    COALESCE(SUM(CASE WHEN e.withdrawn_on IS NULL AND EXISTS (SELECT 1 FROM certificates c
        WHERE c.enrolment_id = e.id AND c.revoked_on IS NULL) THEN 1 ELSE 0 END), 0)
FROM cohorts h JOIN courses k ON k.id = h.course_id JOIN enrolments e ON e.cohort_id = h.id
GROUP BY h.id;
