-- The number of published courses per combination of the catalogue's
-- filters (issue 14): a category or any (0), a level or any (''), a format
-- or any (''), free, paid or any (''), sixteen keys per published course
-- (eight without a category). The course write functions keep it in step
-- in their transaction (crate klearn-db, `catalogue_counts`); the catalogue
-- reads its totals here by primary key instead of counting courses.
CREATE TABLE catalogue_counts (
    category_id BIGINT NOT NULL,
    level TEXT NOT NULL,
    format TEXT NOT NULL,
    price TEXT NOT NULL,
    courses BIGINT NOT NULL,
    PRIMARY KEY (category_id, level, format, price)
);

INSERT INTO catalogue_counts (category_id, level, format, price, courses)
SELECT CASE WHEN kc.k = 1 THEN c.category_id ELSE 0 END,
       CASE WHEN kl.k = 1 THEN c.level ELSE '' END,
       CASE WHEN kf.k = 1 THEN c.format ELSE '' END,
       CASE WHEN kp.k = 0 THEN '' WHEN c.price_cents = 0 THEN 'free' ELSE 'paid' END,
       COUNT(*)
FROM courses c
CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) kc
CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) kl
CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) kf
CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) kp
WHERE c.state = 'published' AND (kc.k = 0 OR c.category_id IS NOT NULL)
GROUP BY 1, 2, 3, 4;
