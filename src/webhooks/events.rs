//! What a subscription wants and what it is sent: event types named after
//! the change feed (`unit.upsert`, `citizen.delete`), and each event as the
//! JSON body of a delivery.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::changes::api::{ChangeEvent, TYPES};
use crate::changes::model::ChangeRow;
use crate::error::FieldError;
use crate::msg;

/// The operations of the feed.
const OPS: [&str; 2] = ["upsert", "delete"];

/// How the document names an event type.
#[derive(ToSchema)]
#[schema(
    value_type = String,
    max_length = 32,
    example = "unit.*",
    pattern = r"^(\*|(association|criteria_set|criterion|unit|citizen|community|clan|household|assessment|yearly_stats|target)\.(\*|upsert|delete))$"
)]
pub struct EventTypeName(#[allow(dead_code)] String);

/// The event types a subscription wants: `*` (all), `<type>.*` or
/// `<type>.<op>`, kept in the order given without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes(Vec<String>);

impl EventTypes {
    pub fn all() -> Self {
        EventTypes(vec!["*".to_owned()])
    }

    /// The types as sent by a client; 422 on `pointer` for any the feed
    /// does not have.
    pub fn parse(pointer: &str, sent: &[String]) -> Result<Self, Vec<FieldError>> {
        let mut kept: Vec<String> = Vec::new();
        let mut errors = Vec::new();
        if sent.is_empty() {
            errors.push(FieldError::new(
                pointer,
                "EMPTY",
                msg!("webhook-events-empty"),
            ));
        }
        for (i, name) in sent.iter().enumerate() {
            let name = name.trim();
            if Self::known(name) {
                if !kept.iter().any(|k| k == name) {
                    kept.push(name.to_owned());
                }
            } else {
                errors.push(FieldError::new(
                    format!("{pointer}/{i}"),
                    "UNKNOWN_EVENT_TYPE",
                    msg!("webhook-event-unknown", sent = name),
                ));
            }
        }
        if errors.is_empty() {
            Ok(EventTypes(kept))
        } else {
            Err(errors)
        }
    }

    fn known(name: &str) -> bool {
        if name == "*" {
            return true;
        }
        match name.split_once('.') {
            Some((resource_type, op)) => {
                TYPES.contains(&resource_type) && (op == "*" || OPS.contains(&op))
            }
            None => false,
        }
    }

    /// As stored: the names joined by commas.
    pub fn stored(text: &str) -> Self {
        EventTypes(
            text.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    pub fn to_stored(&self) -> String {
        self.0.join(",")
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// Whether an event of `resource_type` and `op` is wanted.
    pub fn wants(&self, resource_type: &str, op: &str) -> bool {
        self.0.iter().any(|name| {
            name == "*"
                || name
                    .split_once('.')
                    .is_some_and(|(t, o)| t == resource_type && (o == "*" || o == op))
        })
    }

    /// The resource types whose events may be wanted; empty for all.
    pub fn resource_types(&self) -> Vec<String> {
        if self.0.iter().any(|name| name == "*") {
            return Vec::new();
        }
        let mut types: Vec<String> = Vec::new();
        for (resource_type, _) in self.0.iter().filter_map(|name| name.split_once('.')) {
            if !types.iter().any(|t| t == resource_type) {
                types.push(resource_type.to_owned());
            }
        }
        types
    }
}

/// The event type of a change: `<type>.<op>`.
pub fn event_type(row: &ChangeRow) -> String {
    format!("{}.{}", row.resource_type, row.op)
}

/// The body of a delivery (the Standard Webhooks payload structure).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "unit.upsert", "timestamp": "2026-12-06T08:30:00.125Z",
    "data": {"seq": "1042", "type": "unit", "op": "upsert", "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a70",
             "version": 3, "changed_at": "2026-12-06T08:30:00.125Z",
             "record": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a70", "name": "Trường THCS Báo Đáp",
                        "kind": "school", "association_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "version": 3}}
}))]
pub struct WebhookEvent {
    /// `<type>.<op>`: `unit.upsert`, `citizen.delete`, …
    #[serde(rename = "type")]
    #[schema(max_length = 64, example = "unit.upsert")]
    pub event_type: String,
    /// When the change was committed.
    pub timestamp: DateTime<Utc>,
    pub data: EventData,
}

/// The change, as the change feed tells it, and the record.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventData {
    #[serde(flatten)]
    pub change: ChangeEvent,
    /// The record as it is when the event is sent (its `version` may be
    /// later than the event's), as an integration token of the
    /// subscription's scope reads it: no personal data. Null after a
    /// delete, or when the record is gone or has left the scope since.
    #[schema(value_type = Option<Object>)]
    pub record: Option<Value>,
}

impl WebhookEvent {
    pub fn new(row: ChangeRow, record: Option<Value>) -> Self {
        WebhookEvent {
            event_type: event_type(&row),
            timestamp: row.changed_at.and_utc(),
            data: EventData {
                change: ChangeEvent::from(row),
                record,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(names: &[&str]) -> Result<EventTypes, Vec<FieldError>> {
        EventTypes::parse(
            "/event_types",
            &names.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn the_documented_pattern_names_every_type_of_the_feed() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(EventTypeName::schema()).unwrap();
        let pattern = schema["pattern"].as_str().unwrap();
        let named = pattern
            .split(['(', ')', '|'])
            .filter(|t| TYPES.contains(t))
            .count();
        assert_eq!(named, TYPES.len(), "{pattern}");
    }

    #[test]
    fn every_type_of_the_feed_has_a_reader_for_its_records() {
        let readers = crate::resource::readers::types();
        for resource_type in TYPES {
            assert!(readers.contains(&resource_type), "{resource_type}");
        }
        assert_eq!(readers.len(), TYPES.len());
    }

    #[test]
    fn event_types_are_the_feeds_types_and_ops() {
        let wanted = types(&["unit.*", "citizen.delete", "unit.*"]).unwrap();
        assert_eq!(wanted.names(), ["unit.*", "citizen.delete"]);
        assert!(wanted.wants("unit", "upsert") && wanted.wants("unit", "delete"));
        assert!(wanted.wants("citizen", "delete") && !wanted.wants("citizen", "upsert"));
        assert!(!wanted.wants("association", "upsert"));
        assert_eq!(wanted.resource_types(), ["unit", "citizen"]);
        assert!(types(&["*"]).unwrap().wants("target", "delete"));
        assert!(types(&["*"]).unwrap().resource_types().is_empty());
        let refused = types(&["unit.create", "token.*", "unit", "ok.*"]).unwrap_err();
        assert_eq!(refused.len(), 4);
        assert!(types(&[]).is_err());
        let stored = wanted.to_stored();
        assert_eq!(EventTypes::stored(&stored), wanted);
    }
}
