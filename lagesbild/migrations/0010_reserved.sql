-- Reserved: another branch (issue 12) adds migration 0010. This placeholder only keeps the numbering without gaps
-- on this branch; the merge replaces it with that migration (and renumbers 0011 if needed). It changes nothing.
SELECT 1;
