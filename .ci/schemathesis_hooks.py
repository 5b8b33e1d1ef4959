"""schemathesis hooks for khuyenhoc (SCHEMATHESIS_HOOKS=schemathesis_hooks,
with .ci on PYTHONPATH): how to send an import body as NDJSON. The document
describes the body as the file's text (UTF-8); a value of another type (as a
negative test makes) is sent as bytes that are not UTF-8 text, which the
service refuses as a whole (400 NOT_UTF8)."""

import json
import uuid

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return b"\xff" + json.dumps(value).encode() + b"\n"


@schemathesis.hook
def map_headers(ctx, headers):
    """A fresh key for every generated request that sends a valid one: a
    key generated twice for one path would replay the first answer (as it
    should), which the stateful checks would take for a stale resource."""
    key = (headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and 1 <= len(key) <= 255 and all("!" <= c <= "~" for c in key):
        headers["Idempotency-Key"] = str(uuid.uuid4())
    return headers
