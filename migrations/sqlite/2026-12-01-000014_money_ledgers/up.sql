-- Money beyond the price (issue 15): coupons and their uses, the points
-- ledger with each member's balance kept in step, the coupon's and the
-- points' share of every order item, refund requests, which items a refund
-- gave back (an item is refunded once: its unique key), the experts'
-- earnings ledger and the payouts made from it. Every ledger row carries a
-- unique key, so that a retry or a second click never moves money twice.
CREATE TABLE coupons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    code_lower TEXT NOT NULL UNIQUE,
    percent_off BIGINT NOT NULL DEFAULT 0,
    amount_off_cents BIGINT NOT NULL DEFAULT 0,
    min_spend_cents BIGINT NOT NULL DEFAULT 0,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    max_uses BIGINT,
    max_uses_per_user BIGINT,
    expert_id BIGINT REFERENCES users (id),
    note TEXT NOT NULL DEFAULT '',
    uses_count BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE coupon_courses (
    coupon_id BIGINT NOT NULL REFERENCES coupons (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    PRIMARY KEY (coupon_id, course_id)
);

CREATE TABLE coupon_uses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    coupon_id BIGINT NOT NULL REFERENCES coupons (id),
    order_id BIGINT NOT NULL UNIQUE REFERENCES orders (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    discount_cents BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX coupon_uses_coupon ON coupon_uses (coupon_id, user_id, state);

ALTER TABLE orders ADD COLUMN coupon_id BIGINT REFERENCES coupons (id);
ALTER TABLE orders ADD COLUMN points BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_items ADD COLUMN points BIGINT NOT NULL DEFAULT 0;

ALTER TABLE users ADD COLUMN points_balance BIGINT NOT NULL DEFAULT 0;
CREATE TABLE point_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    amount BIGINT NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    entry_key TEXT NOT NULL UNIQUE,
    actor_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX point_entries_user ON point_entries (user_id, id);

CREATE TABLE refund_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    decision_note TEXT NOT NULL DEFAULT '',
    decided_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX refund_requests_one_open ON refund_requests (order_id) WHERE state = 'pending';
CREATE INDEX refund_requests_state ON refund_requests (state, created_at);

CREATE TABLE refund_items (
    refund_id BIGINT NOT NULL REFERENCES refunds (id),
    order_item_id BIGINT NOT NULL UNIQUE REFERENCES order_items (id),
    amount_cents BIGINT NOT NULL,
    points BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX refund_items_refund ON refund_items (refund_id);

CREATE TABLE earnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    expert_id BIGINT NOT NULL REFERENCES users (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    order_item_id BIGINT NOT NULL REFERENCES order_items (id),
    kind TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    entry_key TEXT NOT NULL UNIQUE,
    available_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX earnings_expert ON earnings (expert_id, available_at);
CREATE INDEX earnings_item ON earnings (order_item_id);

CREATE TABLE payouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    expert_id BIGINT NOT NULL REFERENCES users (id),
    amount_cents BIGINT NOT NULL,
    reference TEXT NOT NULL,
    request_key TEXT NOT NULL UNIQUE,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payouts_expert ON payouts (expert_id, id);
