# The English catalogue. Every message here has its Vietnamese twin in vi.ftl
# with the same id and the same arguments (the catalogue test checks both).
# Arguments are named: $field, $max, $allowed… never pasted into the text.

## Titles of problem documents

title-bad-request = Bad request
title-unauthorized = Unauthorized
title-forbidden = Forbidden
title-not-found = Not found
title-method-not-allowed = Method not allowed
title-request-refused = Request refused
title-request-timeout = Request timeout
title-conflict = Conflict
title-precondition-failed = Precondition failed
title-precondition-required = Precondition required
title-payload-too-large = Payload too large
title-unsupported-media-type = Unsupported media type
title-validation-failed = Invalid input
title-unprocessable = Unprocessable request
title-too-many-requests = Too many requests
title-unavailable = Service unavailable
title-not-acceptable = Not acceptable
title-internal = Internal server error

## Requests and HTTP

bad-parameter = { $name }: { $reason }
not-found = { $what } was not found

no-route = no resource has this path: the operations are described at /docs (and in /api-docs/openapi.json)
refused-bad-request = the request was refused as sent (for a cross-origin request: its origin, method or headers are not allowed)
refused-unauthorized = send a credential as `Authorization: Bearer <credential>`
refused-forbidden = the request is not allowed
refused-method = this path does not answer this method: the operations are described at /docs
refused-other = the request was refused (HTTP { $status })
request-timeout = the request body did not arrive within { $seconds } s: send it again, whole
precondition-failed = If-Match does not match the current version: the record has changed since you read it (its ETag is now "{ $current }"). Read it again, apply your change to what it holds now, and send that ETag in If-Match
precondition-failed-form = If-Match must be the ETag exactly as the ETag header gave it: a strong tag in double quotes, such as If-Match: "{ $current }" (not a bare number, not a weak W/"…" tag)
precondition-required = send If-Match with the ETag of the version this change is based on (the ETag header of a GET of the record)
payload-too-large = the request body is larger than { $limit } bytes
fields-invalid = { $count ->
    [one] 1 field is invalid
   *[other] { $count } fields are invalid
}
too-many-requests = this token may send { $per_minute } requests a minute: retry in { $wait } s
not-acceptable = this resource is available as { $available }
method-not-allowed = { $method } is not allowed here; allowed: { $allow }
internal = the service failed to handle the request; it has been logged

## The database

db-concurrent-change = a concurrent change interfered; retry the request
db-busy = the database is busy; retry the request
db-full = the database has no space left; retry later
db-cannot-write = the database cannot write; retry later
db-read-only = the database is read-only; retry later
db-shutting-down = the database is shutting down; retry the request
db-starting = the database is starting; retry the request
db-no-free-connection = no database connection is free; retry the request
db-connection-lost = the connection to the database was lost; retry the request
already-exists = a record with the same unique key already exists
referenced = the change would break a reference between records
noun-resource = the resource
db-not-connected = no database connection within { $seconds } s: { $reason }
db-migrations-pending = database migrations are pending: run `khuyenhoc migrate` or restart the service
db-not-ready = the database is not ready; retry shortly
db-no-answer = the database did not answer within a second
db-transaction-ended = the database ended the transaction; nothing of this write was kept: send it again
disk-read-only = the database's file system ({ $dir }) is read-only
disk-full = the disk holding the database is full: { $free } bytes free in { $dir }, below the { $needed } the service needs to write
expensive-work-busy = { $count } expensive requests (reports, exports) are being answered already; retry shortly

## Bodies, members and parameters

content-type-missing = no Content-Type: send the body as Content-Type: application/json (application/merge-patch+json is accepted for PATCH)
content-type-json = Content-Type "{ $sent }" is not accepted: send the body as Content-Type: application/json (application/merge-patch+json is accepted for PATCH)
body-not-json = the body is not valid JSON (line { $line }, column { $column }): send one JSON value, as the operation's schema shows
body-unreadable = the request body could not be read: send it again
member-unknown = no such member: the members are { $allowed }
member-unknown-none = no such member: this object takes none
member-required = required: send this member
member-not-null = required: it cannot be null; leave it out to keep its value
member-twice = the member is named twice: send it once
value-not-allowed = "{ $sent }" is not an allowed value: send one of { $allowed }
value-wrong-type = must be { $expected }, not { $sent }
value-wrong = must be { $expected }
value-not-an-id = must be an id: ids are UUIDs, such as 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b
value-not-a-date = must be a date as YYYY-MM-DD (a date and time as 2026-12-05T08:30:00Z)
value-wrong-length = has not as many items as the schema says
value-not-documented = has not the type or form the OpenAPI document (/docs) gives this member
json-boolean = true or false
json-number = a number
json-string = text
json-array = an array
json-object = an object
json-null = null
json-value = another value
expect-whole-number = a whole number
expect-whole-number-range = a whole number from { $min } to { $max }
expect-number = a number
expect-string = text (a JSON string)
expect-boolean = true or false
expect-array = an array
expect-object = a JSON object
expect-id = an id (a UUID)
expect-fraction-or-target = a fraction from 0 to 1, or "target"
expect-documented = of the type the OpenAPI document (/docs) gives this member
parameter-control-characters = must not contain control characters
parameter-unknown = this operation takes no such parameter; it takes { $allowed }
parameter-unknown-none = this operation takes no parameters
parameter-required = this parameter is required
sort-unknown = cannot sort by "{ $sent }": use one or more of { $allowed } separated by commas, each optionally prefixed with '-' for descending order
sort-twice = { $field } is named twice
page-size = must be from 1 to { $max }
page-token-foreign = not a page token issued by this list: send the next_page_token of the previous page as it was given
page-token-other-list = the token was issued for other filters or another sort order; start again without page_token
noun-path-resource = the resource named by the path
not-found-not-an-id-search = the record was not found: "{ $sent }" is not an id. Ids are UUIDs (such as 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b); to find the record by its code or name, search { $search }
not-found-not-an-id = the record was not found: "{ $sent }" is not an id. Ids are UUIDs (such as 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b); the list at { $list } gives each record's id

## Text

too-long = must be at most { $max } characters (is { $length })
too-long-plain = must be at most { $max } characters
invalid-characters = must not contain control, invisible or text-direction characters (found { $found })
text-empty = must not be empty
invalid-phone = must be a telephone number: 3 to 15 digits, spaces, '.', '-', '(', ')', an optional leading '+'
invalid-code = must be 1 to { $max } ASCII letters, digits, '.', '_' or '-', starting with a letter or digit
association-id-unknown = no association has this id

## Signing in and permissions

token-missing = send an API token, or an access token of the identity provider, as `Authorization: Bearer <credential>`
token-unknown = the token is not known: check that it was copied whole, or ask an administrator for a new one
token-revoked = the token was revoked: ask an administrator for a new one
token-expired = the token has expired: ask an administrator for a new one
user-not-registered = the identity provider vouches for you, but no user of this service holds your identity: ask your association's administrator to add you
user-deactivated = your user was deactivated: ask your association's administrator
role-cannot-edit = a { $role } caller reads but does not edit: ask for an editor's or an admin's access
admin-only = only an admin may do this
too-many-failed-authentications = { $count } failed authentications from this address within a minute: wait { $wait } s, then send a valid credential
oidc-not-configured = this service accepts no OpenID Connect tokens (it has no OIDC_ISSUER_URL): send an API token
oidc-not-a-jwt = the bearer token is not a JWT signed with RS256, ES256 or EdDSA: send the access token the identity provider issued
oidc-algorithm = tokens signed with { $algorithm } are not accepted: RS256, ES256 or EdDSA only
oidc-no-kid = the token names no signing key (`kid`)
oidc-unknown-kid = no signing key "{ $kid }" of the identity provider is known
oidc-key-algorithm = the key "{ $kid }" verifies { $verifies }, not { $algorithm }
oidc-expired = the access token has expired: refresh it, or sign in again
oidc-not-yet-valid = the access token is not valid yet (`nbf`): check the clocks, or wait a moment
oidc-audience = the access token is not for this service: ask the provider for one whose `aud` is "{ $audience }"
oidc-issuer = the access token is not of the identity provider this service trusts ({ $issuer })
oidc-signature = the access token's signature does not verify: it was changed, or not signed by the provider
oidc-missing-claim = the access token has no `{ $claim }`
oidc-unreadable = the access token could not be read: send it as the provider issued it
oidc-keys-unavailable = the identity provider's signing keys could not be fetched; retry shortly

## Records and what depends on them

noun-citizen = the citizen
noun-unit = the unit
noun-statistics = the statistics
noun-target = the target
noun-community = the community
noun-household = the household
noun-clan = the clan
reference-unknown = { $what } with this id was not found among the records you may see
reference-outside-area = { $what } belongs to an association that is neither this one nor above it
done-deleted = deleted
done-moved-commune = moved to another commune
done-moved-association = moved to another association
households-name-it = { $count ->
    [one] 1 household names it
   *[other] { $count } households name it
}, so it is not { $done }: change them first
clans-name-it = { $count ->
    [one] 1 clan names it
   *[other] { $count } clans name it
}, so it is not { $done }: change them first
association-has-households = { $count ->
    [one] 1 household is
   *[other] { $count } households are
} registered with the association: move or delete them first
association-has-clans = { $count ->
    [one] 1 clan is
   *[other] { $count } clans are
} registered with the association: move or delete them first
association-has-citizens = { $count ->
    [one] 1 citizen lives
   *[other] { $count } citizens live
} in the association's area: move or delete them first
association-has-units = { $count ->
    [one] 1 learning unit belongs
   *[other] { $count } learning units belong
} to the association: move or delete them first
association-has-communities = { $count ->
    [one] 1 village community belongs
   *[other] { $count } village communities belong
} to the association: move or delete them first
association-has-users = { $count ->
    [one] 1 user serves
   *[other] { $count } users serve
} the association: move or deactivate and delete them first
association-has-statistics = { $count ->
    [one] 1 yearly statistic or target belongs
   *[other] { $count } yearly statistics or targets belong
} to the association: they are its history, so it stays (dissolve it instead)
user-in-audit-trail = the audit trail names the user in { $count ->
    [one] 1 event
   *[other] { $count } events
}: deactivate it with {"{"}"active": false{"}"} instead

## Lists, changes, idempotency

cursor-invalid = must be a `next_cursor` or a head cursor: a decimal number
idempotency-key-form = must be 1 to 255 visible ASCII characters (a UUID, say)
idempotency-not-supported = a new token's answer holds its secret, which is never stored: retry without the key
idempotency-key-reused = this Idempotency-Key was sent before with another request body or query: use a new key for a new request
idempotency-in-flight = a request with this Idempotency-Key is still being handled; retry shortly
idempotency-answer-lost = the request with this Idempotency-Key was applied, but its answer was not kept: read the resource
audit-admins-editors = the audit trail is for admins and editors
to-before-from = must not be before from

## Numbers and years

year-range = must be a year from { $min } to { $max }
count-range = must be a whole number from { $min } to { $max }
association-required = name the association (association_id)
members-above-population = { $members } members cannot exceed a population of { $population }
households-above-population = { $households } households cannot live among { $population } people
target-range = a { $metric } target is from 0 to { $max }
max-below-min = must not be below min_value

## Citizens, units, communities, households, clans

national-id-form = a citizen identity number (số định danh cá nhân) has exactly 12 digits
national-id-taken = a citizen with this national_id is registered already (a person is registered once): check the number, or ask an administrator to move the existing record
external-id-taken = another citizen has this external_id
unit-code-taken = another unit already has this code
unit-code-taken-named = another unit already has the code "{ $code }"
household-code-taken = another household of the association already has this code
household-code-taken-named = another household of the association already has the code "{ $code }"
community-code-taken = another community of the commune already has this code
community-code-taken-named = another community of the commune already has the code "{ $code }"
community-not-commune = a village community belongs to a commune association: name the commune
statistics-year-taken = the association already has statistics for this year: change them with PATCH
statistics-year-taken-named = the association already has statistics for { $year }: change them with PATCH
noun-statistics-of = the statistics of { $year }
target-taken = the association already has this target for this year: change that one
target-taken-named = the association already has a { $metric } target for { $year }: change that one
association-code-taken = another association already has this code
edition-taken = the criteria set already has this edition
criterion-code-taken = the set already has a criterion with this code
assessment-taken = the subject already has an assessment against this set for this period

## Associations and the tree

noun-association = the association
level-central = the central association
level-province = a province association
level-district = a district association
level-commune = a commune association
level-branch = a branch
level-any = association
date-range = must be a date from { $min } to { $max }
dissolved-before-founded = cannot be before founded_on
successor-not-dissolved = only a dissolved association (with dissolved_on) has a successor
invalid-email = not an e-mail address
tree-kept-changing = the association tree kept changing while this request waited; retry it
scope-root-move = a caller cannot move the association its own scope starts at
association-has-children = the association has { $count ->
    [one] 1 child association
   *[other] { $count } child associations
}: move or delete them first
association-is-successor = { $count ->
    [one] 1 dissolved association names
   *[other] { $count } dissolved associations name
} this one as their successor
association-changed-meanwhile = the association was changed by another request meanwhile: read it again and retry
root-needs-whole-tree = placing an association at the root needs access to the whole tree
move-cycle = an association cannot be moved under itself or one of its descendants
parent-dissolved = the parent association is dissolved and takes no new children; use its successor
level-order = { $parent } cannot be the parent of { $child }: a parent's level is strictly above its children's
level-order-children = the association has { $child } among its children, so it cannot become { $level }
successor-self = an association cannot be its own successor
association-code-taken-named = another association already has the code "{ $code }"

## Criteria sets and criteria

noun-criteria-set = the criteria set
noun-criterion = the criterion
subject-province = a province
subject-district = a district
subject-commune = a commune
subject-unit = a learning unit
subject-citizen = a learning citizen
subject-family = a learning family
subject-clan = a learning clan
subject-community = a learning community
set-status-draft = a draft
set-status-published = published
set-status-retired = retired
valid-to-before-from = cannot be before valid_from
band-rating-twice = each rating has one band
named-twice = named twice
min-score-range = must be from 0 to max_score
criterion-level = must be 1 or 2
set-needs-criterion = a set needs at least one criterion
set-needs-band = a points_bands set needs at least one band
band-not-met = not_met is what falls below every band: leave it out of the bands
band-needs-min = a points band needs min_score
bands-not-decreasing = bands are listed from the highest min_score down, each strictly lower
band-unreachable = cannot be reached: the criteria add up to { $total }
criterion-needs-level = every criterion of a levels set names the level (1 or 2) that requires it
not-measurable = { $measure } is not measured for { $kind }
edition-taken-named = the set "{ $code }" already has an edition "{ $edition }"
set-frozen = the criteria set is { $status }: it and its criteria can no longer change; make a new edition (POST /api/v1/criteria-sets/{ $id }/editions) and edit that
set-kept = a criteria set that is { $status } is kept: retire it instead of deleting it
set-not-published = only a published set can be retired; this one is { $status }
criterion-code-taken-named = the set already has a criterion with the code "{ $code }"
too-many-criteria = a set holds at most { $max } criteria
threshold-without-measure = a threshold is set only with a measure
threshold-required = a measured criterion needs a threshold: a fraction from 0 to 1, or "target"
no-target-metric = targets are not set on { $measure }: give a fraction
fraction-range = must be from 0 to 1

## Assessments

noun-assessment = the assessment
assessment-status-draft = a draft
assessment-status-submitted = submitted
assessment-status-approved = approved
subject-id-unknown = no subject of this kind has this id
level-mismatch = the association is { $level }, not { $kind }
criteria-set-id-unknown = no criteria set has this id
set-not-published-for-assessment = the set is { $status }: assessments are made against published sets
set-mismatch = the set assesses { $assesses }, not { $sent }
assessment-taken-named = the subject already has an assessment against this set for { $period }
assessment-status = the assessment is { $status }, not { $needed }
review-not-above = an assessment is reviewed by an editor or admin of an association above the subject's
review-note-required = say why the assessment is returned
has-assessments = { $count ->
    [one] 1 assessment refers
   *[other] { $count } assessments refer
} to { $what }: they are kept, so it is too
criterion-unknown = the set has no criterion "{ $code }"
result-twice = "{ $code }" has a result already
score-range = must be from 0 to { $max } for { $code }
result-missing = no result for criterion { $code }

## Imports

row-not-object = a row must be a JSON object
line-not-utf8 = line { $line } is not UTF-8 text: save the file as UTF-8
csv-header-unreadable = the header line cannot be read as CSV
csv-line-unreadable = the line cannot be read as CSV: check its quotes
csv-field-count = the line has { $fields } fields, the header { $columns }: check its commas and quotes
csv-unknown-column = the header names "{ $column }", which is not a member of the rows: { $columns }
csv-column-twice = the header names the column "{ $column }" twice
content-type-import = Content-Type "{ $sent }" is not accepted: send application/x-ndjson, application/json or text/csv
role-cannot-import = a { $role } caller reads but does not import: ask for an editor's or an admin's access
import-rejected = { $rejected } of { $total } rows were rejected; an atomic import writes all rows or none, so nothing was written
import-exists = a record with this id or key exists already (strategy=create)
import-association-fixed = the stored record belongs to another association and stays with it
import-version-form = must be a whole number from 1
import-version-conflict = the row is based on version { $version } but the stored record is at version { $stored }: it changed since it was exported
import-assessment-immutable = an assessment's set, subject and period stay as it was made: import another assessment
expect-association-id = must be an association id
expect-association-code = must be an association code
association-code-unknown = no association has this code

## Users and tokens

noun-user = the user
noun-token = the token
user-scope-required = only an admin may cover the whole tree: name the association the user serves
too-many-identities = at most { $max } identities
identity-twice = an identity is listed twice
identity-issuer-form = the provider's issuer URL (https://…, at most { $max } characters), as its tokens' `iss` says
identity-subject-form = 1 to { $max } characters without control characters, as the tokens' `sub` says
user-whole-tree = a user of the whole tree is made by an admin of the whole tree
identity-taken = the identity "{ $subject }" of { $issuer } signs in as another user already: unlink it there first
user-in-audit-trail-any = the audit trail names the user: deactivate it with {"{"}"active": false{"}"} instead
must-be-future = must be in the future
token-scope-required = only an admin token may cover the whole tree: name the association it serves
token-whole-tree = a token for the whole tree needs an issuer for the whole tree

## Workbooks: sheets and column headings

sheet-membership = Membership
sheet-assessments = Assessments
sheet-learning-district = Learning district
sheet-trend = Trend
column-row = Line
column-association-id = Association id
column-association-code = Association code
column-association-name = Association
column-level = Level
column-year = Year
column-period = Period
column-reporting-count = Associations reporting
column-association-count = Associations
column-member-count = Members
column-population = Population
column-households = Households
column-branch-count = Branches
column-fund-raised-vnd = Fund raised (VND)
column-scholarship-count = Scholarships
column-scholarship-value-vnd = Scholarships' value (VND)
column-membership-ratio = Members / population
column-target-metric = Target metric
column-target-year = Target year
column-target-min-value = Target (minimum)
column-target-max-value = Target (maximum)
column-target-gap-to-min = Gap to the target
column-target-status = Against the target
column-criteria-set-code = Criteria set
column-criteria-set-edition = Edition
column-assessment-count = Assessments
column-draft = Drafts
column-submitted = Submitted
column-approved = Approved
column-excellent = Excellent
column-good = Good
column-fair = Fair
column-not-met = Not met
column-assessed-count = Assessed
column-recognised-count = Recognised
column-recognised-ratio = Recognised share
column-good-or-above-ratio = Good or above
column-subject-count = Subjects
column-subject-count-source = Subjects counted from
column-registered-count = Registered
column-recognised-of-registered-ratio = Recognised of registered
column-recognised-of-all-ratio = Recognised of all
column-criterion-code = Criterion
column-criterion-title = Criterion text
column-group-name = Group
column-required = Required
column-score = Score
column-max-score = Maximum
column-met = Met
column-note = Evidence and note
column-measure = Measure
column-measured-value = Measured value
column-threshold = Threshold
column-threshold-source = Threshold from
column-numerator = Numerator
column-denominator = Denominator
column-denominator-source = Denominator from
column-rating = Rating
column-status = Status
column-metric = Metric
column-value = Value
sheet-summary = Summary
summary-criteria-met = Criteria met
summary-criteria-count = Criteria
summary-made-on = Made on
rating-excellent = Excellent
rating-good = Good
rating-fair = Fair
rating-not-met = Not met
chart-membership = Members against population, by association below
chart-assessments = Approved results by rating: { $set }
chart-trend = Trend: { $metric }
chart-about-year = { $association }, { $year } · unit: { $unit }
chart-about-years = { $association }, { $from }–{ $to } · unit: { $unit }
chart-actual = Reached
chart-target-year = Target for { $year }
chart-target-legend = Target
chart-own-target = target { $value }
chart-no-data = no figures
unit-percent-population = % of the population
unit-percent = %
unit-assessments = approved assessments
unit-criteria = criteria met
metric-membership-ratio = members against population
metric-recognised-citizen-ratio = citizens recognised as learning citizens
metric-recognised-unit-ratio = units recognised as learning units
metric-communes-good-or-above-ratio = communes rated Good or better
metric-learning-district-criteria-met = learning-district criteria met
metric-recognised-family-ratio = households recognised as learning families
metric-recognised-clan-ratio = clans recognised as learning clans
metric-recognised-community-ratio = village communities recognised as learning communities
threshold-source-fixed = the criterion
threshold-source-target = the target
threshold-source-no-target = no target set
print-membership = Membership against population, { $year }
print-learning-district = Learning district assessment, { $year }
print-number = No.
print-total = Total
print-score-total = Total score
print-missing-required = Required criteria not met
print-no-assessment = No learning-district assessment for this year
print-criteria-set = Criteria set
print-page = Page { $page } of { $pages }
print-place-date = ……………, on …… / …… / ……
print-prepared-by = PREPARED BY
print-approved-by = APPROVED BY
print-sign-hint = (signature and full name)
column-id = Id
column-criteria-set-id = Criteria set id
column-subject-kind = Subject kind
column-subject-id = Subject id
column-subject-association-id = Subject's association id
column-assessor-association-id = Assessing association id
column-results = Results per criterion
column-total-score = Total score
column-met-count = Criteria met
column-required-met = Required criteria met
column-recognised = Recognised
column-submitted-at = Submitted at
column-reviewed-at = Reviewed at
column-reviewer-note = Reviewer's note
column-version = Version
column-created-at = Created at
column-updated-at = Updated at
column-code = Code
column-name = Name
column-parent-id = Parent association id
column-ancestor-ids = Ancestor association ids
column-depth = Depth in the tree
column-address = Address
column-phone = Phone
column-email = Email
column-chair-name = Chair
column-founded-on = Founded on
column-dissolved-on = Dissolved on
column-successor-id = Successor association id
column-external-id = External id
column-full-name = Full name
column-birth-year = Year of birth
column-gender = Gender
column-occupation = Occupation
column-national-id = National id number
column-community-id = Community id
column-kind = Kind
column-household-count = Households
column-head-name = Head
column-clan-id = Clan id
column-min-value = Minimum
column-max-value = Maximum
column-staff-count = Staff

## Webhooks
noun-webhook = the webhook subscription
noun-delivery = the delivery
webhook-role = a { $role } caller may not manage webhooks: ask for an admin's or an integration access
webhook-whole-tree = a subscription to the whole tree needs a caller of the whole tree: name the association it covers
webhook-not-active = the subscription is { $status }: resume it first
webhook-events-empty = name at least one event type, or "*" for all
webhook-event-unknown = "{ $sent }" is not an event type: use "*", "<type>.*" or "<type>.upsert" / "<type>.delete" with a type of the change feed
too-many-items = at most { $max } items
webhook-url-invalid = must be an absolute https:// URL
webhook-url-not-https = must be https://: events carry the association's data
webhook-url-credentials = must not carry a user name or password: the signature authenticates the sender
webhook-url-not-public = { $address } is not a public address: webhooks are delivered to the internet only
webhook-url-local-name = { $host } names this machine or its own network: webhooks are delivered to the internet only
association-has-webhooks = { $count ->
    [one] a webhook subscription covers this association: delete it, or move it to another association, first
   *[other] { $count } webhook subscriptions cover this association: delete them, or move them to another association, first
}
