DROP INDEX points_lots_notice_idx;
ALTER TABLE points_lots DROP COLUMN expiry_notified_at;
