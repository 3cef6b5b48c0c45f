-- Undo keeps what it removes, so that an undone import can be restored exactly: same ids, same keys, every
-- column. Each holding table starts as a copy of its live table's columns plus `held_for`, the import whose
-- undo moved the row there. Rows are moved (insert by name, then delete) and moved back by `restore`.
-- A later migration that adds a column to a live table adds it here too (tests/test_undo.py checks).

CREATE TABLE undone_incidents AS SELECT * FROM incidents LIMIT 0;
CREATE TABLE undone_incident_risk_factors AS SELECT * FROM incident_risk_factors LIMIT 0;
CREATE TABLE undone_areas AS SELECT * FROM areas LIMIT 0;
CREATE TABLE undone_area_population AS SELECT * FROM area_population LIMIT 0;
CREATE TABLE undone_interventions AS SELECT * FROM interventions LIMIT 0;
CREATE TABLE undone_intervention_areas AS SELECT * FROM intervention_areas LIMIT 0;
CREATE TABLE undone_intervention_risk_factors AS SELECT * FROM intervention_risk_factors LIMIT 0;
CREATE TABLE undone_intervention_categories AS SELECT * FROM intervention_categories LIMIT 0;
ALTER TABLE undone_incidents ADD COLUMN held_for INTEGER;
ALTER TABLE undone_incident_risk_factors ADD COLUMN held_for INTEGER;
ALTER TABLE undone_areas ADD COLUMN held_for INTEGER;
ALTER TABLE undone_area_population ADD COLUMN held_for INTEGER;
ALTER TABLE undone_interventions ADD COLUMN held_for INTEGER;
ALTER TABLE undone_intervention_areas ADD COLUMN held_for INTEGER;
ALTER TABLE undone_intervention_risk_factors ADD COLUMN held_for INTEGER;
ALTER TABLE undone_intervention_categories ADD COLUMN held_for INTEGER;

-- Incidents of other imports that lost their area when the areas' import was undone: restore gives it back.
CREATE TABLE undone_incident_areas (
    held_for INTEGER NOT NULL,
    incident_id BIGINT NOT NULL,
    area_id INTEGER NOT NULL
);

-- Who restored an undone import, and when (the undo itself is in undone_at / undone_by).
ALTER TABLE imports ADD COLUMN restored_at TIMESTAMPTZ;
ALTER TABLE imports ADD COLUMN restored_by VARCHAR;
