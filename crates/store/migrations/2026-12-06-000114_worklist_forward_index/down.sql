CREATE INDEX worklist_entries_rank_idx ON worklist_entries (associate_id, as_of, clv DESC NULLS LAST, customer_id);
DROP INDEX worklist_entries_forward_idx;
