DROP TABLE affinity_runs;
DROP TABLE affinity_rules;
