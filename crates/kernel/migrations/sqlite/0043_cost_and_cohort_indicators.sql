-- Indicators say in words what they count (description_en, description_fr), and the engine
-- answers two more questions (opencpd_indicators::store::engine):
--
-- * cost-per-participant: the programmes' costs recorded for a year (programme_costs, in
--   the deployment's one currency) over the people they reached in that year. Reached in a
--   year: a programme participant as reach counts them (once a programme, those who
--   withdrew included) enrolled in a cohort of the programme that runs at some time in the
--   year. A programme's costs are apportioned to places in proportion to its participants
--   reached there: a unit's share of a programme's costs of a year is the costs times its
--   participants reached there over all the programme's participants reached that year.
--   So the country's figure is every cost over every participant, a unit's is its share of
--   the costs over its participants, and the split by unit is the same rule one level down.
--   The costs of a programme that reached nobody in the year are apportioned to no place.
--   Split by programme and by unit; an apportioned cost is hidden with the small count of
--   participants it stands for.
--
-- * cohort, a split of the indicators on programme participants (reach, completion,
--   certification): a person counts in each cohort of the programme they are enrolled in
--   (completed and certified as that enrolment was), and once in the whole, so the cells of
--   a split by cohort may add up to more than the whole.
ALTER TABLE indicators ADD COLUMN description_en TEXT;
ALTER TABLE indicators ADD COLUMN description_fr TEXT;

INSERT INTO indicators (code, name_en, name_fr, numerator, denominator, scale, disaggregations, kirkpatrick_level, shipped, description_en, description_fr) VALUES
    ('cost-per-participant', 'Cost per participant reached in the year', 'Coût par participant atteint dans l''année',
     'sum(cost)', 'count(reached)', 1, 'programme,unit', NULL, 1,
     'The programmes'' costs recorded for the year, in the deployment''s currency, divided by the people they reached in the year: participants of a programme (once a programme, those who withdrew included) enrolled in one of its cohorts running at some time in the year. A programme''s costs are apportioned to places in proportion to its participants reached there, so a unit''s figure is its share of each programme''s costs over its participants; the costs of a programme that reached nobody in the year go to no place. An apportioned cost is hidden with a small count of participants.',
     'Les coûts des programmes enregistrés pour l''année, dans la devise du déploiement, divisés par les personnes qu''ils ont atteintes dans l''année : les participants d''un programme (une fois par programme, abandons compris) inscrits à l''une de ses cohortes se déroulant à un moment de l''année. Les coûts d''un programme sont répartis entre les lieux au prorata de ses participants atteints dans chacun : le chiffre d''une unité est sa part des coûts de chaque programme rapportée à ses participants ; les coûts d''un programme qui n''a atteint personne dans l''année ne sont attribués à aucun lieu. Un coût réparti est masqué avec un petit effectif de participants.');

UPDATE indicators SET disaggregations = 'sex,role,unit,ownership,subsystem,programme,cohort', version = version + 1,
    description_en = 'Split by cohort, a person counts in each cohort of the programme they are enrolled in, and once in the whole.',
    description_fr = 'Par cohorte, une personne compte dans chaque cohorte du programme où elle est inscrite, et une seule fois dans l''ensemble.'
    WHERE code IN ('reach', 'completion-rate', 'certification-rate') AND shipped = 1;
