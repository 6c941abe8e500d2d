-- Checkout: carts, orders with their items (amounts per item, so that
-- discounts, points and refunds fit later), payments with the provider,
-- the provider's events (one row each: the key that makes fulfilment happen
-- once), refunds, the sandbox provider's own charges. Enrollments remember
-- the order that bought them.
CREATE TABLE cart_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, course_id)
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal_cents BIGINT NOT NULL,
    discount_cents BIGINT NOT NULL DEFAULT 0,
    total_cents BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    paid_late BOOLEAN NOT NULL DEFAULT 0,
    expires_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX orders_user ON orders (user_id, id);
CREATE INDEX orders_state ON orders (state, created_at);
CREATE INDEX orders_created ON orders (created_at);
CREATE INDEX orders_paid ON orders (paid_at);

CREATE TABLE order_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    title TEXT NOT NULL,
    list_price_cents BIGINT NOT NULL,
    discount_cents BIGINT NOT NULL DEFAULT 0,
    paid_cents BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'active',
    UNIQUE (order_id, course_id)
);
CREATE INDEX order_items_course ON order_items (course_id);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    provider TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    state TEXT NOT NULL,
    failure TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (provider, provider_ref)
);
CREATE INDEX payments_order ON payments (order_id);

CREATE TABLE payment_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    payment_id BIGINT REFERENCES payments (id),
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    UNIQUE (provider, event_id)
);
CREATE INDEX payment_events_payment ON payment_events (payment_id);

CREATE TABLE refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    amount_cents BIGINT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX refunds_order ON refunds (order_id);

CREATE TABLE sandbox_charges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    payment_id BIGINT NOT NULL REFERENCES payments (id),
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    state TEXT NOT NULL,
    refunded_cents BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

ALTER TABLE enrollments ADD COLUMN order_id BIGINT REFERENCES orders (id);
