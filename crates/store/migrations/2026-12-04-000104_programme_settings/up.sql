-- Settings of the programme beyond the loyalty programme itself, one row
-- per area: `rfm` (the RFM window, bands and New Customers' days:
-- docs/segments.md) and `campaigns` (the frequency cap and quiet hours:
-- docs/campaigns.md). No row means the area's defaults. Each save bumps
-- `version` and is audited.
CREATE TABLE programme_settings (
    name       text PRIMARY KEY CHECK (name IN ('rfm', 'campaigns')),
    config     jsonb NOT NULL,
    version    int4 NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text
);
