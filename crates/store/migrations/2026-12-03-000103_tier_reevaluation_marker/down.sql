ALTER TABLE loyalty_program DROP COLUMN tiers_evaluated_version;
