ALTER TABLE worklist_entries DROP COLUMN put_forward;
