-- The observations made on coaching visits and in lesson study, found from the submission:
-- Kirkpatrick level 3 counts them by where they were made
-- (opencpd_evaluation::store::practice).
CREATE INDEX coaching_visits_submission ON coaching_visits (submission_id) WHERE submission_id IS NOT NULL;
CREATE INDEX lesson_study_observers_submission ON lesson_study_observers (submission_id) WHERE submission_id IS NOT NULL;
