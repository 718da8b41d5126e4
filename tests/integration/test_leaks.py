"""What a logged-in user (or nobody) could read that was not theirs, and bad
query parameters (issue 21, findings 8 and 9)."""

from __future__ import annotations

import csv
import io

import pytest

from app.extensions import db
from app.issues import service as issue_service


@pytest.fixture
def world(make_user, make_document):
    people = {
        "reporter": make_user("support", "CS"),
        "colleague": make_user("support", "CS"),
        "outsider": make_user("author", "MKT"),
        "admin": make_user("admin", "IT"),
        "rd_author": make_user("author", "RD"),
        "head": make_user("dept_head", "RD"),
    }
    issue = issue_service.create_issue(people["reporter"], {"title": "X200 overheats", "phenomenon": "stops"})
    issue_service.add_comment(people["reporter"], issue, "checked the fan")
    document = make_document(people["rd_author"])
    document.versions[0].state = "effective"  # published: every user may open it
    db.session.commit()
    return people, issue, document


def test_other_peoples_addresses_only_where_one_works_with_them(api_as, world):
    people, issue, document = world
    outsider = api_as(people["outsider"])
    body = outsider.get(f"/issues/{issue.id}").json
    assert body["reported_by"] is None and body["reported_by_name"] == people["reporter"].name
    assert body["comments"][0]["author"] is None and body["comments"][0]["author_name"]
    assert all(event["actor"] is None for event in body["history"])
    listed = outsider.get("/issues").json["items"][0]
    assert listed["reported_by"] is None
    version = outsider.get(f"/documents/{document.id}").json["versions"][0]
    assert version["author"] is None and version["author_name"] == people["rd_author"].name
    csv_text = outsider.get("/issues/export.csv").get_data(as_text=True)
    assert people["reporter"].email not in csv_text and people["reporter"].name in csv_text
    everything = " ".join(
        str(outsider.get(path).get_data(as_text=True))
        for path in (
            f"/issues/{issue.id}",
            "/issues",
            f"/documents/{document.id}",
            f"/documents/{document.id}/history",
        )
    )
    assert "@" not in everything.replace(people["outsider"].email, "")
    # Same department, admins, and the reviewers one submits to: addresses shown.
    assert (
        api_as(people["colleague"]).get(f"/issues/{issue.id}").json["reported_by"] == people["reporter"].email
    )
    assert api_as(people["admin"]).get(f"/issues/{issue.id}").json["reported_by"] == people["reporter"].email
    assert (
        api_as(people["rd_author"]).get(f"/documents/{document.id}").json["versions"][0]["author"]
        == people["rd_author"].email
    )


def test_the_csv_export_names_its_charset_once(api_as, client, login, world):
    people, _issue, _document = world
    assert (
        api_as(people["reporter"]).get("/issues/export.csv").headers["Content-Type"]
        == "text/csv; charset=utf-8"
    )
    login(people["reporter"])
    response = client.get("/issues/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][rows[0].index("reported_by")] == people["reporter"].email  # their own address


@pytest.mark.parametrize(
    "path",
    [
        "/issues/?page=abc",
        "/issues/?page=0",
        "/issues/?page=99999999999999999999",
        "/documents/?page=abc",
        "/documents/{D}/diff?from=abc&to=1",
        "/search?q=x&page=abc",
        "/search?q=x&from=yesterday",
        "/issues/metrics?from=2026-13-45",
        "/search?q=" + "x" * 501,
        "/documents/?q=" + "x" * 501,
    ],
)
def test_bad_query_parameters_are_400(client, login, world, path):
    people, _issue, document = world
    login(people["rd_author"])
    response = client.get(path.replace("{D}", str(document.id)))
    assert response.status_code == 400


def test_the_bad_parameter_message_is_translated(client, login, world):
    people, _issue, _document = world
    login(people["reporter"])
    english = client.get("/issues/?page=abc").get_data(as_text=True)
    chinese = client.get("/issues/?page=abc", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "must be a whole number" in english and "must be a whole number" not in chinese
