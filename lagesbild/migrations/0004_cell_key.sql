-- The cell-key method (Statistics Sweden's grid statistics, ABS TableBuilder): every incident carries a fixed
-- random record key in [0, 65536) from the moment it is stored. A count shown to a read-only viewer is moved by
-- a small amount looked up from the sum of its incidents' keys (see lagesbild/protect.py), so the same set of
-- incidents always gets the same amount and repeating or shifting a query cannot average it away.
ALTER TABLE incidents ADD COLUMN cell_key INTEGER DEFAULT CAST(floor(random() * 65536) AS INTEGER);
UPDATE incidents SET cell_key = CAST(floor(random() * 65536) AS INTEGER) WHERE cell_key IS NULL;
