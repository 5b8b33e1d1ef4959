//! The OpenAPI document: its header, tags, the text formats and the
//! responses shared by every operation. Operations and their schemas are
//! collected from the handlers; [`finish`] applies the document-wide rules.

mod finish;
pub mod refusals;

pub use finish::finish;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, OpenIdConnect, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::{FieldProblem, Problem};
use crate::text;

/// A string format of the document's own: what a text field takes, as the
/// server checks it. [`finish`] writes its pattern beside each use.
pub struct TextFormat {
    pub name: &'static str,
    pub pattern: fn() -> String,
}

/// The text formats, described in the document's introduction.
pub const TEXT_FORMATS: [TextFormat; 5] = [
    TextFormat {
        name: "text-line",
        pattern: text::line_pattern,
    },
    TextFormat {
        name: "text-line-or-blank",
        pattern: text::optional_line_pattern,
    },
    TextFormat {
        name: "text",
        pattern: text::text_pattern,
    },
    TextFormat {
        name: "code",
        pattern: || text::CODE_PATTERN.to_owned(),
    },
    TextFormat {
        name: "phone",
        pattern: text::phone_pattern,
    },
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "khuyenhoc",
        description = "REST/JSON API of Vietnam's learning-promotion associations (Hội Khuyến học) \
and of the learning-society programme (xã hội học tập).\n\n\
Conventions: snake_case JSON; ids are UUIDv7 strings; times are RFC 3339 UTC; errors are \
RFC 9457 `application/problem+json` with a stable `code` and, for invalid input, one entry per \
field in `errors`. Lists are paged by cursor (`page_size`, `page_token`; `next_page_token` and a \
`Link: rel=\"next\"` header). Single resources carry a strong `ETag` (their `version`): send it \
in `If-Match` to update or delete safely (412 when stale), or in `If-None-Match` to get 304 when \
unchanged. PATCH takes a JSON Merge Patch (RFC 7396).\n\n\
Every `/api/v1` operation needs a credential, `Authorization: Bearer <credential>`: an API \
token, or an access token of the deployment's OpenID Connect provider whose identity belongs to \
an active user (`/users`). Either has a role (`admin`, `editor`, `viewer`, `integration`) and a \
scope: an association and everything below it. Resources outside the scope answer 404; lists \
hold only what the scope covers. `GET /api/v1/me` says who is calling. A credential that does \
not verify is 401 (`TOKEN_EXPIRED` when it has expired: refresh it); a verified identity no user \
holds is 403 `NOT_REGISTERED`; repeated failures from one address are 429 with `Retry-After`.\n\n\
Text formats (each string states its `maxLength`, counted in characters as sent, and the \
`pattern` of its format): `text-line` is one line, not blank, without control characters or \
characters that make text look like other text (bidirectional controls, zero-width and other \
invisible characters, U+2028/U+2029); it is stored trimmed and in Unicode NFC. \
`text-line-or-blank` is the same where blank means absent. `text` may also hold line breaks and \
tabs. `code` is ASCII letters, digits, `.`, `_` and `-`, starting with a letter or digit. \
`phone` is digits (at least 3), spaces, `.`, `-`, `(`, `)` and an optional leading `+`. \
Integers may be sent as whole-number floats (`2020.0`).\n\n\
Languages: refusals are said in Vietnamese (`vi`) or English (`en`), as `Accept-Language` \
asks (English when it asks for neither, or is absent); the answer says `Content-Language` and \
`Vary: Accept-Language`. A problem's `code` and each field error's `code` are the stable keys \
for programs: they never change with the language, its sentences do.\n\n\
Vocabulary (Vietnamese → English → API): Hội Khuyến học → learning-promotion association → \
`/associations` (`level`: central, province, district, commune, branch); công dân học tập → \
learning citizen → `/citizens`, `subject_kind: citizen`; đơn vị học tập → learning unit (agency, \
school, enterprise) → `/units`, `unit`; gia đình học tập → learning family → `/households`, \
`family`; dòng họ học tập → learning clan → `/clans`, `clan`; cộng đồng học tập thôn, bản, ấp, \
tổ dân phố → village learning community → `/communities`, `community`; cộng đồng học tập cấp xã \
→ commune learning community → `commune`; huyện học tập → learning district (the 19-criteria \
pilot) → `district`; Tốt / Khá / Trung bình / Chưa đạt → `excellent` / `good` / `fair` / \
`not_met`; bộ tiêu chí → criteria set; chỉ tiêu → target. A criterion with a `measure` is \
measured by the service from its data (see `Criterion.measure` and `ResultEntry.measured`).",
        license(name = "MIT")
    ),
    tags(
        (name = "associations", description = "Learning-promotion associations of every level, one tree"),
        (name = "units", description = "Learning units: agencies, schools, enterprises in an association's area"),
        (name = "citizens", description = "Citizens assessed as learning citizens (personal data)"),
        (name = "households", description = "Families (gia đình học tập) registered with an association (the phone is personal data)"),
        (name = "clans", description = "Learning clans (dòng họ học tập) and their branches; a clan's households are those that name it"),
        (name = "communities", description = "Village learning communities (cộng đồng học tập: thôn, bản, ấp, tổ dân phố) of a commune"),
        (name = "assessments", description = "Assessments against criteria sets, and their review"),
        (name = "yearly-stats", description = "What each association reports for a year: members against population, branches, funds, scholarships"),
        (name = "targets", description = "What an association aims to reach by a year, per metric"),
        (name = "reports", description = "Read-only roll-ups of a subtree: membership, assessments, the learning-district criteria, trends. JSON, or CSV with `Accept: text/csv`"),
        (name = "tokens", description = "API tokens, for integration jobs and scripts (admins)"),
        (name = "users", description = "People and machine clients who sign in through an OpenID Connect provider, and who is calling (`/me`)"),
        (name = "criteria-sets", description = "Criteria sets (the 19 learning-district criteria among them) and their criteria"),
        (name = "audit", description = "The audit trail of every write"),
        (name = "imports", description = "Bulk import from NDJSON, JSON or CSV files, with a report of every row"),
        (name = "changes", description = "The change feed: every create, update and delete in commit order, for keeping a copy in sync"),
        (name = "webhooks", description = "The change feed pushed to a receiver: each event POSTed as a `WebhookEvent`, signed as Standard Webhooks says (`webhook-id`, `webhook-timestamp`, `webhook-signature`), in `seq` order, at least once, retried with growing waits for up to a day"),
        (name = "operations", description = "Liveness and readiness probes")
    ),
    components(
        schemas(Problem, FieldProblem),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired, PayloadTooLarge,
                  UnsupportedMediaType, Unprocessable, TooManyRequests, ServiceUnavailable, NotAcceptable)
    ),
    servers((url = "/", description = "This server")),
    modifiers(&BearerAuth),
    security(("bearer" = []), ("openid_connect" = []))
)]
pub struct ApiDoc;

/// Where a document made without a deployment's settings says the
/// provider's metadata is; the served document names the instance's own.
const OIDC_DISCOVERY_PLACEHOLDER: &str =
    "https://id.example.gov.vn/realms/khuyenhoc/.well-known/openid-configuration";

/// The two ways to call every `/api/v1` operation: an API token, or an
/// access token of the deployment's OpenID Connect provider.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token made with `khuyenhoc token create` or `POST /api/v1/tokens`",
                    ))
                    .build(),
            ),
        );
        components
            .add_security_scheme("openid_connect", openid_connect(OIDC_DISCOVERY_PLACEHOLDER));
    }
}

/// The OpenID Connect scheme whose provider's metadata is at `discovery_url`.
pub fn openid_connect(discovery_url: &str) -> SecurityScheme {
    SecurityScheme::OpenIdConnect(OpenIdConnect::with_description(
        discovery_url,
        "An access token of the deployment's OpenID Connect provider (OIDC_ISSUER_URL), for the \
         audience OIDC_AUDIENCE; its (issuer, subject) must be an identity of an active user \
         (`/users`). Sign in with the authorization code flow and PKCE (people) or the client \
         credentials grant (machines), then send `Authorization: Bearer <access token>`.",
    ))
}

/// The request cannot be read: malformed JSON, or an unknown, repeated or malformed parameter or header.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/invalid-parameter", "title": "Bad request", "status": 400,
        "detail": "page_size: must be between 1 and 500", "instance": "/api/v1/associations",
        "code": "INVALID_PAGE_SIZE", "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "errors": [{"pointer": "page_size", "code": "INVALID_PAGE_SIZE", "detail": "must be between 1 and 500"}]})
)]
pub struct BadRequest(#[to_schema] Problem);

/// No usable token: none sent, or one that is unknown, expired or revoked.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"khuyenhoc\"`, with `error=\"invalid_token\"` for a bad token")),
    example = json!({"type": "/problems/missing-token", "title": "Unauthorized", "status": 401,
        "detail": "send an API token, or an access token of the identity provider, as `Authorization: Bearer <credential>`", "instance": "/api/v1/associations",
        "code": "MISSING_TOKEN", "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"})
)]
pub struct Unauthorized(#[to_schema] Problem);

/// The token's role does not allow this (its scope shows as 404 instead).
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/role-cannot-edit", "title": "Forbidden", "status": 403,
        "detail": "a viewer token reads but does not edit", "instance": "/api/v1/associations",
        "code": "ROLE_CANNOT_EDIT", "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"})
)]
pub struct Forbidden(#[to_schema] Problem);

/// No resource has this id.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/not-found", "title": "Not found", "status": 404,
        "detail": "the association was not found", "instance": "/api/v1/associations/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "code": "NOT_FOUND", "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"})
)]
pub struct NotFound(#[to_schema] Problem);

/// The request conflicts with the current state: a duplicate code, a cycle in the tree,
/// children or references that block a delete, a dissolved parent, a concurrent change.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/has-children", "title": "Conflict", "status": 409,
        "detail": "the association has 3 child association(s): move or delete them first",
        "instance": "/api/v1/associations/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "code": "HAS_CHILDREN", "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"})
)]
pub struct Conflict(#[to_schema] Problem);

/// `If-Match` does not name the current version: read the resource again.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/precondition-failed", "title": "Precondition failed", "status": 412,
        "detail": "If-Match does not match the current version \"4\": read the resource again and retry",
        "instance": "/api/v1/associations/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "code": "PRECONDITION_FAILED", "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"})
)]
pub struct PreconditionFailed(#[to_schema] Problem);

/// This write changes an official record: send `If-Match` with the ETag it is based on.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(content_type = "application/problem+json")]
pub struct PreconditionRequired(#[to_schema] Problem);

/// `Accept` admits neither `application/json` nor `text/csv`.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(content_type = "application/problem+json")]
pub struct NotAcceptable(#[to_schema] Problem);

/// The body is larger than 1 MiB.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(#[to_schema] Problem);

/// The body is not sent as `application/json` (or `application/merge-patch+json` for PATCH).
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(#[to_schema] Problem);

/// Well-formed input that breaks a rule; `errors` names each field and why.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "/problems/validation-failed", "title": "Invalid input", "status": 422,
        "detail": "2 fields are invalid", "instance": "/api/v1/associations",
        "code": "VALIDATION_FAILED", "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "errors": [{"pointer": "/email", "code": "INVALID_EMAIL", "detail": "not an e-mail address"},
                   {"pointer": "/parent_id", "code": "LEVEL_ORDER",
                    "detail": "a commune cannot be the parent of a district: a parent's level is strictly above its children's"}]})
)]
pub struct Unprocessable(#[to_schema] Problem);

/// The token's requests per minute are spent (only where the operator set
/// `RATE_LIMIT_PER_MINUTE`); retry after the `Retry-After` seconds.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds until the token may send again")),
    example = json!({"type": "/problems/too-many-requests", "title": "Too many requests", "status": 429,
        "detail": "this token may send 600 requests a minute; retry later", "instance": "/api/v1/citizens",
        "code": "TOO_MANY_REQUESTS", "request_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"})
)]
pub struct TooManyRequests(#[to_schema] Problem);

/// The database is unreachable, busy or not migrated; retry after the `Retry-After` seconds.
#[derive(ToResponse)]
#[allow(dead_code)] // described in the document, never built: ApiError makes the body
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))
)]
pub struct ServiceUnavailable(#[to_schema] Problem);
