//! Diesel table definitions, written to match `migrations/`.
// @generated-style file kept by hand: update together with the migrations.

diesel::table! {
    stores (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        city -> Nullable<Text>,
        country -> Text,
        time_zone -> Text,
        currency -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    associates (id) {
        id -> Uuid,
        store_id -> Uuid,
        code -> Text,
        name -> Text,
        active -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    customers (customer_id) {
        customer_id -> Uuid,
        member_no -> Text,
        name -> Nullable<Text>,
        name_key -> Nullable<Text>,
        phones -> Array<Text>,
        email -> Nullable<Text>,
        gender -> Nullable<Text>,
        birthday -> Nullable<Date>,
        city -> Nullable<Text>,
        region -> Nullable<Text>,
        country -> Nullable<Text>,
        address -> Nullable<Text>,
        education -> Nullable<Text>,
        occupation -> Nullable<Text>,
        preferences -> Jsonb,
        sizes -> Jsonb,
        external_ids -> Jsonb,
        home_store_id -> Nullable<Uuid>,
        associate_id -> Nullable<Uuid>,
        acquisition_channel -> Nullable<Text>,
        referrer_id -> Nullable<Uuid>,
        acquisition_cost -> Nullable<Numeric>,
        acquisition_currency -> Nullable<Text>,
        joined_on -> Date,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        erased_at -> Nullable<Timestamptz>,
        merged_into -> Nullable<Uuid>,
        merged_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    customer_tags (customer_id, name) {
        customer_id -> Uuid,
        name -> Text,
        kind -> Text,
        set_by -> Text,
        set_at -> Timestamptz,
    }
}

diesel::table! {
    customer_consents (customer_id, channel) {
        customer_id -> Uuid,
        channel -> Text,
        granted -> Bool,
        at -> Timestamptz,
        source -> Text,
    }
}

diesel::table! {
    important_dates (customer_id, id) {
        customer_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        relation -> Text,
        label -> Nullable<Text>,
        date -> Date,
        recurring -> Bool,
    }
}

diesel::table! {
    interactions (customer_id, id) {
        customer_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        at -> Timestamptz,
        store_id -> Nullable<Uuid>,
        associate_id -> Nullable<Uuid>,
        note -> Nullable<Text>,
        detail -> Jsonb,
        status -> Nullable<Text>,
        resolved_at -> Nullable<Timestamptz>,
        recorded_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    customer_merges (customer_id, absorbed_id) {
        customer_id -> Uuid,
        absorbed_id -> Uuid,
        absorbed_member_no -> Text,
        merged_at -> Timestamptz,
        merged_by -> Nullable<Uuid>,
        absorbed_snapshot -> Jsonb,
    }
}

diesel::table! {
    member_numbers (member_no) {
        member_no -> Text,
        customer_id -> Uuid,
    }
}

diesel::table! {
    phone_index (phone, customer_id) {
        phone -> Text,
        customer_id -> Uuid,
    }
}

diesel::table! {
    email_index (email, customer_id) {
        email -> Text,
        customer_id -> Uuid,
    }
}

diesel::table! {
    external_id_index (system, value) {
        system -> Text,
        value -> Text,
        customer_id -> Uuid,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        name -> Text,
        role -> Text,
        store_ids -> Nullable<Array<Uuid>>,
        digest -> Bytea,
        prefix -> Text,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        key_id -> Nullable<Uuid>,
        key_name -> Nullable<Text>,
        role -> Nullable<Text>,
        request_id -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        customer_id -> Nullable<Uuid>,
        changes -> Jsonb,
    }
}

diesel::table! {
    idempotency_keys (key_id, idempotency_key) {
        key_id -> Uuid,
        idempotency_key -> Text,
        request_hash -> Bytea,
        status -> Int2,
        body -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(associates -> stores (store_id));
diesel::joinable!(customer_tags -> customers (customer_id));
diesel::joinable!(customer_consents -> customers (customer_id));
diesel::joinable!(important_dates -> customers (customer_id));
diesel::joinable!(interactions -> customers (customer_id));

diesel::allow_tables_to_appear_in_same_query!(
    stores,
    associates,
    customers,
    customer_tags,
    customer_consents,
    important_dates,
    interactions,
    customer_merges,
    member_numbers,
    phone_index,
    email_index,
    external_id_index,
    api_keys,
    audit_log,
    idempotency_keys,
);
