-- The first schema: areas, the incident store, its vocabularies, interventions, imports.
-- Link tables have no FOREIGN KEY clauses: DuckDB rewrites some updates as delete + insert, which a
-- referenced row cannot survive; the edit and import code keeps them consistent (and tests check it).
-- Incidents carry plain numeric columns precomputed at import time (local hour, weekday, day, SWEREF x/y,
-- SCB grid cells, a risk-factor bit mask) so that filters and aggregates need no extension and no join.

CREATE TYPE location_precision AS ENUM ('exact', 'street', 'area', 'municipality');
CREATE TYPE area_kind AS ENUM ('district', 'DeSO', 'RegSO', 'custom');
CREATE TYPE intervention_status AS ENUM ('planerad', 'pågående', 'avslutad');

CREATE TABLE meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,            -- incidents, interventions, areas, population, demo
    imported_by VARCHAR NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_stored INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    rows_duplicate INTEGER NOT NULL DEFAULT 0,
    status VARCHAR NOT NULL,          -- stored, refused, undone
    note VARCHAR
);

CREATE TABLE sources (
    id SMALLINT PRIMARY KEY,
    code VARCHAR NOT NULL UNIQUE,
    label VARCHAR NOT NULL,           -- Swedish, shown in the UI
    description VARCHAR
);

CREATE TABLE categories (
    id SMALLINT PRIMARY KEY,
    code VARCHAR NOT NULL UNIQUE,
    label VARCHAR NOT NULL,           -- Swedish, e.g. 'Skadegörelse'
    category_group VARCHAR NOT NULL,  -- Swedish group label, e.g. 'Våld'
    harm_weight DOUBLE NOT NULL CHECK (harm_weight >= 0)
);

-- Risk factors are numbered 1..63: bit (id - 1) of incidents.risk_mask mirrors incident_risk_factors.
CREATE TABLE risk_factors (
    id SMALLINT PRIMARY KEY CHECK (id BETWEEN 1 AND 63),
    code VARCHAR NOT NULL UNIQUE,
    label VARCHAR NOT NULL,
    domain VARCHAR NOT NULL CHECK (domain IN
        ('individual', 'family', 'school', 'peers', 'community', 'place', 'ANDTS'))
);

CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    code VARCHAR NOT NULL UNIQUE,
    name VARCHAR NOT NULL,
    kind area_kind NOT NULL,
    division VARCHAR NOT NULL,        -- which division (version) the area belongs to, e.g. 'DeSO 2018'
    population INTEGER,
    area_km2 DOUBLE,
    geojson VARCHAR NOT NULL,         -- geometry in WGS84 lon/lat
    centroid_lon DOUBLE NOT NULL,
    centroid_lat DOUBLE NOT NULL,
    import_id INTEGER
);

CREATE TABLE incidents (
    id BIGINT PRIMARY KEY,
    source_id SMALLINT NOT NULL,
    external_id VARCHAR,
    occurred_at TIMESTAMPTZ NOT NULL,
    local_time TIMESTAMP NOT NULL,    -- wall clock in Europe/Stockholm
    day DATE NOT NULL,                -- local date
    hour TINYINT NOT NULL,            -- local hour 0..23
    weekday TINYINT NOT NULL,         -- ISO: 1 = Monday .. 7 = Sunday
    category_id SMALLINT NOT NULL,
    area_id INTEGER,
    lon DOUBLE,
    lat DOUBLE,
    x DOUBLE,                         -- SWEREF 99 TM easting
    y DOUBLE,                         -- SWEREF 99 TM northing
    cell_250 BIGINT,                  -- SCB 250 m square, only for exact/street precision
    cell_1k BIGINT,                   -- SCB 1 km square, only for exact/street precision
    precision location_precision NOT NULL,
    risk_mask UBIGINT NOT NULL DEFAULT 0,
    import_id INTEGER NOT NULL
);

CREATE TABLE incident_risk_factors (
    incident_id BIGINT NOT NULL,
    risk_factor_id SMALLINT NOT NULL,
    PRIMARY KEY (incident_id, risk_factor_id)
);

CREATE TABLE interventions (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    status intervention_status NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    responsible VARCHAR[] NOT NULL,   -- kommun, polis, skola, socialtjänst, fritid, fastighetsägare, föreningar
    dose_value DOUBLE,
    dose_unit VARCHAR,                -- e.g. 'timmar per vecka'
    cost_sek DOUBLE,
    problem VARCHAR,                  -- the problem it answers, in Swedish
    geojson VARCHAR,                  -- its own geometry (WGS84) when it is not whole areas
    import_id INTEGER,
    CHECK (end_date IS NULL OR end_date >= start_date)
);

CREATE TABLE intervention_areas (
    intervention_id INTEGER NOT NULL,
    area_id INTEGER NOT NULL,
    PRIMARY KEY (intervention_id, area_id)
);

CREATE TABLE intervention_risk_factors (
    intervention_id INTEGER NOT NULL,
    risk_factor_id SMALLINT NOT NULL,
    PRIMARY KEY (intervention_id, risk_factor_id)
);

CREATE TABLE intervention_categories (
    intervention_id INTEGER NOT NULL,
    category_id SMALLINT NOT NULL,
    PRIMARY KEY (intervention_id, category_id)
);
