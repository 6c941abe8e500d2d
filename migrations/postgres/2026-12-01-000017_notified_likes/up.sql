-- Notifications (issue 16): who has been told of as liking a post, once
-- per member and post, so that unliking and liking again never tells the
-- author twice (a batched like notification names only its newest liker).
CREATE TABLE notified_likes (
    post_id BIGINT NOT NULL REFERENCES posts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
