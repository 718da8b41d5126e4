"""In-app notifications and e-mail to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from tests import servers
from tests.factories import DEFAULT_PASSWORD as PW


class Sink(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_sink(app):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=servers.free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM="doctrack@example.com")
    yield sink
    controller.stop()


def wait_for(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def team(make_user):
    return {
        "author": make_user("author", "RD", email="author@example.com"),
        "head": make_user("dept_head", "RD", email="head@example.com"),
        "other_head": make_user("dept_head", "QC", email="qchead@example.com"),
    }


def test_reviewer_and_author_are_notified_in_app(api_as, team, make_document):
    document = make_document(team["author"], title="X200 說明書")
    base = f"/documents/{document.id}/versions/1/actions"
    api_as(team["author"]).post(base, json={"action": "submit"})
    head_items = api_as(team["head"]).get("/notifications").json
    assert head_items["unread"] == 1
    assert head_items["items"][0]["kind"] == "review_requested"
    assert "X200 說明書 v1" in head_items["items"][0]["message"]
    assert api_as(team["other_head"]).get("/notifications").json["unread"] == 0

    api_as(team["head"]).post(base, json={"action": "reject", "password": PW, "comment": "請補充數據"})
    author_items = api_as(team["author"]).get("/notifications").json["items"]
    assert author_items[0]["kind"] == "rejected" and "請補充數據" in author_items[0]["message"]

    notification_id = head_items["items"][0]["id"]
    api = api_as(team["head"])
    assert api.post(f"/notifications/{notification_id}/read").status_code == 204
    assert api.get("/notifications").json["unread"] == 0
    # Someone else's notification cannot be touched.
    assert api_as(team["author"]).post(f"/notifications/{notification_id}/read").status_code == 404


def test_mail_goes_out_after_commit(api_as, team, make_document, smtp_sink):
    document = make_document(team["author"], title="Manual")
    base = f"/documents/{document.id}/versions/1/actions"
    api_as(team["author"]).post(base, json={"action": "submit"})
    assert wait_for(lambda: len(smtp_sink.messages) == 1)
    mail = smtp_sink.messages[0]
    assert mail["To"] == "head@example.com"
    assert "Manual v1" in mail["Subject"]
    api_as(team["head"]).post(base, json={"action": "approve", "password": PW})
    assert wait_for(lambda: len(smtp_sink.messages) == 2)
    assert smtp_sink.messages[1]["To"] == "author@example.com"


def test_refused_action_sends_no_mail(api_as, team, make_document, smtp_sink):
    document = make_document(team["author"])
    response = api_as(team["other_head"]).post(
        f"/documents/{document.id}/versions/1/actions", json={"action": "submit"}
    )
    assert response.status_code == 404  # another department's draft does not exist for them
    time.sleep(0.3)
    assert smtp_sink.messages == []


def test_unreachable_mail_server_does_not_break_the_action(app, api_as, team, make_document):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=servers.free_port())
    document = make_document(team["author"])
    response = api_as(team["author"]).post(
        f"/documents/{document.id}/versions/1/actions", json={"action": "submit"}
    )
    assert response.status_code == 200 and response.json["state"] == "in_review"
