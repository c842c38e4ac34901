"""Schemathesis hooks for ./ops/api-check (loaded through SCHEMATHESIS_HOOKS).

Every POST of the Atrium APIs takes an Idempotency-Key, and the server answers the same key with
a different body with 422. Schemathesis draws header values from the spec's schema, so two
generated requests can share a key ("0", "a", ...) and the second would be a replay. A `-H` flag
cannot vary per request either, so this hook gives each request that carries a valid key a fresh
UUID. A request whose key is missing or malformed on purpose (negative testing) is left alone, so
the server's rejection of it is still tested.
"""
import re
import uuid

import schemathesis

HEADER = "Idempotency-Key"
VALID = re.compile(r"^[\x21-\x7e]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers
    if not headers:
        return
    for name in list(headers):
        if name.lower() == HEADER.lower():
            value = headers[name]
            if isinstance(value, str) and VALID.match(value):
                headers[name] = "st-" + uuid.uuid4().hex
