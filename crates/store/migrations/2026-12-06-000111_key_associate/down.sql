ALTER TABLE api_keys DROP COLUMN associate_id;
