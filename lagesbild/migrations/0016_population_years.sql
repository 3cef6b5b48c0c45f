-- Population per area and year as rates read it (issue 14): several years are kept in `area_population` (one row
-- per import), and a rate uses the figure of its period's year, the nearest earlier year when that one is missing.
-- This view gives one figure per area and year: the latest import's.
CREATE VIEW population_years AS
SELECT area_id, year, arg_max(population, import_id) AS population
FROM area_population
GROUP BY area_id, year;

-- The municipality's own place names the coordinator uploads (CSV `namn;område`): matched against police event
-- texts at import to place an event in an area (area precision, no point). A name is only a name of a place;
-- no event text is stored here.
CREATE TABLE place_names (
    name VARCHAR NOT NULL,
    area_id INTEGER NOT NULL,
    import_id INTEGER,
    PRIMARY KEY (name, area_id)
);
