"""schemathesis hooks for khuyenhoc (SCHEMATHESIS_HOOKS=schemathesis_hooks,
with .ci on PYTHONPATH): how to send an import body as NDJSON. The document
describes the body as the file's text; a value of another type (as a
negative test makes) is sent as its JSON, one line."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return (json.dumps(value) + "\n").encode()
