-- The administrative levels of the first two countries. Other countries add theirs.
INSERT INTO unit_levels (country, depth, key, name_en, name_fr) VALUES
    ('RW', 0, 'country', 'Country', 'Pays'),
    ('RW', 1, 'province', 'Province', 'Province'),
    ('RW', 2, 'district', 'District', 'District'),
    ('RW', 3, 'sector', 'Sector', 'Secteur'),
    ('RW', 4, 'cell', 'Cell', 'Cellule'),
    ('CM', 0, 'country', 'Country', 'Pays'),
    ('CM', 1, 'region', 'Region', 'Région'),
    ('CM', 2, 'division', 'Division', 'Département'),
    ('CM', 3, 'subdivision', 'Subdivision', 'Arrondissement');
INSERT INTO subjects (code, name_en, name_fr) VALUES
    ('MATH', 'Mathematics', 'Mathématiques'),
    ('ENG', 'English', 'Anglais'),
    ('FRA', 'French', 'Français'),
    ('KIN', 'Kinyarwanda', 'Kinyarwanda'),
    ('SCI', 'Science and elementary technology', 'Sciences et technologie élémentaire'),
    ('SOC', 'Social and religious studies', 'Études sociales et religieuses'),
    ('ICT', 'ICT', 'TIC');
