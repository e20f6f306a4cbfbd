DROP INDEX IF EXISTS points_lots_member_open_idx;
