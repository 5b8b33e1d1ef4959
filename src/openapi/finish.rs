//! What the document gets after utoipa has collected it from the handlers,
//! so that client generators and fuzzers meet one type per thing and every
//! rule the server keeps. Each step is a rule over the whole document, not a
//! list of operations, so new operations follow it without being named here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};

use super::TEXT_FORMATS;
use crate::messages::Language;

/// Members the server leaves out when they are empty (`skip_serializing_if`
/// in their types): the only members of a response that are not `required`.
const SOMETIMES_OMITTED: [(&str, &str); 9] = [
    ("Problem", "instance"),
    ("Problem", "request_id"),
    ("Problem", "errors"),
    ("Problem", "report"),
    ("Citizen", "phone"),
    ("Citizen", "national_id"),
    ("User", "email"),
    ("AuditEvent", "detail"),
    ("Page_*", "total_size"),
];

/// The document clients get: inline copies of component schemas made
/// references, members always sent made required, the patterns of the text
/// formats, both PATCH content types, and links between operations.
pub fn finish(api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = serde_json::to_value(&api).expect("an OpenAPI document serialises");
    reference_copies(&mut doc);
    require_members_sent(&mut doc);
    add_text_patterns(&mut doc);
    parameters_are_uuids(&mut doc);
    rate_limited_operations(&mut doc);
    idempotent_posts(&mut doc);
    accept_json_patches(&mut doc);
    languages(&mut doc);
    binary_files(&mut doc);
    link_operations(&mut doc);
    serde_json::from_value(doc).expect("the finished document is an OpenAPI document")
}

fn schemas(doc: &Value) -> Map<String, Value> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// utoipa copies a schema in full where it is used as a generic argument
/// (`Page<Association>`) or inside a response (`Problem`); each copy becomes
/// a `$ref` to the component, so generators make one type of it.
fn reference_copies(doc: &mut Value) {
    let by_text: HashMap<String, String> = schemas(doc)
        .into_iter()
        .map(|(name, schema)| (schema.to_string(), name))
        .collect();
    fn walk(value: &mut Value, by_text: &HashMap<String, String>, own: Option<&str>) {
        if value.is_object() {
            if let Some(name) = by_text.get(&value.to_string()) {
                if Some(name.as_str()) != own {
                    *value = json!({"$ref": format!("#/components/schemas/{name}")});
                    return;
                }
            }
        }
        match value {
            Value::Object(map) => map.values_mut().for_each(|v| walk(v, by_text, None)),
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, by_text, None)),
            _ => {}
        }
    }
    let Some(root) = doc.as_object_mut() else {
        return;
    };
    for (key, value) in root.iter_mut() {
        if key != "components" {
            walk(value, &by_text, None);
        }
    }
    let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) else {
        return;
    };
    for (kind, entries) in components.iter_mut() {
        let Some(entries) = entries.as_object_mut() else {
            continue;
        };
        for (name, entry) in entries.iter_mut() {
            // A component is not replaced by a reference to itself.
            let own = (kind == "schemas").then_some(name.as_str());
            if let Value::Object(map) = entry {
                map.values_mut().for_each(|v| walk(v, &by_text, own));
            }
        }
    }
}

/// The names of the component schemas `value` refers to, transitively.
fn referenced(value: &Value, all: &Map<String, Value>, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                if let Some(name) = target.strip_prefix("#/components/schemas/") {
                    if found.insert(name.to_owned()) {
                        if let Some(schema) = all.get(name) {
                            referenced(schema, all, found);
                        }
                    }
                }
            }
            map.values().for_each(|v| referenced(v, all, found));
        }
        Value::Array(items) => items.iter().for_each(|v| referenced(v, all, found)),
        _ => {}
    }
}

/// The component schemas reached from requests, and from responses.
fn request_and_response_schemas(doc: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let all = schemas(doc);
    let (mut requests, mut responses) = (BTreeSet::new(), BTreeSet::new());
    for item in doc["paths"].as_object().into_iter().flat_map(Map::values) {
        for operation in item.as_object().into_iter().flat_map(Map::values) {
            referenced(&operation["requestBody"], &all, &mut requests);
            referenced(&operation["parameters"], &all, &mut requests);
            referenced(&operation["responses"], &all, &mut responses);
        }
    }
    referenced(&doc["components"]["responses"], &all, &mut responses);
    (requests, responses)
}

/// A schema only ever sent by the server lists every member it always sends
/// as `required` (nullable where it may be null), so generated clients type
/// them as present. Schemas also read from requests keep their optional members.
fn require_members_sent(doc: &mut Value) {
    let (requests, responses) = request_and_response_schemas(doc);
    let Some(all) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for name in responses.difference(&requests) {
        let Some(schema) = all.get_mut(name) else {
            continue;
        };
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        let omitted = |member: &str| {
            SOMETIMES_OMITTED.iter().any(|(schema, m)| {
                *m == member
                    && (schema == name
                        || schema
                            .strip_suffix('*')
                            .is_some_and(|prefix| name.starts_with(prefix)))
            })
        };
        let required: Vec<Value> = properties
            .keys()
            .filter(|member| !omitted(member))
            .map(|member| Value::String(member.clone()))
            .collect();
        schema["required"] = Value::Array(required);
    }
}

/// Every string of a text format carries the format's pattern, for the tools
/// that read patterns and not formats.
fn add_text_patterns(doc: &mut Value) {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                let pattern = map
                    .get("format")
                    .and_then(Value::as_str)
                    .and_then(|format| TEXT_FORMATS.iter().find(|f| f.name == format))
                    .map(|format| format.pattern);
                if let Some(pattern) = pattern {
                    map.entry("pattern").or_insert_with(|| json!(pattern()));
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(doc);
}

/// Every operation of the document (and a path item's other members, which
/// the rules pass over), to change in place.
fn operations_mut(doc: &mut Value) -> impl Iterator<Item = &mut Value> {
    doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
}

/// Ids in paths are UUIDs (`http::ids`), and so are the `…_id` filters of lists.
fn parameters_are_uuids(doc: &mut Value) {
    for operation in operations_mut(doc) {
        let Some(parameters) = operation["parameters"].as_array_mut() else {
            continue;
        };
        for parameter in parameters {
            let name = parameter["name"].as_str().unwrap_or_default();
            let is_id = match parameter["in"].as_str() {
                Some("path") => name == "id" || name.ends_with("_id"),
                Some("query") => name.ends_with("_id"),
                _ => false,
            };
            if is_id && parameter["schema"]["type"] == "string" {
                parameter["schema"]["format"] = json!("uuid");
            }
        }
    }
}

/// Every operation behind authentication counts against the token's rate
/// limit, where the operator set one.
fn rate_limited_operations(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for operation in paths
        .iter_mut()
        .filter(|(path, _)| path.starts_with("/api/v1/"))
        .filter_map(|(_, item)| item.as_object_mut())
        .flat_map(|item| item.values_mut())
    {
        if let Some(responses) = operation["responses"].as_object_mut() {
            responses.insert(
                "429".into(),
                json!({"$ref": "#/components/responses/TooManyRequests"}),
            );
        }
    }
}

/// Every POST behind authentication takes an `Idempotency-Key` (but the one
/// that issues tokens: its answer holds a secret that is never stored).
fn idempotent_posts(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (_, item) in paths
        .iter_mut()
        .filter(|(path, _)| path.starts_with("/api/v1/") && !path.ends_with("/tokens"))
    {
        let Some(post) = item.get_mut("post").and_then(Value::as_object_mut) else {
            continue;
        };
        let parameters = post.entry("parameters").or_insert_with(|| json!([]));
        if !parameters.is_array() {
            *parameters = json!([]);
        }
        if let Some(parameters) = parameters.as_array_mut() {
            parameters.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "A key of the client's (a UUID, say): a retry with the same key, query and body gets the first answer again, with `Idempotent-Replayed: true`, and the change is made once. Kept 72 hours, per token. The same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`; while the first request runs, 409 `IDEMPOTENCY_KEY_IN_FLIGHT` with `Retry-After`.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"},
                "example": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a99"
            }));
        }
        if let Some(responses) = post.get_mut("responses").and_then(Value::as_object_mut) {
            let refusals = [
                ("400", "BadRequest"),
                ("409", "Conflict"),
                ("422", "Unprocessable"),
            ];
            for (status, response) in refusals {
                responses.entry(status).or_insert_with(
                    || json!({"$ref": format!("#/components/responses/{response}")}),
                );
            }
        }
    }
}

/// A file for people (a workbook, a PNG chart, a printable PDF) is binary:
/// generated clients read it as bytes (a `Blob`), not as text.
fn binary_files(doc: &mut Value) {
    for operation in operations_mut(doc) {
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for content in responses
            .values_mut()
            .filter_map(|response| response.get_mut("content").and_then(Value::as_object_mut))
        {
            for (media_type, body) in content.iter_mut() {
                if media_type.starts_with("application/vnd.")
                    || ["image/png", "application/pdf"].contains(&media_type.as_str())
                {
                    body["schema"] = json!({"type": "string", "format": "binary"});
                }
            }
        }
    }
}

/// Every operation answers its refusals in the language `Accept-Language`
/// asks for, and every problem response says which (`Content-Language`).
fn languages(doc: &mut Value) {
    let offered: Vec<&str> = Language::ALL.iter().map(|l| l.tag()).collect();
    doc["components"]["parameters"]["AcceptLanguage"] = json!({
        "name": "Accept-Language", "in": "header", "required": false,
        "description": format!(
            "The language of the answer's sentences (a problem's `title`, `detail` and each \
             field error's `detail`), negotiated by weight (RFC 9110): {}. Anything else, or no \
             header, is English. Codes (`code`, a field error's `code`, `type`) never change \
             with the language: programs branch on them, people read the sentences.",
            offered.join(", ")
        ),
        // Any value is read (what cannot be read asks for nothing): no
        // length or pattern a request could be refused for.
        "schema": {"type": "string"},
        "example": "vi"
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (_, item) in paths
            .iter_mut()
            .filter(|(path, _)| path.starts_with("/api/v1/"))
        {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (_, operation) in item.iter_mut().filter(|(method, _)| {
                ["get", "post", "put", "patch", "delete"].contains(&method.as_str())
            }) {
                let parameters = operation
                    .as_object_mut()
                    .map(|o| o.entry("parameters").or_insert_with(|| json!([])));
                if let Some(parameters) = parameters.and_then(Value::as_array_mut) {
                    parameters.push(json!({"$ref": "#/components/parameters/AcceptLanguage"}));
                }
            }
        }
    }
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for response in responses.values_mut() {
            response["headers"]["Content-Language"] = json!({
                "description": format!("The language the sentences are in: {}", offered.join(" or ")),
                "schema": {"type": "string", "enum": offered}
            });
        }
    }
}

/// PATCH reads a merge patch sent as `application/merge-patch+json` or as
/// `application/json` alike (see `http::extract`); both are declared.
fn accept_json_patches(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(content) = item
            .pointer_mut("/patch/requestBody/content")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if let Some(patch) = content.get("application/merge-patch+json").cloned() {
            content.entry("application/json").or_insert(patch);
        }
    }
}

/// An operation: its method, its path template and its id.
struct Operation {
    method: String,
    path: String,
    id: String,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if let Some(id) = operation["operationId"].as_str() {
                found.push(Operation {
                    method: method.clone(),
                    path: path.clone(),
                    id: id.to_owned(),
                });
            }
        }
    }
    found
}

/// The path parameters of a template, in order.
fn parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// OpenAPI links, so that tools that follow them (schemathesis's stateful
/// phase, Swagger UI) know where an answer leads: a resource created, read
/// or listed at `P` leads to every operation at `P/{key}` and below it (read,
/// update, delete, workflow actions, the subject's assessments), the key
/// taken from the body (`#/id`, or `#/year` for a `{year}`), the parameters
/// of `P` itself from the request.
fn link_operations(doc: &mut Value) {
    let operations = operations(doc);
    let mut links: Vec<(String, String, &'static str, String, Value)> = Vec::new();
    for source in &operations {
        let Some(status) = ["201", "200"].into_iter().find(|status| {
            !doc["paths"][&source.path][&source.method]["responses"][status].is_null()
        }) else {
            continue;
        };
        let parent = |path: &str| {
            path.rsplit_once('/')
                .map_or(String::new(), |(p, _)| p.to_owned())
        };
        let last = |path: &str| path.rsplit('/').next().unwrap_or_default().starts_with('{');
        let (key_prefix, base) = if last(&source.path) {
            // An item read or changed: `P/{key}`.
            ("", parent(&source.path))
        } else if source.method == "post" && last(&parent(&source.path)) {
            // A workflow action on an item: `P/{key}/action`.
            ("", parent(&parent(&source.path)))
        } else if source.method == "post" {
            // A create at `P`.
            ("", source.path.clone())
        } else if source.method == "get" {
            // A list at `P`: its first item.
            ("/items/0", source.path.clone())
        } else {
            continue;
        };
        let own = parameters(&base);
        for target in &operations {
            if std::ptr::eq(target, source) {
                continue;
            }
            let Some(rest) = target.path.strip_prefix(&format!("{base}/")) else {
                continue;
            };
            let Some(key) = rest
                .split('/')
                .next()
                .and_then(|s| s.strip_prefix('{'))
                .and_then(|s| s.strip_suffix('}'))
            else {
                continue;
            };
            // Only the key is new: whatever else the target takes is the base's.
            if parameters(&target.path).len() != own.len() + 1 {
                continue;
            }
            let member = if key == "year" { "year" } else { "id" };
            let mut values: BTreeMap<String, Value> = own
                .iter()
                .map(|p| (p.to_string(), json!(format!("$request.path.{p}"))))
                .collect();
            values.insert(
                key.to_owned(),
                json!(format!("$response.body#{key_prefix}/{member}")),
            );
            links.push((
                source.path.clone(),
                source.method.clone(),
                status,
                target.id.clone(),
                json!({"operationId": target.id, "parameters": values}),
            ));
        }
    }
    for (path, method, status, name, link) in links {
        let response = &mut doc["paths"][&path][&method]["responses"][status];
        if response.get("$ref").is_none() {
            response["links"][name] = link;
        }
    }
}
