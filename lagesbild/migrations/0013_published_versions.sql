-- Published versions of the lägesbild (what the council adopted): each row names a frozen database file under
-- `<master>.published/` that is never changed or pruned, the view (the link's parameters) and the analyst's
-- text. Who published is kept as a role ('staff', 'coordinator'), never a person's name: the version is shown
-- to everyone who opens its link.
CREATE SEQUENCE published_version_ids MINVALUE 0 START 1;
CREATE TABLE published_versions (
    id INTEGER PRIMARY KEY,
    title VARCHAR NOT NULL,
    comment VARCHAR NOT NULL DEFAULT '',
    published_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    published_role VARCHAR NOT NULL,     -- viewer/staff/coordinator role, not a name
    file_name VARCHAR NOT NULL,          -- inside the published folder, e.g. '3.duckdb'
    stored_as VARCHAR NOT NULL,          -- 'link' (a hard link to the snapshot) or 'copy'
    file_bytes BIGINT NOT NULL,
    data_version BIGINT NOT NULL,        -- the data version of the frozen file
    schema_version INTEGER NOT NULL,     -- the schema of the frozen file
    first_day DATE,                      -- the frozen data's range of days with incidents
    last_day DATE,
    period_start DATE NOT NULL,          -- the view's period, resolved at publication
    period_end DATE NOT NULL,
    link_query VARCHAR NOT NULL          -- the view's link parameters as a JSON object
);
