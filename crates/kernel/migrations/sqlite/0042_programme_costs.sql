-- What a programme spent, per year: an amount in a category (training, travel, materials,
-- coaching, other) with a note. Costs are kept in one currency for the whole deployment
-- (the currency of the costs already recorded; the first cost sets it), so that costs of
-- several programmes add up and the engine's cost per participant is one figure
-- (opencpd_delivery::store::costs checks it; opencpd_indicators::store::engine reads the
-- costs of a year).
CREATE TABLE programme_costs (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2100),
    category TEXT NOT NULL CHECK (category IN ('training', 'travel', 'materials', 'coaching', 'other')),
    amount REAL NOT NULL CHECK (amount >= 0),
    currency TEXT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
-- A programme's costs by year (its page and list); a year's costs of every programme (the
-- engine).
CREATE INDEX programme_costs_programme ON programme_costs(programme_id, year);
CREATE INDEX programme_costs_year ON programme_costs(year, programme_id);
