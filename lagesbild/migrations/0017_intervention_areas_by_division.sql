-- An intervention is registered on areas of one division (the base division's DeSO, issue 14); every view sees it
-- in its own division: `area_codes` are the active division's areas that share a base area with the registered
-- ones (a RegSO view sees an intervention in one DeSO as in that DeSO's RegSO). Names and shapes stay those
-- registered (what the map draws, what the register shows); `registered_area_codes` is what the form edits.
CREATE OR REPLACE VIEW intervention_targets AS
SELECT iv.id AS intervention_id,
       coalesce(v.codes, []) AS area_codes,
       coalesce(a.codes, []) AS registered_area_codes,
       a.division AS registered_division,
       coalesce(a.names, []) AS area_names,
       coalesce(a.shapes, []) AS area_shapes,
       coalesce(r.codes, []) AS risk_factor_codes,
       coalesce(r.labels, []) AS risk_factor_labels,
       coalesce(c.codes, []) AS category_codes,
       coalesce(c.labels, []) AS category_labels
FROM interventions iv
LEFT JOIN (SELECT ia.intervention_id, list(a.code ORDER BY a.code) AS codes, min(a.division) AS division,
                  list(a.name ORDER BY a.name COLLATE sv) AS names, list(a.geojson ORDER BY a.code) AS shapes
           FROM intervention_areas ia JOIN areas a ON a.id = ia.area_id GROUP BY ia.intervention_id) a
       ON a.intervention_id = iv.id
LEFT JOIN (SELECT seen.intervention_id, list(seen.code ORDER BY seen.code) AS codes
           FROM (SELECT DISTINCT ia.intervention_id, x.code
                 FROM intervention_areas ia
                 JOIN area_parts p ON p.area_id = ia.area_id
                 JOIN area_parts q ON q.part_id = p.part_id
                 JOIN active_areas x ON x.id = q.area_id) seen
           GROUP BY seen.intervention_id) v
       ON v.intervention_id = iv.id
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
