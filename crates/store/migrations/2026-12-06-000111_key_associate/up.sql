-- An associate's own key (issue #12): it reads that associate's worklist
-- and figures, not their colleagues'. NULL: a key not tied to one person.
ALTER TABLE api_keys ADD COLUMN associate_id uuid REFERENCES associates (id);
