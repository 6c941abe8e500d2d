ALTER TABLE enrollments DROP COLUMN order_id;
DROP TABLE sandbox_charges;
DROP TABLE refunds;
DROP TABLE payment_events;
DROP TABLE payments;
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE cart_items;
