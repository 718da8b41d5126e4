"""Every user-supplied text has a length limit, in the API description and
in the service, and rendering user content has a bounded cost."""

from __future__ import annotations

import pytest

from app import limits
from app.errors import ValidationFailed
from app.extensions import db
from app.issues import service as issue_service
from app.issues.models import IssueComment


@pytest.fixture
def report(make_user):
    support = make_user("support", "CS")
    issue = issue_service.create_issue(support, {"title": "X200 overheats", "phenomenon": "stops"})
    db.session.commit()
    return support, issue


def test_an_overlong_comment_is_400_naming_the_field(api_as, report):
    support, issue = report
    api = api_as(support)
    response = api.post(f"/issues/{issue.id}/comments", json={"body": "[" * (limits.COMMENT + 1)})
    assert response.status_code == 400
    assert response.json["error"]["field"] == "body"
    assert db.session.query(IssueComment).count() == 0
    ok = api.post(f"/issues/{issue.id}/comments", json={"body": "[" * limits.COMMENT})
    assert ok.status_code == 201


def test_the_service_enforces_the_limits_whatever_the_caller(report):
    support, issue = report
    with pytest.raises(ValidationFailed) as exc:
        issue_service.add_comment(support, issue, "x" * (limits.COMMENT + 1))
    assert exc.value.field == "body"
    with pytest.raises(ValidationFailed) as exc:
        issue_service.update_issue(support, issue, {"phenomenon": "x" * (limits.LONG_TEXT + 1)})
    assert exc.value.field == "phenomenon"


def test_an_overlong_comment_through_the_page_is_refused_with_a_message(client, login, report):
    support, issue = report
    login(support)
    response = client.post(
        f"/issues/{issue.id}/comments", data={"body": "x" * (limits.COMMENT + 1)}, follow_redirects=True
    )
    assert "1 to 5,000 characters" in response.get_data(
        as_text=True
    ) or "1 to 5000 characters" in response.get_data(as_text=True)
    assert db.session.query(IssueComment).count() == 0


def test_the_api_description_states_every_text_limit(client):
    spec = client.get("/api/v1/openapi.json").json
    unbounded = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # path parameters: integers
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if (
                    schema.get("type") == "string"
                    and "enum" not in schema
                    and "format" not in schema
                    and "maxLength" not in schema
                ):
                    unbounded.append(f"{method} {path} ?{parameter['name']}")
            body = operation.get("requestBody", {}).get("content", {})
            for content in body.values():
                ref = content["schema"].get("$ref", "")
                properties = (
                    spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
                )
                for name, schema in properties.items():
                    if (
                        schema.get("type") == "string"
                        and "enum" not in schema
                        and "format" not in schema
                        and "maxLength" not in schema
                    ):
                        unbounded.append(f"{method} {path} {name}")
    assert unbounded == []
