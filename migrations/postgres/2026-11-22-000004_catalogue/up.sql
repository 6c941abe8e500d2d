-- The catalogue: a Bayesian rating score kept on the course row, indexes for
-- every filter and sort, and the search index (tsvector 'simple' with a GIN
-- index, over text where CJK runs are written as bigrams and single characters).
ALTER TABLE courses ADD COLUMN rating_score BIGINT NOT NULL DEFAULT 0;

CREATE INDEX courses_state_learners ON courses (state, learners_count, id);
CREATE INDEX courses_state_rating ON courses (state, rating_score, id);
CREATE INDEX courses_state_price ON courses (state, price_cents, id);
CREATE INDEX courses_state_level ON courses (state, level, learners_count);
CREATE INDEX courses_state_format ON courses (state, format, learners_count);
CREATE INDEX courses_category_learners ON courses (category_id, state, learners_count);

CREATE TABLE course_search (
    course_id BIGINT PRIMARY KEY REFERENCES courses (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    document TSVECTOR NOT NULL
);
CREATE INDEX course_search_document ON course_search USING GIN (document);
