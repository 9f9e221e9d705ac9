-- Stamps of data that caches are kept under: one row per table, renewed to a fresh random
-- value by every transaction that writes the table (opencpd_kernel::stamps). A value a
-- cache computed under a stamp is still true while the stamp is unchanged, in any process
-- reading this database. A table nobody has written since reads as no row.
CREATE TABLE data_stamps (
    name TEXT PRIMARY KEY,
    stamp TEXT NOT NULL
);
