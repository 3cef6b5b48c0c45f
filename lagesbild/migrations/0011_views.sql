-- Concepts every query shares, defined once instead of pasted into each query that needs them.
-- Views name their columns (never `*`), so a later migration that adds a column to a table keeps them valid.

-- The active division: the areas of the division named in meta ('division'), or every area when none is named.
CREATE VIEW active_areas AS
SELECT id, code, name, kind, division, population, area_km2, geojson, centroid_lon, centroid_lat, import_id,
       base_population
FROM areas
WHERE division = coalesce((SELECT value FROM meta WHERE key = 'division'), division);

-- An intervention with its areas and targets: one row per intervention, empty lists where it has none.
-- Codes (and the areas' shapes) are ordered by code; names and labels in Swedish order, for display.
CREATE VIEW intervention_targets AS
SELECT iv.id AS intervention_id,
       coalesce(a.codes, []) AS area_codes,
       coalesce(a.names, []) AS area_names,
       coalesce(a.shapes, []) AS area_shapes,
       coalesce(r.codes, []) AS risk_factor_codes,
       coalesce(r.labels, []) AS risk_factor_labels,
       coalesce(c.codes, []) AS category_codes,
       coalesce(c.labels, []) AS category_labels
FROM interventions iv
LEFT JOIN (SELECT ia.intervention_id, list(a.code ORDER BY a.code) AS codes,
                  list(a.name ORDER BY a.name COLLATE sv) AS names, list(a.geojson ORDER BY a.code) AS shapes
           FROM intervention_areas ia JOIN areas a ON a.id = ia.area_id GROUP BY ia.intervention_id) a
       ON a.intervention_id = iv.id
LEFT JOIN (SELECT ir.intervention_id, list(r.code ORDER BY r.code) AS codes,
                  list(r.label ORDER BY r.label COLLATE sv) AS labels
           FROM intervention_risk_factors ir JOIN risk_factors r ON r.id = ir.risk_factor_id
           GROUP BY ir.intervention_id) r
       ON r.intervention_id = iv.id
LEFT JOIN (SELECT ic.intervention_id, list(c.code ORDER BY c.code) AS codes,
                  list(c.label ORDER BY c.label COLLATE sv) AS labels
           FROM intervention_categories ic JOIN categories c ON c.id = ic.category_id
           GROUP BY ic.intervention_id) c
       ON c.intervention_id = iv.id;
