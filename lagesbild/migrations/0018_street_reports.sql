-- Reports from the street (issue 15): a safety host or a partner reports what they see from a phone. Each report
-- is stored as an incident of its own import (kind 'incidents', source_key 'rapport'), so it shows on every page,
-- is traced in the import history and can be undone there like any import; this table keeps what the incident
-- cannot: who reported it, for which organisation, how serious, and the draft's client token that makes a send
-- repeated after a dropped connection store the report once. The author may edit or delete it for a day; every
-- change is logged in `street_report_log` (as `intervention_log` does for the register).

CREATE SEQUENCE street_report_ids MINVALUE 0 START 1;
CREATE SEQUENCE street_report_log_ids MINVALUE 0 START 1;

CREATE TABLE street_reports (
    id INTEGER PRIMARY KEY,            -- the number on the receipt ("Rapport nr N")
    client_token VARCHAR NOT NULL,     -- made by the form when the draft starts; one report per token
    incident_id BIGINT NOT NULL,
    import_id INTEGER NOT NULL,
    author VARCHAR NOT NULL,           -- the signed-in account (never shown to viewers)
    organisation VARCHAR NOT NULL,
    seriousness TINYINT NOT NULL CHECK (seriousness BETWEEN 1 AND 3),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX street_reports_token ON street_reports (client_token);

CREATE TABLE street_report_log (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by VARCHAR NOT NULL,
    action VARCHAR NOT NULL,           -- skapad, ändrad, borttagen
    changes VARCHAR NOT NULL           -- JSON: {"field": [old, new], ...}
);
