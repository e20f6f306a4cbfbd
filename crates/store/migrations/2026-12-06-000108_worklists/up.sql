-- The associate's worklist (issue #12): the daily build writes, per
-- associate and day, each client put forward with the reasons found in
-- their facts; the read adds the follow-ups due and leaves out the clients
-- reached lately. A build is recorded even when it found nobody, so the
-- read knows the day was built.
CREATE TABLE worklist_builds (
    associate_id uuid NOT NULL REFERENCES associates (id),
    as_of date NOT NULL,
    built_at timestamptz NOT NULL,
    clients integer NOT NULL,
    entries integer NOT NULL,
    PRIMARY KEY (associate_id, as_of)
);

CREATE TABLE worklist_entries (
    associate_id uuid NOT NULL,
    as_of date NOT NULL,
    customer_id uuid NOT NULL,
    clv numeric,
    reasons jsonb NOT NULL,
    PRIMARY KEY (associate_id, as_of, customer_id),
    FOREIGN KEY (associate_id, as_of) REFERENCES worklist_builds (associate_id, as_of) ON DELETE CASCADE
);

-- The read: an associate's day, by value at stake.
CREATE INDEX worklist_entries_rank_idx ON worklist_entries (associate_id, as_of, clv DESC NULLS LAST, customer_id);

-- Contacts the worklist counts: what an associate did with the client.
CREATE INDEX interactions_contact_idx ON interactions (customer_id, at)
    WHERE kind IN ('visit', 'call', 'message', 'appointment');
CREATE INDEX follow_ups_done_idx ON follow_ups (customer_id, done_at) WHERE status = 'done';
