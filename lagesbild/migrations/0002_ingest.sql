-- What the import pipeline needs: natural keys for deduplication, remembered column mappings and value
-- aliases, population per year, and a count of rows left out on purpose (out of scope, other municipality).

ALTER TABLE incidents ADD COLUMN natural_key VARCHAR;
UPDATE incidents SET natural_key = 'import:' || import_id || ':' || id;
ALTER TABLE incidents ADD COLUMN description VARCHAR;  -- free text, stored only when configured
-- A file may give a date without a time: the hour is then unknown, not midnight.
ALTER TABLE incidents ALTER COLUMN hour DROP NOT NULL;

ALTER TABLE imports ADD COLUMN rows_ignored INTEGER DEFAULT 0;
ALTER TABLE imports ADD COLUMN source_key VARCHAR;      -- which remembered mapping the file used
ALTER TABLE imports ADD COLUMN undone_at TIMESTAMPTZ;
ALTER TABLE imports ADD COLUMN undone_by VARCHAR;

-- The coordinator's column mapping, remembered per source (a signature of the file's headers).
CREATE TABLE column_mappings (
    source_key VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    mapping VARCHAR NOT NULL,          -- JSON: {"field": "header", ...}
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by VARCHAR NOT NULL
);

-- Values in files mapped onto the vocabularies on purpose: 'Misshandel, grov' -> misshandel.
-- target_code NULL means "known and deliberately left out of the situation picture".
CREATE TABLE value_aliases (
    kind VARCHAR NOT NULL CHECK (kind IN ('category', 'risk_factor', 'source')),
    alias VARCHAR NOT NULL,            -- normalised: lower case, single spaces
    target_code VARCHAR,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, alias)
);

-- Population per area and year as each import gave it; the latest import wins, and undoing it
-- brings back what the earlier one said.
CREATE TABLE area_population (
    area_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    population INTEGER NOT NULL CHECK (population >= 0),
    import_id INTEGER NOT NULL,
    PRIMARY KEY (area_id, year, import_id)
);

-- Areas: a code is unique within its division (the same municipality outline may come in several), and
-- the population an area was created with is kept, to restore it when a population import is undone.
CREATE TABLE areas_v2 (
    id INTEGER PRIMARY KEY,
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind area_kind NOT NULL,
    division VARCHAR NOT NULL,
    population INTEGER,
    area_km2 DOUBLE,
    geojson VARCHAR NOT NULL,
    centroid_lon DOUBLE NOT NULL,
    centroid_lat DOUBLE NOT NULL,
    import_id INTEGER,
    base_population INTEGER,
    UNIQUE (division, code)
);
INSERT INTO areas_v2 SELECT id, code, name, kind, division, population, area_km2, geojson, centroid_lon,
    centroid_lat, import_id, population FROM areas;
DROP TABLE areas;
ALTER TABLE areas_v2 RENAME TO areas;

-- A category the police's event types need (shootings and explosions), for databases that have vocabularies.
INSERT INTO categories SELECT 15, 'skjutning', 'Skjutning eller sprängning', 'Våld', 20.0
WHERE EXISTS (SELECT 1 FROM categories) AND NOT EXISTS (SELECT 1 FROM categories WHERE id = 15 OR code = 'skjutning');
