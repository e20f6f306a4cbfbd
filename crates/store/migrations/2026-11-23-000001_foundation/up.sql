-- Foundation: organisation, customers and their satellites, API keys, audit log.
--
-- Scale-out rules (SPEC §10), kept from this first migration on so the schema
-- can be distributed with Citus without rewriting:
--   * every table that belongs to a customer carries `customer_id`, and its
--     primary key and unique constraints include it (the distribution column);
--   * lookup keys that are not per customer (member number, phone, e-mail,
--     external id) live in index tables of their own mapping key -> customer;
--   * organisation tables (stores, associates) are small reference tables.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Reference tables ----------------------------------------------------------

CREATE TABLE stores (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    city        text,
    country     text NOT NULL,
    time_zone   text NOT NULL,
    currency    text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE associates (
    id          uuid PRIMARY KEY,
    store_id    uuid NOT NULL REFERENCES stores (id),
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL
);
CREATE INDEX associates_store_idx ON associates (store_id);

-- Customers (distribution column: customer_id) --------------------------------

CREATE SEQUENCE member_no_seq;

CREATE TABLE customers (
    customer_id           uuid PRIMARY KEY,
    member_no             text NOT NULL,
    name                  text,
    name_key              text,
    phones                text[] NOT NULL DEFAULT '{}',
    email                 text,
    gender                text,
    birthday              date,
    city                  text,
    region                text,
    country               text,
    address               text,
    education             text,
    occupation            text,
    preferences           jsonb NOT NULL DEFAULT '{}',
    sizes                 jsonb NOT NULL DEFAULT '{}',
    external_ids          jsonb NOT NULL DEFAULT '[]',
    home_store_id         uuid REFERENCES stores (id),
    associate_id          uuid REFERENCES associates (id),
    acquisition_channel   text,
    referrer_id           uuid,
    acquisition_cost      numeric(14, 2),
    acquisition_currency  text,
    joined_on             date NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    erased_at             timestamptz,
    merged_into           uuid,
    merged_at             timestamptz,
    CHECK ((acquisition_cost IS NULL) = (acquisition_currency IS NULL))
);
CREATE INDEX customers_home_store_idx ON customers (home_store_id, customer_id);
CREATE INDEX customers_associate_idx ON customers (associate_id, customer_id);
CREATE INDEX customers_name_trgm_idx ON customers USING gin (name gin_trgm_ops);
CREATE INDEX customers_name_birthday_idx ON customers (name_key, birthday) WHERE name_key IS NOT NULL;

CREATE TABLE customer_tags (
    customer_id  uuid NOT NULL REFERENCES customers (customer_id),
    name         text NOT NULL,
    kind         text NOT NULL,
    set_by       text NOT NULL,
    set_at       timestamptz NOT NULL,
    PRIMARY KEY (customer_id, name)
);
CREATE INDEX customer_tags_name_idx ON customer_tags (name, customer_id);

CREATE TABLE customer_consents (
    customer_id  uuid NOT NULL REFERENCES customers (customer_id),
    channel      text NOT NULL,
    granted      boolean NOT NULL,
    at           timestamptz NOT NULL,
    source       text NOT NULL,
    PRIMARY KEY (customer_id, channel)
);

CREATE TABLE important_dates (
    customer_id  uuid NOT NULL REFERENCES customers (customer_id),
    id           uuid NOT NULL,
    kind         text NOT NULL,
    relation     text NOT NULL,
    label        text,
    date         date NOT NULL,
    recurring    boolean NOT NULL,
    PRIMARY KEY (customer_id, id)
);

-- The timeline. `detail` holds the kind-specific part (direction, case status,
-- survey answer, ...); `status` and `resolved_at` are copied out of it for
-- complaints and service requests so open cases can be listed by SQL.
CREATE TABLE interactions (
    customer_id   uuid NOT NULL REFERENCES customers (customer_id),
    id            uuid NOT NULL,
    kind          text NOT NULL,
    at            timestamptz NOT NULL,
    store_id      uuid REFERENCES stores (id),
    associate_id  uuid REFERENCES associates (id),
    note          text,
    detail        jsonb NOT NULL,
    status        text,
    resolved_at   timestamptz,
    recorded_by   text NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (customer_id, id)
);
CREATE INDEX interactions_timeline_idx ON interactions (customer_id, at DESC, id DESC);

-- History of merges: the survivor keeps what the absorbed record was.
CREATE TABLE customer_merges (
    customer_id        uuid NOT NULL REFERENCES customers (customer_id),
    absorbed_id        uuid NOT NULL,
    absorbed_member_no text NOT NULL,
    merged_at          timestamptz NOT NULL,
    merged_by          uuid,
    absorbed_snapshot  jsonb NOT NULL,
    PRIMARY KEY (customer_id, absorbed_id)
);

-- Lookup keys (distributed by their own key, each maps to a customer) --------

CREATE TABLE member_numbers (
    member_no    text PRIMARY KEY,
    customer_id  uuid NOT NULL
);
CREATE INDEX member_numbers_customer_idx ON member_numbers (customer_id);

CREATE TABLE phone_index (
    phone        text NOT NULL,
    customer_id  uuid NOT NULL,
    PRIMARY KEY (phone, customer_id)
);
CREATE INDEX phone_index_customer_idx ON phone_index (customer_id);

CREATE TABLE email_index (
    email        text NOT NULL,
    customer_id  uuid NOT NULL,
    PRIMARY KEY (email, customer_id)
);
CREATE INDEX email_index_customer_idx ON email_index (customer_id);

CREATE TABLE external_id_index (
    system       text NOT NULL,
    value        text NOT NULL,
    customer_id  uuid NOT NULL,
    PRIMARY KEY (system, value)
);
CREATE INDEX external_id_index_customer_idx ON external_id_index (customer_id);

-- Access -------------------------------------------------------------------------

CREATE TABLE api_keys (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL,
    store_ids   uuid[],
    digest      bytea NOT NULL UNIQUE,
    prefix      text NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  uuid,
    revoked_at  timestamptz
);

-- Audit: who changed what, when, old -> new. Append-only. Rows about a
-- customer carry its customer_id (erasure redacts their `changes`).
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    key_id       uuid,
    key_name     text,
    role         text,
    request_id   text,
    action       text NOT NULL,
    entity       text NOT NULL,
    entity_id    text NOT NULL,
    customer_id  uuid,
    changes      jsonb NOT NULL
);
CREATE INDEX audit_log_customer_idx ON audit_log (customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);

-- Idempotency-Key on creating requests: the first response is stored and
-- replayed for a repeat with the same key and the same body.
CREATE TABLE idempotency_keys (
    key_id           uuid NOT NULL,
    idempotency_key  text NOT NULL,
    request_hash     bytea NOT NULL,
    status           smallint NOT NULL,
    body             jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
);
