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
