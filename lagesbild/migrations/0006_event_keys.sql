-- Natural keys by what an event is, so that the same events sent again with the ids written differently, or with
-- WGS84 instead of SWEREF 99 TM coordinates, are recognised as already stored (see natural_keys in
-- lagesbild/ingest/incidents.py, which computes the same keys for new rows):
--   with an id:    's<source>:<id in lower case, without spaces>'
--   without one:   'p:<source>:<minute since 1970 on the Stockholm wall clock>:<category>:<place>', the place
--                  being the 10 m SWEREF 99 TM square 'floor((x + 2.5) / 10):floor((y + 2.5) / 10)' of a point,
--                  or 'a<area id>' (a-1 for none) for a row without one.
-- Keys of the demo ('demo:…') and of rows stored before keys existed ('import:…') are left as they are.
-- Rows already stored twice keep both copies (nothing is deleted here); they now share one key.

UPDATE incidents
SET natural_key = 's' || source_id || ':' || lower(regexp_replace(external_id, '[\s\x{00A0}\x{202F}\x{2009}]+', '', 'g'))
WHERE natural_key LIKE 's%:%' AND external_id IS NOT NULL
  AND regexp_replace(external_id, '[\s\x{00A0}\x{202F}\x{2009}]+', '', 'g') <> '';

UPDATE incidents
SET natural_key = 'p:' || source_id || ':' || CAST(floor(epoch(local_time) / 60) AS BIGINT) || ':' || category_id
    || ':' || CASE WHEN x IS NOT NULL AND y IS NOT NULL AND CAST(precision AS VARCHAR) IN ('exact', 'street')
                   THEN CAST(floor((x + 2.5) / 10) AS BIGINT) || ':' || CAST(floor((y + 2.5) / 10) AS BIGINT)
                   ELSE 'a' || coalesce(area_id, -1) END
WHERE natural_key LIKE 'h:%';
