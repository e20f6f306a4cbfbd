-- The programme version whose tier table every member has been re-evaluated
-- under. A save bumps `version`; until the re-evaluation that follows it has
-- finished, `tiers_evaluated_version` stays behind and the loyalty job runs
-- it again (a failed background re-evaluation is retried, not forgotten).
ALTER TABLE loyalty_program ADD COLUMN tiers_evaluated_version int4 NOT NULL DEFAULT 0;
UPDATE loyalty_program SET tiers_evaluated_version = version;
