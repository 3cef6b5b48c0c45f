-- Every change to an intervention is recorded: who, when, what (the law asks for follow-up of the action plan,
-- and the council asks who changed it).

CREATE TABLE intervention_log (
    id INTEGER PRIMARY KEY,
    intervention_id INTEGER NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by VARCHAR NOT NULL,
    action VARCHAR NOT NULL,   -- skapad, ändrad, avslutad, borttagen, importerad
    changes VARCHAR NOT NULL   -- JSON: {"field": [old, new], ...}
);
