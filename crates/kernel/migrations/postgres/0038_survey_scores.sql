-- A derived table (opencpd_instruments::store::survey_scores::SCORES): the Likert score of
-- each submission to a form with Likert items (the mean of its answers to them rescaled to
-- 0-100, as opencpd_domain::evaluation::likert states; empty when it answered none), so
-- that the Kirkpatrick funnel's satisfaction and school culture read a number a
-- submission instead of parsing its answers. Written at the commit of the transaction that
-- stores the submission; never by a write itself. Submissions stored before it are read
-- from their answers until written here.
CREATE TABLE survey_scores (
    submission_id BIGINT PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
    score DOUBLE PRECISION
);
