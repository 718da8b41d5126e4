"""Delegation: a deputy sees and signs an absent approver's decisions with
their own password; the signature says on whose behalf; audited; never on
the deputy's own version; only while the delegation runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.approval.models import Signature
from app.audit import AuditEvent
from app.extensions import db
from app.reminders import delegation
from tests.factories import DEFAULT_PASSWORD

DEPUTY_PASSWORD = "deputy's own passphrase"
TODAY = "2026-11-16T02:00:00+00:00"  # Monday 16 November in Taipei


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def team(make_user):
    return {
        "author": make_user("author", "RD"),
        "head": make_user("dept_head", "RD"),
        "deputy": make_user("author", "RD", password=DEPUTY_PASSWORD),
        "leader": make_user("leader", "MGT"),
    }


def submitted(make_document, author, important=False):
    from app.approval import service

    document = make_document(author, important=important)
    service.act(document.versions[0], "submit", actor=author)
    db.session.commit()
    return document


def name_deputy(delegator, deputy, start=date(2026, 11, 16), end=date(2026, 11, 20)):
    row = delegation.create(delegator, deputy=deputy, starts_on=start, ends_on=end, reason="trade fair")
    db.session.commit()
    return row


def act(api, document, action, password, comment=""):
    return api.post(f"/documents/{document.id}/versions/1/actions",
                    json={"action": action, "password": password, "comment": comment})


def test_deputy_sees_and_signs_on_behalf_of_the_head(team, make_document, api_as):
    document = submitted(make_document, team["author"])
    deputy_api = api_as(team["deputy"])
    assert act(deputy_api, document, "approve", DEPUTY_PASSWORD).status_code == 403  # no delegation yet
    name_deputy(team["head"], team["deputy"])
    inbox = deputy_api.get("/approvals/inbox").get_json()
    assert [item["document_id"] for item in inbox["items"]] == [document.id]
    # The head's password does not sign for the deputy: the deputy re-authenticates as themself.
    assert act(deputy_api, document, "approve", DEFAULT_PASSWORD).status_code == 401
    response = act(deputy_api, document, "approve", DEPUTY_PASSWORD)
    assert response.status_code == 200, response.get_json()
    signature = db.session.scalar(select(Signature))
    assert (signature.signer_id, signature.on_behalf_of_id, signature.role, signature.method) == (
        team["deputy"].id, team["head"].id, "dept_head", "password")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "approve"))
    assert event.actor_id == team["deputy"].id and event.details["on_behalf_of"] == team["head"].email


def test_delegation_is_audited(team):
    row = name_deputy(team["head"], team["deputy"])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "delegate"))
    assert event.actor_id == team["head"].id and event.details["deputy"] == team["deputy"].email
    delegation.revoke(team["head"], row.id)
    db.session.commit()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "revoke_delegation")) is not None


def test_deputy_never_approves_their_own_version(team, make_document, api_as):
    document = submitted(make_document, team["deputy"])
    name_deputy(team["head"], team["deputy"])
    deputy_api = api_as(team["deputy"])
    assert deputy_api.get("/approvals/inbox").get_json()["items"] == []
    assert act(deputy_api, document, "approve", DEPUTY_PASSWORD).status_code == 403
    assert db.session.scalar(select(Signature)) is None


def test_only_while_the_delegation_runs(team, make_document, api_as):
    document = submitted(make_document, team["author"])
    name_deputy(team["head"], team["deputy"], start=date(2026, 11, 17), end=date(2026, 11, 18))
    deputy_api = api_as(team["deputy"])
    assert act(deputy_api, document, "approve", DEPUTY_PASSWORD).status_code == 403  # starts tomorrow
    with time_machine.travel("2026-11-18T15:30:00+00:00", tick=False):  # 23:30 on the 18th in Taipei
        assert deputy_api.get("/approvals/inbox").get_json()["total"] == 1
    with time_machine.travel("2026-11-18T16:30:00+00:00", tick=False):  # 00:30 on the 19th: over
        assert deputy_api.get("/approvals/inbox").get_json()["total"] == 0
        assert act(deputy_api, document, "approve", DEPUTY_PASSWORD).status_code == 403


def test_revoked_delegation_ends_at_once(team, make_document, api_as):
    document = submitted(make_document, team["author"])
    row = name_deputy(team["head"], team["deputy"])
    delegation.revoke(team["head"], row.id)
    db.session.commit()
    assert act(api_as(team["deputy"]), document, "reject", DEPUTY_PASSWORD, "no").status_code == 403


def test_leader_deputy_signs_the_final_approval(team, make_document, api_as, make_user):
    document = submitted(make_document, team["author"], important=True)
    assert act(api_as(team["head"]), document, "approve", DEFAULT_PASSWORD).status_code == 200
    other_leader_deputy = make_user("admin", "IT", password=DEPUTY_PASSWORD)
    name_deputy(team["leader"], other_leader_deputy)
    response = act(api_as(other_leader_deputy), document, "reject", DEPUTY_PASSWORD, "needs a test report")
    assert response.status_code == 200, response.get_json()
    signature = db.session.scalars(select(Signature).order_by(Signature.id.desc())).first()
    assert (signature.role, signature.meaning, signature.on_behalf_of_id) == ("leader", "rejected", team["leader"].id)


def test_who_may_delegate_and_bad_dates(team, make_user):
    from app.errors import PermissionDenied, ValidationFailed

    with pytest.raises(PermissionDenied):
        delegation.create(team["author"], deputy=team["deputy"], starts_on=date(2026, 11, 16), ends_on=date(2026, 11, 17))
    outsider = make_user("author", "QA")
    with pytest.raises(ValidationFailed, match="must see your approvals"):
        delegation.create(team["head"], deputy=outsider, starts_on=date(2026, 11, 16), ends_on=date(2026, 11, 17))
    with pytest.raises(ValidationFailed):
        delegation.create(team["head"], deputy=team["head"], starts_on=date(2026, 11, 16), ends_on=date(2026, 11, 17))
    with pytest.raises(ValidationFailed):
        delegation.create(team["head"], deputy=team["deputy"], starts_on=date(2026, 11, 17), ends_on=date(2026, 11, 16))
    with pytest.raises(ValidationFailed):
        delegation.create(team["head"], deputy=team["deputy"], starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 15))
    with pytest.raises(ValidationFailed):
        delegation.create(team["head"], deputy=team["deputy"], starts_on=date(2026, 11, 16),
                          ends_on=date(2026, 11, 16) + timedelta(days=400))


def test_delegation_page_and_deputy_signing_in_the_browser_form(team, make_document, client, login):
    document = submitted(make_document, team["author"])
    login(team["author"])
    assert client.post("/delegations", data={"deputy": team["deputy"].id, "starts_on": "2026-11-16",
                                             "ends_on": "2026-11-20"}).status_code == 403
    client.post("/logout")
    login(team["head"])
    page = client.get("/delegations").get_data(as_text=True)
    assert 'data-form="delegation"' in page
    response = client.post("/delegations", data={"deputy": team["deputy"].id, "starts_on": "2026-11-16",
                                                 "ends_on": "2026-11-20", "reason": "trade fair"},
                           follow_redirects=True)
    assert "Deputy named." in response.get_data(as_text=True)
    client.post("/logout")
    login(team["deputy"], DEPUTY_PASSWORD)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f'data-deputy-for="{team["head"].id}"' in page and "Approve and sign" in page
    client.post(f"/documents/{document.id}/versions/1/act/approve", data={"password": DEPUTY_PASSWORD})
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f'data-behalf="{team["head"].id}"' in page


def test_deputy_is_reminded_of_waiting_approvals(team, make_document, app):
    from app.notify.models import Notification
    from app.reminders.service import send_reminders

    app.config["APPROVAL_REMINDER_WORKING_DAYS"] = 1
    submitted(make_document, team["author"])
    name_deputy(team["head"], team["deputy"], end=date(2026, 11, 30))
    with time_machine.travel("2026-11-19T02:00:00+00:00", tick=False):
        sent = send_reminders()
    assert {s.recipient_id for s in sent if s.stage == "waiting"} == {team["head"].id, team["deputy"].id}
    assert db.session.scalar(select(Notification).where(Notification.user_id == team["deputy"].id)) is not None
