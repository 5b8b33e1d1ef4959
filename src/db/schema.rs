//! One schema for both backends: only portable SQL types.

diesel::table! {
    associations (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        search_text -> Text,
        level -> Text,
        parent_id -> Nullable<Text>,
        path -> Text,
        depth -> Integer,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        chair_name -> Nullable<Text>,
        founded_on -> Nullable<Date>,
        dissolved_on -> Nullable<Date>,
        successor_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        name -> Text,
        role -> Text,
        association_id -> Nullable<Text>,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_token_id -> Nullable<Text>,
        actor_name -> Text,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        version_before -> Nullable<BigInt>,
        version_after -> Nullable<BigInt>,
        request_id -> Nullable<Text>,
        scope_path -> Nullable<Text>,
        detail -> Nullable<Text>,
        actor_user_id -> Nullable<Text>,
    }
}

diesel::table! {
    changes (seq) {
        seq -> BigInt,
        resource_type -> Text,
        resource_id -> Text,
        op -> Text,
        version -> Nullable<BigInt>,
        changed_at -> Timestamp,
        scope_path -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (token_id, method, path, idempotency_key) {
        token_id -> Text,
        method -> Text,
        path -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        committed -> Bool,
        status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(api_tokens -> associations (association_id));

diesel::table! {
    criteria_sets (id) {
        id -> Text,
        code -> Text,
        edition -> Text,
        name -> Text,
        search_text -> Text,
        description -> Nullable<Text>,
        subject_kind -> Text,
        issued_by -> Nullable<Text>,
        legal_basis -> Nullable<Text>,
        status -> Text,
        valid_from -> Nullable<Integer>,
        valid_to -> Nullable<Integer>,
        scoring_method -> Text,
        bands -> Text,
        recognised_ratings -> Text,
        is_template -> Bool,
        published_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    criteria (id) {
        id -> Text,
        criteria_set_id -> Text,
        code -> Text,
        title -> Text,
        description -> Nullable<Text>,
        group_name -> Nullable<Text>,
        position -> Integer,
        max_score -> Integer,
        min_score -> Nullable<Integer>,
        required -> Bool,
        level -> Nullable<Integer>,
        evidence_hint -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        measure -> Nullable<Text>,
        threshold -> Nullable<Double>,
    }
}

diesel::joinable!(criteria -> criteria_sets (criteria_set_id));

diesel::table! {
    units (id) {
        id -> Text,
        code -> Nullable<Text>,
        name -> Text,
        search_text -> Text,
        kind -> Text,
        association_id -> Text,
        address -> Nullable<Text>,
        head_name -> Nullable<Text>,
        staff_count -> Nullable<Integer>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(units -> associations (association_id));

diesel::table! {
    communities (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        search_text -> Text,
        kind -> Text,
        association_id -> Text,
        household_count -> Nullable<Integer>,
        population -> Nullable<Integer>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(communities -> associations (association_id));

diesel::table! {
    clans (id) {
        id -> Text,
        name -> Text,
        search_text -> Text,
        association_id -> Text,
        community_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(clans -> associations (association_id));

diesel::table! {
    households (id) {
        id -> Text,
        code -> Text,
        head_name -> Text,
        search_text -> Text,
        association_id -> Text,
        address -> Nullable<Text>,
        member_count -> Nullable<Integer>,
        phone -> Nullable<Text>,
        clan_id -> Nullable<Text>,
        community_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(households -> associations (association_id));

diesel::table! {
    citizens (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        full_name -> Text,
        search_text -> Text,
        birth_year -> Nullable<Integer>,
        gender -> Nullable<Text>,
        association_id -> Text,
        occupation -> Nullable<Text>,
        phone -> Nullable<Text>,
        national_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(citizens -> associations (association_id));

diesel::table! {
    assessments (id) {
        id -> Text,
        criteria_set_id -> Text,
        subject_kind -> Text,
        subject_id -> Text,
        subject_association_id -> Text,
        period -> Integer,
        assessor_association_id -> Text,
        results -> Text,
        total_score -> Integer,
        max_score -> Integer,
        met_count -> Integer,
        required_met -> Bool,
        rating -> Text,
        recognised -> Bool,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        reviewed_at -> Nullable<Timestamp>,
        reviewer_note -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    yearly_stats (id) {
        id -> Text,
        association_id -> Text,
        year -> Integer,
        member_count -> BigInt,
        population -> Nullable<BigInt>,
        households -> Nullable<BigInt>,
        branch_count -> Nullable<BigInt>,
        fund_raised_vnd -> Nullable<BigInt>,
        scholarship_count -> Nullable<BigInt>,
        scholarship_value_vnd -> Nullable<BigInt>,
        note -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(yearly_stats -> associations (association_id));

diesel::table! {
    targets (id) {
        id -> Text,
        association_id -> Text,
        metric -> Text,
        year -> Integer,
        min_value -> Double,
        max_value -> Nullable<Double>,
        note -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(targets -> associations (association_id));

diesel::allow_tables_to_appear_in_same_query!(
    associations,
    communities,
    clans,
    households,
    api_tokens,
    audit_events,
    changes,
    idempotency_keys,
    criteria_sets,
    criteria,
    units,
    citizens,
    assessments,
    yearly_stats,
    targets,
    users,
    user_identities,
    webhooks,
    webhook_deliveries
);

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> Text,
        association_id -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        status -> Text,
        disabled_reason -> Nullable<Text>,
        cursor_seq -> BigInt,
        failures -> Integer,
        failing_since -> Nullable<Timestamp>,
        next_attempt_at -> Nullable<Timestamp>,
        redelivery_due -> Bool,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(webhooks -> associations (association_id));

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        seq -> BigInt,
        event_type -> Text,
        message_id -> Text,
        attempt -> Integer,
        outcome -> Text,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> Nullable<Integer>,
        attempted_at -> Nullable<Timestamp>,
        next_attempt_at -> Nullable<Timestamp>,
        redelivery -> Bool,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::table! {
    users (id) {
        id -> Text,
        name -> Text,
        search_text -> Text,
        email -> Nullable<Text>,
        role -> Text,
        association_id -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        user_id -> Text,
    }
}

diesel::joinable!(users -> associations (association_id));
diesel::joinable!(user_identities -> users (user_id));
