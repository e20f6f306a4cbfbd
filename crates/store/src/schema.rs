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
        associate_id -> Nullable<Uuid>,
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

diesel::table! {
    fx_rates (currency, base_currency, valid_from) {
        currency -> Text,
        base_currency -> Text,
        valid_from -> Date,
        rate -> Numeric,
        set_at -> Timestamptz,
        set_by -> Nullable<Text>,
    }
}

diesel::table! {
    products (sku) {
        sku -> Text,
        name -> Nullable<Text>,
        category -> Nullable<Text>,
        collection -> Nullable<Text>,
        first_seen_at -> Timestamptz,
        last_seen_at -> Timestamptz,
    }
}

diesel::table! {
    order_keys (source, external_id) {
        source -> Text,
        external_id -> Text,
        customer_id -> Uuid,
        order_id -> Uuid,
    }
}

diesel::table! {
    order_index (order_id) {
        order_id -> Uuid,
        customer_id -> Uuid,
    }
}

diesel::table! {
    orders (customer_id, order_id) {
        customer_id -> Uuid,
        order_id -> Uuid,
        source -> Text,
        external_id -> Text,
        store_id -> Nullable<Uuid>,
        channel -> Text,
        ordered_at -> Timestamptz,
        currency -> Text,
        amount_paid -> Numeric,
        base_currency -> Text,
        fx_rate -> Numeric,
        amount_paid_base -> Numeric,
        payment_method -> Text,
        coupons -> Array<Text>,
        points_redeemed -> Int8,
        tier_at_order -> Nullable<Text>,
        points_earned -> Int8,
        growth_earned -> Int8,
        earning -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        business_date -> Date,
        associate_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    order_lines (customer_id, order_id, line_id) {
        customer_id -> Uuid,
        order_id -> Uuid,
        line_id -> Text,
        sku -> Text,
        name -> Nullable<Text>,
        category -> Nullable<Text>,
        collection -> Nullable<Text>,
        quantity -> Int4,
        unit_price -> Numeric,
        discount -> Numeric,
        paid -> Numeric,
        paid_base -> Numeric,
        points -> Int8,
        growth -> Int8,
        returned_quantity -> Int4,
        coupon_discount -> Numeric,
    }
}

diesel::table! {
    return_keys (source, external_id) {
        source -> Text,
        external_id -> Text,
        customer_id -> Uuid,
        return_id -> Uuid,
    }
}

diesel::table! {
    order_returns (customer_id, return_id) {
        customer_id -> Uuid,
        return_id -> Uuid,
        order_id -> Uuid,
        source -> Text,
        external_id -> Text,
        returned_at -> Timestamptz,
        lines -> Jsonb,
        amount_base -> Numeric,
        points_taken -> Int8,
        points_not_taken -> Int8,
        growth_taken -> Int8,
        created_at -> Timestamptz,
        points_owed -> Int8,
        refund_deduction_points -> Int8,
        refund_deduction_value -> Nullable<Numeric>,
    }
}

diesel::table! {
    loyalty_program (id) {
        id -> Int2,
        config -> Jsonb,
        version -> Int4,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Text>,
        tiers_evaluated_version -> Int4,
    }
}

diesel::table! {
    loyalty_accounts (customer_id) {
        customer_id -> Uuid,
        points_balance -> Int8,
        points_held -> Int8,
        points_owed -> Int8,
        growth_value -> Int8,
        tier -> Text,
        tier_state -> Jsonb,
        updated_at -> Timestamptz,
        opened_as_of -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    points_lots (customer_id, lot_id) {
        customer_id -> Uuid,
        lot_id -> Text,
        origin -> Jsonb,
        earned_at -> Timestamptz,
        earned_on -> Date,
        expires_on -> Nullable<Date>,
        original -> Int8,
        remaining -> Int8,
        held -> Int8,
        expiry_notified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    ledger (customer_id, entry_no) {
        customer_id -> Uuid,
        entry_no -> Int8,
        at -> Timestamptz,
        business_date -> Date,
        kind -> Text,
        points -> Int8,
        growth -> Int8,
        points_not_taken -> Int8,
        lot_id -> Nullable<Text>,
        source_kind -> Text,
        source -> Jsonb,
        reason -> Text,
        actor -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        event_type -> Text,
        customer_id -> Nullable<Uuid>,
        payload -> Jsonb,
        created_at -> Timestamptz,
        fanned_out_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    redemptions (customer_id, redemption_id) {
        customer_id -> Uuid,
        redemption_id -> Text,
        state -> Text,
        points -> Int8,
        reason -> Text,
        reserved_at -> Timestamptz,
        hold_until -> Timestamptz,
        closed_at -> Nullable<Timestamptz>,
        reservation -> Jsonb,
        source -> Nullable<Text>,
        external_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    redemption_index (redemption_id) {
        redemption_id -> Text,
        customer_id -> Uuid,
    }
}

diesel::table! {
    redemption_keys (source, external_id) {
        source -> Text,
        external_id -> Text,
        customer_id -> Uuid,
        redemption_id -> Text,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Uuid,
        url -> Text,
        secret -> Text,
        event_types -> Array<Text>,
        active -> Bool,
        description -> Nullable<Text>,
        created_at -> Timestamptz,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Int8,
        subscription_id -> Uuid,
        outbox_id -> Int8,
        event_type -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    segment_runs (as_of) {
        as_of -> Date,
        config -> Jsonb,
        bgnbd -> Nullable<Jsonb>,
        gamma_gamma -> Nullable<Jsonb>,
        model_error -> Nullable<Jsonb>,
        customers -> Int8,
        created_at -> Timestamptz,
        duration_ms -> Int8,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Uuid,
        name -> Text,
        spec -> Jsonb,
        status -> Text,
        store_scope -> Nullable<Array<Uuid>>,
        spent -> Numeric,
        created_by -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        launched_at -> Nullable<Timestamptz>,
        reached_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    campaign_contacts (campaign_id, customer_id, occurrence) {
        campaign_id -> Uuid,
        customer_id -> Uuid,
        occurrence -> Text,
        outcome -> Text,
        channel -> Text,
        at -> Timestamptz,
        cost -> Numeric,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Uuid,
        customer_id -> Uuid,
        associate_id -> Nullable<Uuid>,
        store_id -> Nullable<Uuid>,
        due_on -> Date,
        reason -> Text,
        campaign_id -> Nullable<Uuid>,
        occurrence -> Nullable<Text>,
        status -> Text,
        outcome -> Nullable<Text>,
        channel -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamptz,
        done_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    programme_settings (name) {
        name -> Text,
        config -> Jsonb,
        version -> Int4,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    segment_snapshots (customer_id, as_of) {
        customer_id -> Uuid,
        as_of -> Date,
        recency_days -> Int4,
        frequency -> Int4,
        monetary -> Numeric,
        r -> Int2,
        f -> Int2,
        m -> Int2,
        segment -> Text,
        first_purchase -> Date,
        last_purchase -> Date,
        repeat_purchases -> Int4,
        average_repeat_spend -> Numeric,
        expected_purchases -> Nullable<Numeric>,
        p_alive -> Nullable<Numeric>,
        expected_spend -> Nullable<Numeric>,
        clv -> Nullable<Numeric>,
    }
}

diesel::table! {
    worklist_builds (associate_id, as_of) {
        associate_id -> Uuid,
        as_of -> Date,
        built_at -> Timestamptz,
        clients -> Int4,
        entries -> Int4,
    }
}

diesel::table! {
    worklist_entries (associate_id, as_of, customer_id) {
        associate_id -> Uuid,
        as_of -> Date,
        customer_id -> Uuid,
        clv -> Nullable<Numeric>,
        reasons -> Jsonb,
        details -> Nullable<Jsonb>,
        put_forward -> Bool,
    }
}

diesel::table! {
    affinity_rules (level, basis, antecedent, consequent) {
        level -> Text,
        basis -> Text,
        antecedent -> Text,
        consequent -> Text,
        shared -> Int4,
        antecedent_count -> Int4,
        consequent_count -> Int4,
        baskets -> Int4,
    }
}

diesel::table! {
    affinity_runs (as_of) {
        as_of -> Date,
        window_from -> Date,
        window_to -> Date,
        min_shared -> Int4,
        rules -> Int4,
        duration_ms -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sales_days (store_id, business_date, customer_id, associate_id) {
        store_id -> Uuid,
        business_date -> Date,
        customer_id -> Uuid,
        associate_id -> Uuid,
        orders -> Int4,
        kept_orders -> Int4,
        gross -> Numeric,
        units -> Int8,
        refunds -> Numeric,
    }
}

diesel::table! {
    customer_first_orders (customer_id) {
        customer_id -> Uuid,
        first_day -> Date,
        second_day -> Nullable<Date>,
    }
}

diesel::table! {
    coupons (id) {
        id -> Uuid,
        name -> Text,
        campaign_id -> Nullable<Uuid>,
        definition -> Jsonb,
        created_at -> Timestamptz,
        created_by -> Text,
    }
}

diesel::table! {
    coupon_codes (code) {
        code -> Text,
        coupon_id -> Uuid,
        shown_as -> Text,
        customer_id -> Nullable<Uuid>,
        state -> Text,
        uses -> Int4,
        issued_at -> Timestamptz,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    rewards (id) {
        id -> Uuid,
        definition -> Jsonb,
        stock_left -> Nullable<Int4>,
        created_at -> Timestamptz,
        created_by -> Text,
    }
}

diesel::table! {
    reward_redemptions (redemption_id) {
        redemption_id -> Text,
        reward_id -> Uuid,
        customer_id -> Uuid,
        store_id -> Nullable<Uuid>,
        state -> Text,
        points -> Int8,
        unit_cost -> Numeric,
        created_at -> Timestamptz,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    entitlement_uses (id) {
        id -> Uuid,
        customer_id -> Uuid,
        benefit -> Text,
        used_on -> Date,
        used_at -> Timestamptz,
        store_id -> Nullable<Uuid>,
        source -> Nullable<Text>,
        external_id -> Nullable<Text>,
        created_by -> Text,
    }
}

diesel::table! {
    gift_offers (id) {
        id -> Uuid,
        name -> Text,
        campaign_id -> Nullable<Uuid>,
        definition -> Jsonb,
        valid_from -> Timestamptz,
        valid_to -> Timestamptz,
        created_at -> Timestamptz,
        created_by -> Text,
    }
}

diesel::table! {
    order_gifts (order_id, gift_offer_id) {
        order_id -> Uuid,
        gift_offer_id -> Uuid,
        customer_id -> Uuid,
        sku -> Text,
        name -> Text,
        quantity -> Int4,
        unit_cost -> Numeric,
        given_at -> Timestamptz,
    }
}

diesel::table! {
    points_offers (id) {
        id -> Uuid,
        name -> Text,
        campaign_id -> Nullable<Uuid>,
        definition -> Jsonb,
        valid_from -> Timestamptz,
        valid_to -> Timestamptz,
        created_at -> Timestamptz,
        created_by -> Text,
    }
}

diesel::table! {
    coupon_uses (code, customer_id, order_id) {
        code -> Text,
        customer_id -> Uuid,
        order_id -> Uuid,
        discount -> Numeric,
        used_at -> Timestamptz,
        released_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(coupon_codes -> coupons (coupon_id));
diesel::joinable!(coupon_uses -> coupon_codes (code));
diesel::joinable!(associates -> stores (store_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_deliveries -> outbox (outbox_id));
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
    fx_rates,
    products,
    order_keys,
    order_index,
    orders,
    order_lines,
    return_keys,
    order_returns,
    loyalty_program,
    loyalty_accounts,
    points_lots,
    ledger,
    outbox,
    redemptions,
    redemption_index,
    redemption_keys,
    webhook_subscriptions,
    webhook_deliveries,
    segment_runs,
    programme_settings,
    segment_snapshots,
    campaigns,
    campaign_contacts,
    follow_ups,
    worklist_builds,
    worklist_entries,
    affinity_rules,
    affinity_runs,
    sales_days,
    customer_first_orders,
    coupons,
    coupon_codes,
    coupon_uses,
    points_offers,
    gift_offers,
    order_gifts,
    entitlement_uses,
    rewards,
    reward_redemptions,
);
