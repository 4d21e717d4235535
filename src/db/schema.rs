// One schema for both backends: only types that SQLite and PostgreSQL share.
diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_label -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        object_label -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    catalog_record (id) {
        id -> Text,
        title_cs -> Text,
        title_en -> Nullable<Text>,
        description_cs -> Text,
        description_en -> Nullable<Text>,
        homepage -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        publisher_id -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    publishers (id) {
        id -> Text,
        slug -> Text,
        name_cs -> Text,
        name_en -> Nullable<Text>,
        kind -> Text,
        ico -> Nullable<Text>,
        rpp_iri -> Nullable<Text>,
        homepage -> Nullable<Text>,
        email -> Nullable<Text>,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    vocab_concepts (iri) {
        iri -> Text,
        scheme -> Text,
        code -> Text,
        label_cs -> Text,
        label_en -> Text,
        media_type -> Nullable<Text>,
        position -> Integer,
    }
}

diesel::table! {
    strategies (id) {
        id -> Text,
        slug -> Text,
        title_cs -> Text,
        title_en -> Nullable<Text>,
        description_cs -> Text,
        period_start -> Integer,
        period_end -> Integer,
        approving_body -> Nullable<Text>,
        document_title -> Nullable<Text>,
        publisher_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        on_track_band -> Double,
        at_risk_band -> Double,
        grace_days -> Integer,
        spatial_iri -> Nullable<Text>,
        report_cadence -> Text,
    }
}

diesel::table! {
    goals (id) {
        id -> Text,
        strategy_id -> Text,
        chapter -> Text,
        sc_code -> Nullable<Text>,
        position -> Integer,
        title_cs -> Text,
        title_en -> Nullable<Text>,
        description_cs -> Text,
        planned_start -> Nullable<Integer>,
        planned_end -> Nullable<Integer>,
        continues_after -> Bool,
        period_note_cs -> Nullable<Text>,
        period_note_en -> Nullable<Text>,
        owner -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    measures (id) {
        id -> Text,
        goal_id -> Text,
        position -> Integer,
        text_cs -> Text,
        text_en -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    datasets (id) {
        id -> Text,
        slug -> Text,
        publisher_id -> Text,
        status -> Text,
        title_cs -> Text,
        title_en -> Nullable<Text>,
        description_cs -> Text,
        description_en -> Nullable<Text>,
        frequency_iri -> Text,
        spatial_iri -> Text,
        temporal_start -> Nullable<Text>,
        temporal_end -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        documentation_url -> Nullable<Text>,
        is_example -> Bool,
        withdrawn_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        origin_iri -> Nullable<Text>,
        harvest_source_id -> Nullable<Text>,
        conforms_to -> Nullable<Text>,
        bbox_west -> Nullable<Double>,
        bbox_south -> Nullable<Double>,
        bbox_east -> Nullable<Double>,
        bbox_north -> Nullable<Double>,
    }
}

diesel::table! {
    harvest_sources (id) {
        id -> Text,
        location -> Text,
        publisher_id -> Text,
        created_at -> Timestamp,
        last_harvested_at -> Nullable<Timestamp>,
        last_report -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    dataset_themes (dataset_id, iri) {
        dataset_id -> Text,
        iri -> Text,
    }
}

diesel::table! {
    dataset_keywords (dataset_id, lang, keyword) {
        dataset_id -> Text,
        lang -> Text,
        keyword -> Text,
    }
}

diesel::table! {
    distributions (id) {
        id -> Text,
        dataset_id -> Text,
        position -> Integer,
        title_cs -> Text,
        title_en -> Nullable<Text>,
        download_url -> Nullable<Text>,
        access_url -> Text,
        media_type -> Text,
        format_iri -> Text,
        byte_size -> Nullable<BigInt>,
        licence_iri -> Nullable<Text>,
        tou_author_work -> Text,
        tou_db_author_work -> Text,
        tou_db_sui_generis -> Text,
        tou_personal_data -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        conforms_to -> Nullable<Text>,
        service_endpoint_url -> Nullable<Text>,
        service_description_url -> Nullable<Text>,
        service_conforms_to -> Nullable<Text>,
        managed_by -> Nullable<Text>,
        checksum_sha256 -> Nullable<Text>,
    }
}

diesel::table! {
    file_versions (id) {
        id -> Text,
        distribution_id -> Text,
        dataset_id -> Text,
        version -> Integer,
        sha256 -> Text,
        byte_size -> BigInt,
        media_type -> Text,
        file_name -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    gis_layers (id) {
        id -> Text,
        dataset_id -> Text,
        collection -> Text,
        version -> Integer,
        feature_set -> Text,
        source_name -> Text,
        source_crs -> Text,
        feature_count -> BigInt,
        bbox_west -> Double,
        bbox_south -> Double,
        bbox_east -> Double,
        bbox_north -> Double,
        fields -> Text,
        time_field -> Nullable<Text>,
        geojson_distribution_id -> Text,
        csv_distribution_id -> Text,
        service_distribution_id -> Text,
        is_example -> Bool,
        imported_at -> Timestamp,
        imported_by -> Nullable<Text>,
    }
}

diesel::table! {
    sensor_things (id) {
        id -> BigInt,
        publisher_id -> Text,
        dataset_id -> Nullable<Text>,
        name -> Text,
        description -> Text,
        properties -> Text,
        longitude -> Double,
        latitude -> Double,
        location_name -> Text,
        is_example -> Bool,
        accepted -> BigInt,
        duplicates -> BigInt,
        rejected -> BigInt,
        flagged -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sensor_datastreams (id) {
        id -> BigInt,
        thing_id -> BigInt,
        name -> Text,
        description -> Text,
        property_uri -> Text,
        property_name -> Text,
        unit_ucum -> Text,
        unit_symbol -> Text,
        unit_name -> Text,
        sensor_name -> Text,
        sensor_metadata -> Text,
        valid_min -> Nullable<Double>,
        valid_max -> Nullable<Double>,
        alert_above -> Nullable<Double>,
        alert_below -> Nullable<Double>,
        expected_interval_s -> Nullable<BigInt>,
        observation_count -> BigInt,
        first_time -> Nullable<BigInt>,
        last_time -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sensor_tokens (id) {
        id -> Text,
        thing_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sensor_observations (datastream, time) {
        datastream -> BigInt,
        time -> BigInt,
        value -> Double,
        quality -> SmallInt,
    }
}

diesel::table! {
    sensor_latest (datastream) {
        datastream -> BigInt,
        time -> BigInt,
        value -> Double,
        quality -> SmallInt,
    }
}

diesel::table! {
    sensor_rollups (datastream, span, bucket) {
        datastream -> BigInt,
        span -> SmallInt,
        bucket -> BigInt,
        n -> BigInt,
        total -> Double,
        min_value -> Double,
        max_value -> Double,
    }
}

diesel::table! {
    sensor_hour_counts (datastream, hour) {
        datastream -> BigInt,
        hour -> BigInt,
        n -> BigInt,
    }
}

diesel::table! {
    gis_features (feature_set, fid) {
        feature_set -> Text,
        fid -> BigInt,
        geometry -> Text,
        properties -> Text,
        min_x -> Double,
        min_y -> Double,
        max_x -> Double,
        max_y -> Double,
        time_start -> Nullable<BigInt>,
        time_end -> Nullable<BigInt>,
    }
}

diesel::table! {
    data_tables (id) {
        id -> Text,
        distribution_id -> Text,
        file_version -> Integer,
        sheet -> Integer,
        sheet_name -> Nullable<Text>,
        table_name -> Text,
        fields -> Text,
        row_count -> BigInt,
        encoding -> Nullable<Text>,
        delimiter -> Nullable<Text>,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    user_publishers (user_id, publisher_id) {
        user_id -> Text,
        publisher_id -> Text,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(goals -> strategies (strategy_id));
diesel::joinable!(measures -> goals (goal_id));
diesel::joinable!(datasets -> publishers (publisher_id));
diesel::joinable!(dataset_themes -> datasets (dataset_id));
diesel::joinable!(dataset_keywords -> datasets (dataset_id));
diesel::joinable!(distributions -> datasets (dataset_id));
diesel::joinable!(user_publishers -> users (user_id));
diesel::joinable!(user_publishers -> publishers (publisher_id));

diesel::table! {
    security_events (id) {
        id -> Text,
        at -> Timestamp,
        kind -> Text,
        user_id -> Nullable<Text>,
        account -> Text,
        ip -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    view_positions (name) {
        name -> Text,
        seq -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    projects (id) {
        id -> Text,
        strategy_id -> Text,
        code -> Text,
        title_cs -> Text,
        title_en -> Nullable<Text>,
        description_cs -> Text,
        guarantor -> Text,
        funding -> Text,
        budget_czk -> Nullable<BigInt>,
        planned_start -> Nullable<Text>,
        planned_end -> Nullable<Text>,
        actual_start -> Nullable<Text>,
        actual_end -> Nullable<Text>,
        weight -> Double,
        state -> Text,
        suspended_from -> Nullable<Text>,
        progress -> Integer,
        health -> Nullable<Text>,
        spent_czk -> Nullable<BigInt>,
        reported_at -> Nullable<Timestamp>,
        is_example -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_measures (project_id, measure_id) {
        project_id -> Text,
        measure_id -> Text,
    }
}

diesel::table! {
    project_members (project_id, user_id) {
        project_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    kpis (id) {
        id -> Text,
        code -> Text,
        goal_id -> Nullable<Text>,
        project_id -> Nullable<Text>,
        name_cs -> Text,
        name_en -> Nullable<Text>,
        unit -> Text,
        direction -> Text,
        method -> Text,
        frequency -> Text,
        baseline_value -> Double,
        baseline_year -> Integer,
        method_note_cs -> Text,
        source -> Text,
        is_example -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    kpi_targets (kpi_id, year) {
        kpi_id -> Text,
        year -> Integer,
        value -> Double,
    }
}

diesel::table! {
    kpi_members (kpi_id, user_id) {
        kpi_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    measurements (id) {
        id -> Text,
        kpi_id -> Text,
        period_start -> Text,
        period_end -> Text,
        value -> Double,
        state -> Text,
        supersedes -> Nullable<Text>,
        superseded_by -> Nullable<Text>,
        source -> Text,
        note -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
        submitted_by -> Nullable<Text>,
        verified_by -> Nullable<Text>,
        is_example -> Bool,
    }
}

diesel::table! {
    reporting_periods (id) {
        id -> Text,
        strategy_id -> Text,
        period_start -> Text,
        period_end -> Text,
        due -> Text,
    }
}

diesel::table! {
    status_reports (id) {
        id -> Text,
        project_id -> Text,
        period_id -> Text,
        version -> Integer,
        state -> Text,
        project_state -> Text,
        progress -> Integer,
        health -> Text,
        health_reason -> Nullable<Text>,
        actual_start -> Nullable<Text>,
        actual_end -> Nullable<Text>,
        spent_czk -> Nullable<BigInt>,
        risks -> Nullable<Text>,
        next_steps -> Nullable<Text>,
        asks -> Nullable<Text>,
        author_id -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        is_example -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(projects -> strategies (strategy_id));
diesel::joinable!(project_measures -> projects (project_id));
diesel::joinable!(project_measures -> measures (measure_id));
diesel::joinable!(project_members -> projects (project_id));
diesel::joinable!(project_members -> users (user_id));
diesel::joinable!(kpis -> goals (goal_id));
diesel::joinable!(kpis -> projects (project_id));
diesel::joinable!(kpi_targets -> kpis (kpi_id));
diesel::joinable!(kpi_members -> kpis (kpi_id));
diesel::joinable!(kpi_members -> users (user_id));
diesel::joinable!(measurements -> kpis (kpi_id));
diesel::joinable!(reporting_periods -> strategies (strategy_id));
diesel::joinable!(status_reports -> projects (project_id));
diesel::joinable!(status_reports -> reporting_periods (period_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sensor_hour_counts,
    file_versions,
    data_tables,
    gis_layers,
    gis_features,
    sensor_things,
    sensor_datastreams,
    sensor_tokens,
    sensor_observations,
    sensor_latest,
    sensor_rollups,
    user_roles,
    sessions,
    password_resets,
    api_tokens,
    audit_log,
    audit_head,
    catalog_record,
    publishers,
    vocab_concepts,
    strategies,
    goals,
    measures,
    datasets,
    dataset_themes,
    dataset_keywords,
    distributions,
    user_publishers,
    harvest_sources,
    security_events,
    view_positions,
    projects,
    project_measures,
    project_members,
    kpis,
    kpi_targets,
    kpi_members,
    measurements,
    reporting_periods,
    status_reports,
);
