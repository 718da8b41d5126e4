"""A planned effective date apart from approval: "approved, pending
effective" until the scheduler's job makes it effective at the start of
that day; the change request travels with the version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.approval.service import make_due_versions_effective
from app.audit import AuditEvent
from app.backup.scheduler import make_scheduler, run_effective_dates_job
from app.documents.change_request import company_today
from app.extensions import db
from tests import factories
from tests.factories import DEFAULT_PASSWORD as PW


@pytest.fixture
def team(make_user):
    return {"author": make_user("author", "RD"), "head": make_user("dept_head", "RD"),
            "leader": make_user("leader", "MGMT"), "outsider": make_user("author", "QC")}


def approve(api_as, team, document, number, *, important=False):
    base = f"/documents/{document.id}/versions/{number}/actions"
    assert api_as(team["author"]).post(base, json={"action": "submit"}).status_code == 200
    response = api_as(team["head"]).post(base, json={"action": "approve", "password": PW})
    if important:
        response = api_as(team["leader"]).post(base, json={"action": "approve", "password": PW})
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def planned(api_as, team, make_document):
    """v1 effective; v2 uploaded with a date tomorrow, a reason and an affected document."""
    other = make_document(team["author"], doc_type="spec")
    document = make_document(team["author"])
    approve(api_as, team, document, 1)
    tomorrow = company_today() + timedelta(days=1)
    response = api_as(team["author"]).upload(
        f"/documents/{document.id}/versions", b"second edition\n", "manual.txt", change_note="new torque table",
        effective_on=tomorrow.isoformat(), change_reason="customer complaint 17",
        affected_documents=other.number)
    assert response.status_code == 201, response.json
    assert response.json["effective_on"] == tomorrow.isoformat()
    assert response.json["affected_documents"] == [other.number]
    return document, tomorrow


def test_final_approval_waits_for_the_date_then_the_job_makes_it_effective(api_as, team, planned, login, client):
    document, tomorrow = planned
    body = approve(api_as, team, document, 2)
    assert body["state"] == "approved"
    doc = api_as(team["author"]).get(f"/documents/{document.id}").json
    assert doc["effective_version"] == 1 and doc["approved_version"] == 2
    login(team["author"])
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Approved, pending effective" in page and "RD-MAN-0001 Rev A" in page  # the old one still in force
    # A reader outside the department still gets version 1 as the effective file.
    assert api_as(team["outsider"]).get(f"/documents/{document.id}/effective").data == b"X200 manual, first edition.\n"

    assert make_due_versions_effective(company_today()) == []  # not yet
    done = make_due_versions_effective(tomorrow)
    db.session.commit()
    assert [v.number for v in done] == [2]
    assert make_due_versions_effective(tomorrow) == []  # running twice is harmless
    doc = api_as(team["author"]).get(f"/documents/{document.id}").json
    assert doc["effective_version"] == 2 and doc["approved_version"] is None
    assert [v["state"] for v in doc["versions"]] == ["obsolete", "effective"]
    assert doc["label"] == "RD-MAN-0001 Rev B"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "take_effect")).one()
    assert event.actor_id is None and event.details["effective_on"] == tomorrow.isoformat()


def test_the_scheduler_has_the_job_and_running_it_twice_is_harmless(app, api_as, team, planned):
    document, _tomorrow = planned
    approve(api_as, team, document, 2)
    assert "effective_dates" in {job.id for job in make_scheduler(app).get_jobs()}
    assert run_effective_dates_job(app) == 0  # the date has not come
    version = document.version(2)
    db.session.execute(db.text("UPDATE document_version SET effective_on = :d WHERE id = :id"),
                       {"d": company_today(), "id": version.id})  # the day has come
    db.session.commit()
    assert run_effective_dates_job(app) == 1
    assert run_effective_dates_job(app) == 0
    db.session.expire_all()
    assert [v.state for v in document.versions] == ["obsolete", "effective"]


def test_leader_approval_of_an_important_document_also_waits(api_as, team, make_document):
    document = make_document(team["author"], important=True)
    api_as(team["author"]).patch(f"/documents/{document.id}/versions/1",
                                 json={"effective_on": (company_today() + timedelta(days=3)).isoformat()})
    assert approve(api_as, team, document, 1, important=True)["state"] == "approved"


def test_no_date_means_effective_at_approval(api_as, team, make_document):
    assert approve(api_as, team, make_document(team["author"]), 1)["state"] == "effective"


def test_who_may_plan_and_what_is_refused(api_as, team, planned):
    document, tomorrow = planned
    url = f"/documents/{document.id}/versions/2"
    yesterday = (company_today() - timedelta(days=1)).isoformat()
    past = api_as(team["author"]).patch(url, json={"effective_on": yesterday})
    assert past.status_code == 400 and past.json["error"]["field"] == "effective_on"
    unknown = api_as(team["author"]).patch(url, json={"affected_documents": ["XX-NONE-9999"]})
    assert unknown.status_code == 400 and unknown.json["error"]["field"] == "affected_documents"
    assert api_as(team["outsider"]).patch(url, json={"change_reason": "x"}).status_code == 404  # a draft
    assert api_as(team["author"]).patch(url, json={"change_reason": "x" * 10_001}).status_code == 400
    approve(api_as, team, document, 2)
    later = (tomorrow + timedelta(days=7)).isoformat()
    # Approved: the author no longer, the department head still may move the date.
    assert api_as(team["author"]).patch(url, json={"effective_on": later}).status_code == 403
    moved = api_as(team["head"]).patch(url, json={"effective_on": later})
    assert moved.status_code == 200 and moved.json["effective_on"] == later
    history = api_as(team["head"]).get(f"/documents/{document.id}/history").json["items"]
    assert any(e["verb"] == "plan_version" and e["details"]["effective_on"][1] == later for e in history)
    # No other version may be submitted while one waits for its date.
    factories.add_version(document, team["author"], "third\n")
    refused = api_as(team["author"]).post(f"/documents/{document.id}/versions/3/actions", json={"action": "submit"})
    assert refused.status_code == 409 and "effective date" in refused.json["error"]["message"]
    # Once effective, nothing of the plan changes.
    make_due_versions_effective(tomorrow + timedelta(days=7))
    db.session.commit()
    assert api_as(team["head"]).patch(url, json={"change_reason": "late"}).status_code == 409


def test_version_page_shows_the_change_request(api_as, team, planned, login, client):
    document, tomorrow = planned
    login(team["author"])
    page = client.get(f"/documents/{document.id}/versions/2").get_data(as_text=True)
    assert "customer complaint 17" in page and "RD-SPC-0001" in page and "Planned effective date" in page
