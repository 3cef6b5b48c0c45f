-- Reference statistics: public aggregates per municipality and year (BRÅ's reported crimes per municipality,
-- Kolada key figures), for comparing the municipality with similar municipalities and the country. They are not
-- incidents: no place, no time of day, no protection needed. Each value belongs to the import that stored it,
-- so an undo removes exactly that import (holding table below), and one value per municipality, year, measure
-- and unit is live at a time (lagesbild/ingest/reference.py refuses a file that would contradict a stored one).
CREATE TABLE reference_statistics (
    municipality_code VARCHAR NOT NULL CHECK (length(municipality_code) = 4),  -- SCB code, zero-padded: '0114'
    year INTEGER NOT NULL,
    measure VARCHAR NOT NULL,          -- e.g. anmalda_brott_totalt, folkmangd
    measure_label VARCHAR NOT NULL,    -- Swedish, as shown: 'Anmälda brott totalt'
    unit VARCHAR NOT NULL CHECK (unit IN ('antal', 'per 100 000 inv')),
    value DOUBLE NOT NULL,
    source VARCHAR NOT NULL,           -- e.g. 'Brå, Anmälda brott i kommunerna 2021'
    import_id INTEGER NOT NULL,
    PRIMARY KEY (municipality_code, year, measure, unit)
);

CREATE TABLE undone_reference_statistics AS SELECT * FROM reference_statistics LIMIT 0;
ALTER TABLE undone_reference_statistics ADD COLUMN held_for INTEGER;
