-- The catalogue: a Bayesian rating score kept on the course row, indexes for
-- every filter and sort, and the search index (FTS5, unicode61 tokenizer, over
-- text where CJK runs are written as bigrams and single characters).
ALTER TABLE courses ADD COLUMN rating_score BIGINT NOT NULL DEFAULT 0;

-- One index per sort, each covering every filter: a filtered, sorted page is
-- read from the index in order and stops at the page's end; counts read no rows.
CREATE INDEX courses_catalogue_popular ON courses (state, learners_count, id, category_id, level, format, price_cents);
CREATE INDEX courses_catalogue_newest ON courses (state, published_at, id, category_id, level, format, price_cents);
CREATE INDEX courses_catalogue_rating ON courses (state, rating_score, id, category_id, level, format, price_cents);
CREATE INDEX courses_catalogue_price ON courses (state, price_cents, id, category_id, level, format);
-- A category's page, filtered further.
CREATE INDEX courses_catalogue_category ON courses (category_id, state, learners_count, id, level, format, price_cents);

CREATE VIRTUAL TABLE course_search USING fts5(title, body, tokenize = 'unicode61');
