-- Ids from sequences instead of `max(id) + 1`: an id once given is never given again, even after the row is
-- gone (an intervention deleted, an import undone and its holding emptied), so a log entry or a held row can
-- never be mistaken for a newer one, and taking an id costs nothing however large the table.
-- Each sequence continues after the highest id in use, held rows of undone imports included (restore gives
-- them back with the same ids). Categories continue after the standard vocabulary's last id (21), which
-- `vocabulary.install` writes with fixed ids into a new database after this runs.
-- Rows written with their own ids (the demo) move the sequences on with `store.align_sequences`.
-- MINVALUE 0 lets an empty table's sequence be set to 0, so that its first id is 1.
CREATE SEQUENCE import_ids MINVALUE 0 START 1;
CREATE SEQUENCE incident_ids MINVALUE 0 START 1;
CREATE SEQUENCE area_ids MINVALUE 0 START 1;
CREATE SEQUENCE intervention_ids MINVALUE 0 START 1;
CREATE SEQUENCE intervention_log_ids MINVALUE 0 START 1;
CREATE SEQUENCE category_ids MINVALUE 0 START 1;
SELECT setval('import_ids', (SELECT coalesce(max(id), 0) FROM imports));
SELECT setval('incident_ids', greatest((SELECT coalesce(max(id), 0) FROM incidents),
                                       (SELECT coalesce(max(id), 0) FROM undone_incidents)));
SELECT setval('area_ids', greatest((SELECT coalesce(max(id), 0) FROM areas),
                                   (SELECT coalesce(max(id), 0) FROM undone_areas)));
SELECT setval('intervention_ids', greatest((SELECT coalesce(max(id), 0) FROM interventions),
                                           (SELECT coalesce(max(id), 0) FROM undone_interventions)));
SELECT setval('intervention_log_ids', (SELECT coalesce(max(id), 0) FROM intervention_log));
SELECT setval('category_ids', greatest((SELECT coalesce(max(id), 0) FROM categories), 21));
