-- When an intervention works, not only where and on what: a Friday/Saturday-night effort is followed up on
-- Friday and Saturday nights. Weekdays are ISO numbers (1 = Monday .. 7 = Sunday), empty for every day;
-- hours are inclusive and wrap past midnight when hour_from > hour_to (22–04), NULL for the whole day.
ALTER TABLE interventions ADD COLUMN weekdays TINYINT[] DEFAULT [];
ALTER TABLE interventions ADD COLUMN hour_from TINYINT;
ALTER TABLE interventions ADD COLUMN hour_to TINYINT;
UPDATE interventions SET weekdays = [] WHERE weekdays IS NULL;
-- The holding table for undone imports keeps the same columns in the same order (held_for last), so an undone
-- intervention comes back whole.
CREATE TABLE undone_interventions_0007 AS
    SELECT * EXCLUDE (held_for), CAST(NULL AS TINYINT[]) AS weekdays, CAST(NULL AS TINYINT) AS hour_from,
           CAST(NULL AS TINYINT) AS hour_to, held_for
    FROM undone_interventions;
DROP TABLE undone_interventions;
ALTER TABLE undone_interventions_0007 RENAME TO undone_interventions;
