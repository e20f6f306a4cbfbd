-- When a lot's holder was told its points are about to expire
-- (`points.expiring` event), so each lot is announced once.
ALTER TABLE points_lots ADD COLUMN expiry_notified_at timestamptz;
CREATE INDEX points_lots_notice_idx ON points_lots (expires_on) WHERE remaining > 0 AND expiry_notified_at IS NULL;
