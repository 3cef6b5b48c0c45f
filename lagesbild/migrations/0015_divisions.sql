-- Areas a person recognises (issue 14): names from SCB's DeSO→RegSO key table, renamed areas, and divisions
-- built by grouping DeSO (RegSO, the municipality's own districts).

-- Which group each DeSO belongs to in a grouping division. The key table gives the division 'RegSO'; a
-- coordinator's mapping file (deso;distrikt) gives 'Egna distrikt'. The grouped areas themselves are rows of
-- `areas` (division = this division), rebuilt from the DeSO areas present whenever either side changes.
CREATE TABLE division_members (
    division VARCHAR NOT NULL,          -- 'RegSO', 'Egna distrikt'
    member_code VARCHAR NOT NULL,       -- a DeSO code
    group_name VARCHAR NOT NULL,        -- the RegSO's or district's name (also its code in `areas`)
    import_id INTEGER,
    PRIMARY KEY (division, member_code)
);

-- A grouped area's parts: the DeSO areas (`member_id`) that make up the area `group_id`. Incidents keep their
-- DeSO area; a grouped division counts them through this table.
CREATE TABLE area_members (
    group_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_id)
);

-- Every area renamed by hand, newest last: who, when, from what to what. A name set here is kept when a
-- key table is imported again.
CREATE SEQUENCE area_rename_ids MINVALUE 0 START 1;
CREATE TABLE area_renames (
    id INTEGER PRIMARY KEY DEFAULT nextval('area_rename_ids'),
    division VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    old_name VARCHAR NOT NULL,
    new_name VARCHAR NOT NULL,
    renamed_by VARCHAR NOT NULL,
    renamed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT current_timestamp
);

-- Any area (of any division) and the areas its incidents are stored against: itself (a grouped area holds the
-- police events whose text named it but no single one of its DeSO, see lagesbild.gazetteer), and its members.
CREATE VIEW area_parts AS
SELECT id AS area_id, id AS part_id FROM areas
UNION ALL
SELECT group_id AS area_id, member_id AS part_id FROM area_members;

-- The active division: the one this view chose (the session variable `division`, set by
-- lagesbild.queries.use_division from the link's `indelning`), else the one named in meta, else every area.
CREATE OR REPLACE VIEW active_areas AS
SELECT id, code, name, kind, division, population, area_km2, geojson, centroid_lon, centroid_lat, import_id,
       base_population
FROM areas
WHERE division = coalesce(getvariable('division'), (SELECT value FROM meta WHERE key = 'division'), division);

-- The active division's areas and the base areas incidents are stored against: join incidents on `part_id`
-- and count by `area_id`, and a DeSO view counts DeSO while a RegSO view counts the RegSO their DeSO make up.
CREATE VIEW active_area_parts AS
SELECT p.area_id, p.part_id FROM area_parts p JOIN active_areas a ON a.id = p.area_id;
