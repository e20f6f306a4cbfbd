ALTER TABLE worklist_entries DROP COLUMN details;
