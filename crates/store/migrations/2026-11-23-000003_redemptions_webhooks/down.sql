DROP INDEX outbox_pending_idx;
ALTER TABLE outbox DROP COLUMN fanned_out_at;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE redemption_keys;
DROP TABLE redemption_index;
DROP TABLE redemptions;
