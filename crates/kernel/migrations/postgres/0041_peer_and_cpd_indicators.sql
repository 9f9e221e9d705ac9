-- Shipped indicators on CPD hours against each role's threshold, PLC regularity and
-- coaching coverage, read by the one engine from the tables those areas write
-- (opencpd_indicators::store::engine: the staff, PLC meeting, PLC and coaching sources).
INSERT INTO indicators (code, name_en, name_fr, numerator, denominator, scale, disaggregations, kirkpatrick_level, shipped) VALUES
    ('cpd-threshold-met', 'Staff who met their CPD threshold in the year (%)', 'Personnels ayant atteint leur seuil de DPC dans l''année (%)',
     'sum(cpd_threshold_met)', 'count(staff)', 100, 'sex,role,unit,school', NULL, TRUE),
    ('cpd-hours-per-staff', 'Hours of CPD completed per staff member', 'Heures de DPC achevées par membre du personnel',
     'sum(cpd_hours)', 'count(staff)', 1, 'sex,role,unit,school', NULL, TRUE),
    ('plc-regularity', 'PLC meetings held against those planned (%)', 'Réunions de CAP tenues par rapport à celles prévues (%)',
     'count(plc_meetings)', 'sum(plc_meetings_planned)', 100, 'level,unit,school,programme', NULL, TRUE),
    ('coaching-coverage', 'Coachees visited at least once in the year (%)', 'Personnes accompagnées visitées au moins une fois dans l''année (%)',
     'sum(coachees_visited)', 'count(coachees)', 100, 'sex,unit,school,programme', NULL, TRUE);
