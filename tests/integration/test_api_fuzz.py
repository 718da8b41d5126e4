"""Property-based API fuzzing with schemathesis against /api/v1/openapi.json.

Every operation gets generated requests from an authenticated user (an
admin in RD, so most routes are reachable) on a database with demo-like
content; no response may be a 5xx and every response must match the schema
the API publishes. The number of examples per operation is bounded for CI
(DOCTRACK_FUZZ_EXAMPLES, default 25).
"""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from app.extensions import db
from tests import factories

EXAMPLES = int(os.environ.get("DOCTRACK_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def fuzz_app(app):
    user = factories.make_user(["admin", "author", "dept_head"], "RD", email="fuzz@rd.test")
    document = factories.make_document(user, title="X200 規格書", content="X200 規格 第一版\n")
    factories.add_version(document, user, "X200 規格 第二版\n")
    from app.auth.service import create_token
    from app.issues import service as issues

    issue = issues.create_issue(user, {"title": "X200 過熱", "phenomenon": "兩小時後停機"})
    issues.add_link(user, issue, document.id, 1, "spec")
    app.config["FUZZ_TOKEN"] = create_token(user, "fuzz")
    db.session.commit()
    return app


def test_api_never_fails_and_matches_its_schema(fuzz_app):
    # Driven by hand rather than schemathesis' pytest plugin, which does not
    # load under pytest 9: one Hypothesis run per operation, failures collected.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collected and reported together below
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    api_routes = [r for r in fuzz_app.url_map.iter_rules() if r.rule.startswith("/api/v1/")
                  and not r.rule.endswith("openapi.json") for _ in r.methods - {"HEAD", "OPTIONS"}]
    assert operations == len(api_routes)  # every operation is documented and fuzzed
    assert failures == [], "\n\n".join(failures)


# --- Hostile inputs on every operation (issue 20) ---------------------------
# Schemathesis generates each operation's valid shape; Hypothesis then puts a
# hostile value in every string of the body and the query (and nests the body
# past the depth limit). No response may be a 5xx; the raw bodies that a JSON
# library cannot produce (invalid UTF-8, over the size limit) are sent to
# every operation by hand below.

HOSTILE_EXAMPLES = int(os.environ.get("DOCTRACK_FUZZ_HOSTILE_EXAMPLES", "8"))
HOSTILE_STRINGS = st.sampled_from([
    "x" * 200_000,  # huge
    "title\x00nul",  # NUL
    " ".join(["過熱"] * 600),  # many terms
    "\ufffd\U0001f600\u202e rtl",  # replacement character, astral plane, bidi override
    "(" * 3000 + "x",  # operator soup
    "NOT " * 200 + "x",
    '"' + "產品質量" * 120,
]) | st.text(min_size=0, max_size=50)


def _nest(value, depth: int):
    for _ in range(depth):
        value = [value]
    return value


def _poison(value, hostile: str, depth: int):
    """``value`` with every string replaced by ``hostile``; a container nested
    ``depth`` levels put in place of the first list or dict value."""
    if isinstance(value, str):
        return hostile
    if isinstance(value, dict):
        return {k: _poison(v, hostile, depth) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, hostile, depth) for v in value] or _nest([], depth)
    return value


def test_hostile_values_on_every_operation_never_give_a_5xx(fuzz_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy(), hostile=HOSTILE_STRINGS, depth=st.sampled_from([3, 40, 900]))
        @settings(max_examples=HOSTILE_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case, hostile, depth):
            if isinstance(case.body, (dict, list, str)):
                case.body = _poison(case.body, hostile, depth)
            if case.query:
                case.query = {k: _poison(v, hostile, depth) for k, v in case.query.items()}
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collected and reported together below
            failures.append(f"{operation.label}: {exc!r}"[:3000])
    assert operations >= 30
    assert failures == [], "\n\n".join(failures)


RAW_BODIES = {
    "invalid UTF-8": b'{"title": "\xff\xfe\xfd", "phenomenon": "\xc0\x80"}',
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "deep object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "NUL escape": b'{"title": "a\\u0000", "name": "\\u0000", "q": "\\u0000", "query": {"q": "\\u0000"}}',
    "over the size limit": b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}',
    "not JSON": b"\x00\x01\x02",
}


def test_raw_hostile_bodies_on_every_operation_are_4xx(fuzz_app):
    client = fuzz_app.test_client()
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}", "Content-Type": "application/json"}
    spec = client.get("/api/v1/openapi.json").json
    seen = 0
    for path, operations in spec["paths"].items():
        url = "/api/v1" + re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for name, body in RAW_BODIES.items():
                seen += 1
                response = client.open(url, method=method.upper(), data=body, headers=headers)
                assert response.status_code < 500, (method, path, name, response.status_code)
    assert seen >= 30 * len(RAW_BODIES)
