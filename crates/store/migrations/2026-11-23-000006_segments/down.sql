DROP TABLE segment_snapshots;
DROP TABLE segment_runs;
