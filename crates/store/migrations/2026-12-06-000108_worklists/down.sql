DROP INDEX follow_ups_done_idx;
DROP INDEX interactions_contact_idx;
DROP TABLE worklist_entries;
DROP TABLE worklist_builds;
