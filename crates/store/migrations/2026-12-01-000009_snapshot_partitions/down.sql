CREATE TABLE segment_snapshots_unpartitioned (LIKE segment_snapshots INCLUDING ALL);
INSERT INTO segment_snapshots_unpartitioned SELECT * FROM segment_snapshots;
DROP TABLE segment_snapshots;
ALTER TABLE segment_snapshots_unpartitioned RENAME TO segment_snapshots;
