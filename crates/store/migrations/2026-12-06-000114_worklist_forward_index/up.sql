-- The worklist read takes an associate's entries of a day that are put
-- forward, most valuable first, a page at a time: an index of just those,
-- in that order, lets it stop after the page (the index it replaces also
-- held the entries kept only for their details, so each read sorted the
-- associate's whole book).
CREATE INDEX worklist_entries_forward_idx ON worklist_entries (associate_id, as_of, clv DESC NULLS LAST, customer_id)
    WHERE put_forward;
DROP INDEX worklist_entries_rank_idx;
