//! The schema, written by hand: one description that both backends' migrations agree with.

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        dedupe_key -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    uploads (id) {
        id -> BigInt,
        stored_name -> Text,
        original_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        purpose -> Text,
        owner_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        kind -> Text,
        slug -> Text,
        name_zh -> Text,
        name_en -> Text,
        description_zh -> Text,
        description_en -> Text,
        position -> Integer,
        created_at -> Timestamp,
        hidden -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        username_lower -> Text,
        email -> Text,
        email_lower -> Text,
        password_hash -> Text,
        display_name -> Text,
        bio -> Text,
        bio_html -> Text,
        avatar_upload_id -> Nullable<BigInt>,
        locale -> Text,
        email_verified_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        suspended_until -> Nullable<Timestamp>,
        suspension_reason -> Text,
        posts_count -> BigInt,
        likes_received -> BigInt,
        accepted_answers -> BigInt,
        followers_count -> BigInt,
        published_courses -> BigInt,
        course_learners -> BigInt,
        course_rating_sum -> BigInt,
        course_rating_count -> BigInt,
        points_balance -> BigInt,
        timezone -> Text,
        trust_level -> BigInt,
        silenced_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    member_activity (user_id) {
        user_id -> BigInt,
        trust_granted -> BigInt,
        threads_entered -> BigInt,
        posts_read -> BigInt,
        reading_seconds -> BigInt,
        days_visited -> BigInt,
        last_visit_on -> Nullable<Date>,
        likes_given -> BigInt,
        threads_replied -> BigInt,
        flags_agreed -> BigInt,
        flags_disagreed -> BigInt,
        digest_sent_on -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    thread_reads (user_id, thread_id) {
        user_id -> BigInt,
        thread_id -> BigInt,
        last_read_number -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    thread_watches (user_id, thread_id) {
        user_id -> BigInt,
        thread_id -> BigInt,
        level -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        actor_id -> Nullable<BigInt>,
        others_count -> BigInt,
        thread_id -> Nullable<BigInt>,
        post_id -> Nullable<BigInt>,
        course_id -> Nullable<BigInt>,
        order_id -> Nullable<BigInt>,
        detail -> Text,
        dedupe_key -> Text,
        email_state -> Text,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notified_likes (post_id, user_id) {
        post_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notification_settings (user_id, kind) {
        user_id -> BigInt,
        kind -> Text,
        email -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        post_id -> BigInt,
        thread_id -> BigInt,
        kind -> Text,
        state -> Text,
        flags_weight -> BigInt,
        resolved_by -> Nullable<BigInt>,
        resolution -> Text,
        resolved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    post_flags (id) {
        id -> BigInt,
        post_id -> BigInt,
        user_id -> BigInt,
        report_id -> BigInt,
        reason -> Text,
        note -> Text,
        weight -> BigInt,
        state -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_roles (id) {
        id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        granted_at -> Timestamp,
        granted_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    user_interests (id) {
        id -> BigInt,
        user_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<BigInt>,
        state -> Text,
        expires_at -> Timestamp,
        absolute_expires_at -> Timestamp,
        ip -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    email_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        new_email -> Nullable<Text>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rate_events (id) {
        id -> BigInt,
        bucket -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    security_events (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        kind -> Text,
        login -> Text,
        ip -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    courses (id) {
        id -> BigInt,
        owner_id -> BigInt,
        slug -> Text,
        title -> Text,
        subtitle -> Text,
        description -> Text,
        description_html -> Text,
        outcomes -> Text,
        outcomes_html -> Text,
        category_id -> Nullable<BigInt>,
        level -> Text,
        format -> Text,
        price_cents -> BigInt,
        currency -> Text,
        cover_upload_id -> Nullable<BigInt>,
        state -> Text,
        review_note -> Text,
        featured -> Bool,
        learners_count -> BigInt,
        rating_sum -> BigInt,
        rating_count -> BigInt,
        submitted_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        rating_score -> BigInt,
        rating_1 -> BigInt,
        rating_2 -> BigInt,
        rating_3 -> BigInt,
        rating_4 -> BigInt,
        rating_5 -> BigInt,
    }
}

diesel::table! {
    course_tags (id) {
        id -> BigInt,
        course_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    course_revisions (id) {
        id -> BigInt,
        course_id -> BigInt,
        title -> Text,
        subtitle -> Text,
        description -> Text,
        description_html -> Text,
        outcomes -> Text,
        outcomes_html -> Text,
        price_cents -> BigInt,
        state -> Text,
        review_note -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        cover_upload_id -> Nullable<BigInt>,
        tags -> Text,
    }
}

diesel::table! {
    chapters (id) {
        id -> BigInt,
        course_id -> BigInt,
        title -> Text,
        position -> Integer,
        hidden -> Bool,
        created_at -> Timestamp,
        approved -> Bool,
        pending_title -> Nullable<Text>,
    }
}

diesel::table! {
    lessons (id) {
        id -> BigInt,
        course_id -> BigInt,
        chapter_id -> BigInt,
        title -> Text,
        body -> Text,
        body_html -> Text,
        position -> Integer,
        free_preview -> Bool,
        duration_minutes -> Integer,
        media_upload_id -> Nullable<BigInt>,
        task_instructions -> Text,
        task_instructions_html -> Text,
        task_kind -> Nullable<Text>,
        hidden -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        approved -> Bool,
        task_due_days -> Nullable<Integer>,
        task_max_score -> Integer,
        task_required -> Bool,
    }
}

diesel::table! {
    lesson_revisions (id) {
        id -> BigInt,
        lesson_id -> BigInt,
        course_id -> BigInt,
        title -> Text,
        body -> Text,
        body_html -> Text,
        free_preview -> Bool,
        duration_minutes -> Integer,
        media_upload_id -> Nullable<BigInt>,
        task_instructions -> Text,
        task_instructions_html -> Text,
        task_kind -> Nullable<Text>,
        state -> Text,
        review_note -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        task_due_days -> Nullable<Integer>,
        task_max_score -> Integer,
        task_required -> Bool,
    }
}

diesel::table! {
    cart_items (id) {
        id -> BigInt,
        user_id -> BigInt,
        course_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        number -> Nullable<Text>,
        user_id -> BigInt,
        state -> Text,
        currency -> Text,
        subtotal_cents -> BigInt,
        discount_cents -> BigInt,
        total_cents -> BigInt,
        note -> Text,
        paid_late -> Bool,
        expires_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        coupon_id -> Nullable<BigInt>,
        points -> BigInt,
    }
}

diesel::table! {
    order_items (id) {
        id -> BigInt,
        order_id -> BigInt,
        course_id -> BigInt,
        title -> Text,
        list_price_cents -> BigInt,
        discount_cents -> BigInt,
        paid_cents -> BigInt,
        state -> Text,
        points -> BigInt,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        order_id -> BigInt,
        provider -> Text,
        provider_ref -> Text,
        amount_cents -> BigInt,
        currency -> Text,
        state -> Text,
        failure -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    payment_events (id) {
        id -> BigInt,
        provider -> Text,
        event_id -> Text,
        payment_id -> Nullable<BigInt>,
        kind -> Text,
        outcome -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    refunds (id) {
        id -> BigInt,
        order_id -> BigInt,
        payment_id -> BigInt,
        amount_cents -> BigInt,
        reason -> Text,
        state -> Text,
        provider_ref -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sandbox_charges (id) {
        id -> BigInt,
        reference -> Text,
        payment_id -> BigInt,
        amount_cents -> BigInt,
        currency -> Text,
        state -> Text,
        refunded_cents -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    generations (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    enrollments (id) {
        id -> BigInt,
        user_id -> BigInt,
        course_id -> BigInt,
        source -> Text,
        created_at -> Timestamp,
        order_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    lesson_progress (id) {
        id -> BigInt,
        user_id -> BigInt,
        lesson_id -> BigInt,
        course_id -> BigInt,
        first_opened_at -> Timestamp,
        last_opened_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    expert_applications (id) {
        id -> BigInt,
        user_id -> BigInt,
        state -> Text,
        real_name -> Text,
        headline -> Text,
        bio -> Text,
        bio_html -> Text,
        years -> BigInt,
        links -> Text,
        sample_outline -> Text,
        sample_outline_html -> Text,
        certified_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    expert_topics (id) {
        id -> BigInt,
        application_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    expert_evidence (id) {
        id -> BigInt,
        application_id -> BigInt,
        upload_id -> BigInt,
        position -> BigInt,
    }
}

diesel::table! {
    expert_steps (id) {
        id -> BigInt,
        application_id -> BigInt,
        from_state -> Text,
        to_state -> Text,
        note -> Text,
        actor_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    expert_follows (id) {
        id -> BigInt,
        follower_id -> BigInt,
        expert_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    threads (id) {
        id -> BigInt,
        category_id -> Nullable<BigInt>,
        course_id -> Nullable<BigInt>,
        author_id -> BigInt,
        title -> Text,
        slug -> Text,
        kind -> Text,
        state -> Text,
        pinned -> Bool,
        locked -> Bool,
        accepted_post_id -> Nullable<BigInt>,
        replies_count -> BigInt,
        likes_count -> BigInt,
        last_number -> BigInt,
        last_post_at -> Timestamp,
        last_poster_id -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    thread_tags (thread_id, tag) {
        thread_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        thread_id -> BigInt,
        number -> BigInt,
        author_id -> BigInt,
        reply_to -> Nullable<BigInt>,
        body -> Text,
        body_html -> Text,
        state -> Text,
        likes_count -> BigInt,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    post_revisions (id) {
        id -> BigInt,
        post_id -> BigInt,
        body -> Text,
        body_html -> Text,
        editor_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    post_likes (post_id, user_id) {
        post_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    catalogue_counts (category_id, level, format, price) {
        category_id -> BigInt,
        level -> Text,
        format -> Text,
        price -> Text,
        courses -> BigInt,
    }
}

diesel::table! {
    site_figures (name) {
        name -> Text,
        value -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reviews (id) {
        id -> BigInt,
        course_id -> BigInt,
        author_id -> BigInt,
        rating -> Integer,
        title -> Text,
        body -> Text,
        body_html -> Text,
        state -> Text,
        hidden_reason -> Text,
        hidden_by -> Nullable<BigInt>,
        helpful_count -> BigInt,
        reply_body -> Nullable<Text>,
        reply_body_html -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
        edited_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    review_votes (review_id, user_id) {
        review_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        lesson_id -> BigInt,
        course_id -> BigInt,
        learner_id -> BigInt,
        state -> Text,
        answer -> Text,
        answer_html -> Text,
        link -> Text,
        upload_id -> Nullable<BigInt>,
        attempts -> Integer,
        score -> Nullable<Integer>,
        feedback -> Text,
        feedback_html -> Text,
        graded_by -> Nullable<BigInt>,
        graded_at -> Nullable<Timestamp>,
        shared_thread_id -> Nullable<BigInt>,
        submitted_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    certificates (id) {
        id -> BigInt,
        code -> Text,
        learner_id -> BigInt,
        course_id -> BigInt,
        learner_name -> Text,
        course_title -> Text,
        expert_name -> Text,
        issued_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Text,
        revoked_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    feedback (id) {
        id -> BigInt,
        author_id -> Nullable<BigInt>,
        email -> Text,
        kind -> Text,
        page_url -> Text,
        body -> Text,
        body_html -> Text,
        state -> Text,
        note -> Text,
        decided_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    coupons (id) {
        id -> BigInt,
        code -> Text,
        code_lower -> Text,
        percent_off -> BigInt,
        amount_off_cents -> BigInt,
        min_spend_cents -> BigInt,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        max_uses -> Nullable<BigInt>,
        max_uses_per_user -> Nullable<BigInt>,
        expert_id -> Nullable<BigInt>,
        note -> Text,
        uses_count -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    coupon_courses (coupon_id, course_id) {
        coupon_id -> BigInt,
        course_id -> BigInt,
    }
}

diesel::table! {
    coupon_uses (id) {
        id -> BigInt,
        coupon_id -> BigInt,
        order_id -> BigInt,
        user_id -> BigInt,
        state -> Text,
        discount_cents -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    point_entries (id) {
        id -> BigInt,
        user_id -> BigInt,
        amount -> BigInt,
        reason -> Text,
        reference -> Text,
        entry_key -> Text,
        actor_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refund_requests (id) {
        id -> BigInt,
        order_id -> BigInt,
        user_id -> BigInt,
        reason -> Text,
        state -> Text,
        decision_note -> Text,
        decided_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refund_items (order_item_id) {
        refund_id -> BigInt,
        order_item_id -> BigInt,
        amount_cents -> BigInt,
        points -> BigInt,
    }
}

diesel::table! {
    earnings (id) {
        id -> BigInt,
        expert_id -> BigInt,
        course_id -> BigInt,
        order_item_id -> BigInt,
        kind -> Text,
        amount_cents -> BigInt,
        entry_key -> Text,
        available_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payouts (id) {
        id -> BigInt,
        expert_id -> BigInt,
        amount_cents -> BigInt,
        reference -> Text,
        request_key -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(reviews -> courses (course_id));
diesel::joinable!(reviews -> users (author_id));
diesel::joinable!(review_votes -> reviews (review_id));
diesel::joinable!(submissions -> lessons (lesson_id));
diesel::joinable!(submissions -> users (learner_id));
diesel::joinable!(certificates -> courses (course_id));
diesel::joinable!(certificates -> users (learner_id));
diesel::joinable!(thread_tags -> threads (thread_id));
diesel::joinable!(posts -> threads (thread_id));
diesel::joinable!(posts -> users (author_id));
diesel::joinable!(post_revisions -> posts (post_id));
diesel::joinable!(post_likes -> posts (post_id));
diesel::joinable!(member_activity -> users (user_id));
diesel::joinable!(thread_reads -> threads (thread_id));
diesel::joinable!(thread_watches -> threads (thread_id));
diesel::joinable!(reports -> posts (post_id));
diesel::joinable!(post_flags -> reports (report_id));
diesel::joinable!(courses -> users (owner_id));
diesel::joinable!(expert_applications -> users (user_id));
diesel::joinable!(expert_topics -> expert_applications (application_id));
diesel::joinable!(expert_evidence -> expert_applications (application_id));
diesel::joinable!(expert_evidence -> uploads (upload_id));
diesel::joinable!(expert_steps -> expert_applications (application_id));
diesel::joinable!(courses -> categories (category_id));
diesel::joinable!(course_tags -> courses (course_id));
diesel::joinable!(course_revisions -> courses (course_id));
diesel::joinable!(chapters -> courses (course_id));
diesel::joinable!(lessons -> chapters (chapter_id));
diesel::joinable!(lesson_revisions -> lessons (lesson_id));
diesel::joinable!(enrollments -> courses (course_id));
diesel::joinable!(cart_items -> courses (course_id));
diesel::joinable!(orders -> users (user_id));
diesel::joinable!(order_items -> orders (order_id));
diesel::joinable!(payments -> orders (order_id));
diesel::joinable!(coupon_courses -> coupons (coupon_id));
diesel::joinable!(coupon_courses -> courses (course_id));
diesel::joinable!(coupon_uses -> coupons (coupon_id));
diesel::joinable!(coupon_uses -> orders (order_id));
diesel::joinable!(point_entries -> users (user_id));
diesel::joinable!(refund_requests -> orders (order_id));
diesel::joinable!(refund_items -> refunds (refund_id));
diesel::joinable!(refund_items -> order_items (order_item_id));
diesel::joinable!(earnings -> courses (course_id));
diesel::joinable!(earnings -> order_items (order_item_id));
diesel::joinable!(payouts -> users (expert_id));
diesel::joinable!(enrollments -> users (user_id));
diesel::joinable!(lesson_progress -> lessons (lesson_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_interests -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(email_tokens -> users (user_id));
diesel::joinable!(security_events -> users (user_id));
diesel::joinable!(audit_log -> users (actor_id));

diesel::allow_tables_to_appear_in_same_query!(
    member_activity,
    thread_reads,
    thread_watches,
    notifications,
    notification_settings,
    notified_likes,
    reports,
    post_flags,
    coupons,
    coupon_courses,
    coupon_uses,
    point_entries,
    refund_requests,
    refund_items,
    earnings,
    payouts,
    catalogue_counts,
    site_figures,
    reviews,
    review_votes,
    submissions,
    certificates,
    feedback,
    threads,
    thread_tags,
    posts,
    post_revisions,
    post_likes,
    jobs,
    uploads,
    categories,
    users,
    user_roles,
    user_interests,
    sessions,
    email_tokens,
    rate_events,
    security_events,
    audit_log,
    courses,
    course_tags,
    course_revisions,
    chapters,
    lessons,
    lesson_revisions,
    generations,
    cart_items,
    orders,
    order_items,
    payments,
    payment_events,
    refunds,
    sandbox_charges,
    enrollments,
    lesson_progress,
    expert_applications,
    expert_topics,
    expert_evidence,
    expert_steps,
    expert_follows,
);
