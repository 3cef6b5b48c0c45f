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

-- Any area (of any division) and the base areas its incidents are stored against: itself, or its members.
CREATE VIEW area_parts AS
SELECT id AS area_id, id AS part_id FROM areas WHERE id NOT IN (SELECT group_id FROM area_members)
UNION ALL
SELECT group_id AS area_id, member_id AS part_id FROM area_members;
