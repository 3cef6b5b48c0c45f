-- What period each import's file covers, and for which sources: a police snapshot of three days proves those
-- three days, even when none of its events is in this municipality, and months no import covers are gaps
-- (lagesbild/coverage.py). Imports stored before this are given the span of the incidents they stored.
ALTER TABLE imports ADD COLUMN covers_from DATE;
ALTER TABLE imports ADD COLUMN covers_to DATE;
ALTER TABLE imports ADD COLUMN covers_sources SMALLINT[];
UPDATE imports SET
    covers_from = (SELECT min(day) FROM incidents i WHERE i.import_id = imports.id),
    covers_to = (SELECT max(day) FROM incidents i WHERE i.import_id = imports.id),
    covers_sources = (SELECT list(DISTINCT source_id ORDER BY source_id) FROM incidents i
                      WHERE i.import_id = imports.id);
