-- Perceived safety (issue 15, item 3): survey results per area and year — the police's trygghetsmätning or a
-- municipal survey — as imported by lagesbild/ingest/survey.py and read by lagesbild/safety.py. A value is a
-- share in per cent ('andel') or an index ('index', e.g. the police's problemindex); `respondents` is the number
-- who answered (NULL: the file did not say). `area_id` NULL is the whole municipality. One value per indicator,
-- area and year is live at a time: the import refuses a file that would contradict a stored one.
CREATE TABLE safety_surveys (
    indicator_key VARCHAR NOT NULL,    -- normalised indicator name, for matching: 'otrygghet utomhus kvällstid'
    indicator VARCHAR NOT NULL,        -- as first written: 'Otrygghet utomhus kvällstid'
    area_id INTEGER,                   -- NULL: the whole municipality
    year INTEGER NOT NULL CHECK (year BETWEEN 1950 AND 2100),
    unit VARCHAR NOT NULL CHECK (unit IN ('andel', 'index')),
    value DOUBLE NOT NULL,
    respondents INTEGER CHECK (respondents IS NULL OR respondents >= 0),
    import_id INTEGER NOT NULL,
    row_number INTEGER NOT NULL        -- the file row it came from
);

CREATE TABLE undone_safety_surveys AS SELECT * FROM safety_surveys LIMIT 0;
ALTER TABLE undone_safety_surveys ADD COLUMN held_for INTEGER;
