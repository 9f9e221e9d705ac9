-- People reached in the year, split by the quarter they were reached in: the period split
-- of the participants. A participant of a programme is reached in each quarter one of its
-- cohorts they are enrolled in runs at some time, and once in the year; so the quarters'
-- cells may add up to more than the year. A deployment that already defined an indicator
-- with this code keeps its own.
INSERT INTO indicators (code, name_en, name_fr, numerator, denominator, scale, disaggregations, kirkpatrick_level, shipped, description_en, description_fr)
SELECT 'reach-in-year', 'People reached in the year', 'Personnes atteintes dans l''année',
    'count(reached)', NULL, 1, 'sex,role,unit,ownership,subsystem,programme,cohort,quarter', 1, TRUE,
    'Participants of a programme (once a programme, those who withdrew included) enrolled in one of its cohorts running at some time in the year. Split by quarter, a person counts in each quarter one of their cohorts ran in, and once in the year; split by cohort, in each cohort.',
    'Les participants d''un programme (une fois par programme, abandons compris) inscrits à l''une de ses cohortes se déroulant à un moment de l''année. Par trimestre, une personne compte dans chaque trimestre où l''une de ses cohortes s''est déroulée, et une seule fois dans l''année ; par cohorte, dans chaque cohorte.'
WHERE NOT EXISTS (SELECT 1 FROM indicators WHERE code = 'reach-in-year');
