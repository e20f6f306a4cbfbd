-- The programme's RFM settings (one row): the window, the recency bands,
-- how frequency and monetary are scored, New Customers' days. No row means
-- the defaults (docs/segments.md). Each save bumps `version`; each refresh
-- stores the settings it scored by in `segment_runs.config`.
CREATE TABLE segment_settings (
    id         int2 PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    config     jsonb NOT NULL,
    version    int4 NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text
);
