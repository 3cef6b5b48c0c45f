-- The weekly round of EST, Effektiv samordning för trygghet (issue 15, item 2): every week each participating
-- organisation answers a short fixed checklist per area, 0–3 (0 inget, 1 lite, 2 en del, 3 mycket).
-- Areas are named by code (the base division's areas, as interventions are registered), so a re-imported
-- area keeps its answers. Everything here is configurable by the coordinator; the rows below are a default.

-- Risk factors the checklist needs that the standard vocabulary lacked (see lagesbild/vocabulary.py): each
-- takes its standard id, 16-18, unless that id is taken, then the next free id (ids are bits of risk_mask,
-- 1..63). A new database runs this on empty tables and gets them from vocabulary.install.
INSERT INTO risk_factors
SELECT CASE WHEN EXISTS (SELECT 1 FROM risk_factors WHERE id = 16)
            THEN (SELECT greatest(max(id), 18) + 1 FROM risk_factors) ELSE 16 END,
       'skadegorelse_miljo', 'Skadegörelse i miljön', 'place'
WHERE EXISTS (SELECT 1 FROM risk_factors) AND NOT EXISTS (SELECT 1 FROM risk_factors WHERE code = 'skadegorelse_miljo');

INSERT INTO risk_factors
SELECT CASE WHEN EXISTS (SELECT 1 FROM risk_factors WHERE id = 17)
            THEN (SELECT greatest(max(id), 18) + 1 FROM risk_factors) ELSE 17 END,
       'brander_miljo', 'Bränder i miljön (containrar, fordon, byggnader)', 'place'
WHERE EXISTS (SELECT 1 FROM risk_factors) AND NOT EXISTS (SELECT 1 FROM risk_factors WHERE code = 'brander_miljo');

INSERT INTO risk_factors
SELECT CASE WHEN EXISTS (SELECT 1 FROM risk_factors WHERE id = 18)
            THEN (SELECT greatest(max(id), 18) + 1 FROM risk_factors) ELSE 18 END,
       'upplevd_otrygghet', 'Upplevd otrygghet på platsen', 'community'
WHERE EXISTS (SELECT 1 FROM risk_factors) AND NOT EXISTS (SELECT 1 FROM risk_factors WHERE code = 'upplevd_otrygghet');

-- The participating organisations. `area_codes` NULL: it answers for every area; else only for these.
CREATE TABLE est_organisations (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    area_codes VARCHAR[],
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

-- The checklist: each item maps to a risk factor (by code), so the risk-factor filter covers the round.
CREATE TABLE est_items (
    code VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    risk_factor VARCHAR,                 -- a risk_factors.code, or NULL (then a risk-factor filter leaves it out)
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

-- One answer per ISO week, organisation, area and item; saving again replaces it (and est_answer_log keeps
-- what it was).
CREATE TABLE est_answers (
    iso_year SMALLINT NOT NULL,
    iso_week SMALLINT NOT NULL CHECK (iso_week BETWEEN 1 AND 53),
    organisation VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    value TINYINT NOT NULL CHECK (value BETWEEN 0 AND 3),
    answered_by VARCHAR NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (iso_year, iso_week, organisation, area_code, item)
);

-- An optional comment per round and area (free text: the personal-data guard applies; staff only).
CREATE TABLE est_notes (
    iso_year SMALLINT NOT NULL,
    iso_week SMALLINT NOT NULL,
    organisation VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    note VARCHAR NOT NULL,
    PRIMARY KEY (iso_year, iso_week, organisation, area_code)
);

-- Every answer changed after it was first given: who, when, from what to what.
CREATE SEQUENCE est_answer_log_ids MINVALUE 0 START 1;
CREATE TABLE est_answer_log (
    id INTEGER PRIMARY KEY DEFAULT nextval('est_answer_log_ids'),
    iso_year SMALLINT NOT NULL,
    iso_week SMALLINT NOT NULL,
    organisation VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    old_value TINYINT,
    new_value TINYINT,
    changed_by VARCHAR NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);

INSERT INTO est_organisations (code, name, area_codes, sort_order) VALUES
    ('trygghetsvardar', 'Kommunens trygghetsvärdar', NULL, 1),
    ('polisen', 'Polisen', NULL, 2),
    ('bostadsbolaget', 'Bostadsbolaget', NULL, 3);

INSERT INTO est_items (code, label, risk_factor, sort_order) VALUES
    ('skadegorelse', 'Skadegörelse', 'skadegorelse_miljo', 1),
    ('klotter', 'Klotter', 'nedskrapning_klotter', 2),
    ('nedskrapning', 'Nedskräpning', 'nedskrapning_klotter', 3),
    ('brander', 'Bränder', 'brander_miljo', 4),
    ('samlingar', 'Samlingar av unga', 'samlingsplats_unga', 5),
    ('narkotika', 'Narkotika', 'oppen_narkotikahandel', 6),
    ('alkohol', 'Alkohol bland unga', 'alkohol_unga', 7),
    ('belysning', 'Trasig belysning', 'bristande_belysning', 8),
    ('otrygghet', 'Otrygghet', 'upplevd_otrygghet', 9);
