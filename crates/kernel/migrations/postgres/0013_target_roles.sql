-- A programme target may count several position roles together (a programme's "1,500
-- stakeholders" are head teachers, deputies, cluster leads and officials). The roles are
-- kept comma-separated, as a course's target roles are; none counts every role.
ALTER TABLE programme_targets ADD COLUMN roles TEXT NOT NULL DEFAULT '';
UPDATE programme_targets SET roles = role WHERE role IS NOT NULL;
ALTER TABLE programme_targets DROP COLUMN role;
