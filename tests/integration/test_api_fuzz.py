"""Property-based API fuzzing with schemathesis against /api/v1/openapi.json.

Every operation gets generated requests from an authenticated user (an
admin in RD, so most routes are reachable) on a database with demo-like
content; no response may be a 5xx and every response must match the schema
the API publishes. The number of examples per operation is bounded for CI
(DOCTRACK_FUZZ_EXAMPLES, default 25).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
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
