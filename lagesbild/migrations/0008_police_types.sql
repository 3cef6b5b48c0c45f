-- Police event types reviewed (issue 11, item 5): the categories the review added, for a database that already
-- has its vocabularies (a new database runs this on empty tables and gets them from vocabulary.install).
-- Each takes its standard id, 16-21, as in lagesbild/vocabulary.py; only when the coordinator's own category
-- already holds that id does it take the next id after 21 (ids are never moved: incidents point at them).
-- A code that exists already is left as it is. Incidents stored before are not re-categorised.

INSERT INTO categories
SELECT CASE WHEN EXISTS (SELECT 1 FROM categories WHERE id = 16)
            THEN (SELECT greatest(max(id), 21) + 1 FROM categories) ELSE 16 END,
       'brand_ovrig', 'Brand', 'Skadegörelse', 2.0
WHERE EXISTS (SELECT 1 FROM categories) AND NOT EXISTS (SELECT 1 FROM categories WHERE code = 'brand_ovrig');

INSERT INTO categories
SELECT CASE WHEN EXISTS (SELECT 1 FROM categories WHERE id = 17)
            THEN (SELECT greatest(max(id), 21) + 1 FROM categories) ELSE 17 END,
       'mord_drap', 'Mord eller dråp', 'Våld', 25.0
WHERE EXISTS (SELECT 1 FROM categories) AND NOT EXISTS (SELECT 1 FROM categories WHERE code = 'mord_drap');

INSERT INTO categories
SELECT CASE WHEN EXISTS (SELECT 1 FROM categories WHERE id = 18)
            THEN (SELECT greatest(max(id), 21) + 1 FROM categories) ELSE 18 END,
       'vapenbrott', 'Vapenbrott', 'Vapen', 4.0
WHERE EXISTS (SELECT 1 FROM categories) AND NOT EXISTS (SELECT 1 FROM categories WHERE code = 'vapenbrott');

INSERT INTO categories
SELECT CASE WHEN EXISTS (SELECT 1 FROM categories WHERE id = 19)
            THEN (SELECT greatest(max(id), 21) + 1 FROM categories) ELSE 19 END,
       'rattfylleri', 'Rattfylleri', 'ANDTS', 3.0
WHERE EXISTS (SELECT 1 FROM categories) AND NOT EXISTS (SELECT 1 FROM categories WHERE code = 'rattfylleri');

INSERT INTO categories
SELECT CASE WHEN EXISTS (SELECT 1 FROM categories WHERE id = 20)
            THEN (SELECT greatest(max(id), 21) + 1 FROM categories) ELSE 20 END,
       'alkohol', 'Alkoholbrott', 'ANDTS', 1.0
WHERE EXISTS (SELECT 1 FROM categories) AND NOT EXISTS (SELECT 1 FROM categories WHERE code = 'alkohol');

INSERT INTO categories
SELECT CASE WHEN EXISTS (SELECT 1 FROM categories WHERE id = 21)
            THEN (SELECT greatest(max(id), 21) + 1 FROM categories) ELSE 21 END,
       'sexualbrott', 'Sexualbrott', 'Våld', 8.0
WHERE EXISTS (SELECT 1 FROM categories) AND NOT EXISTS (SELECT 1 FROM categories WHERE code = 'sexualbrott');

-- Narcotics, drink-driving and alcohol offences are one prevention field, ANDTS (alcohol, narcotics, doping,
-- tobacco, gambling): the group is renamed, with any category the coordinator had put in it.
UPDATE categories SET category_group = 'ANDTS' WHERE category_group = 'Narkotika';
