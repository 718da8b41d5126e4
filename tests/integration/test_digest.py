"""Delivery preferences and the daily digest, checked on a real local SMTP
server (aiosmtpd), in all three languages."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest
import time_machine

from app.extensions import db
from app.notify.service import notify, set_preferences
from app.reminders.digest import send_digests
from tests.integration.test_notify import smtp_sink, wait_for  # noqa: F401  (fixture)


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message) -> str:
    return message.get_payload(decode=True).decode("utf-8") if not message.is_multipart() else ""


@pytest.mark.parametrize("locale, expected", [
    ("en", ("Your Doctrack digest for 2026-11-16", "Waiting for you (1):", "Since the last digest (2):")),
    ("zh_Hant", ("Doctrack 每日摘要 2026-11-16", "等待您處理（1）：", "自上次摘要以來（2）：")),
    ("zh_Hans", ("Doctrack 每日摘要 2026-11-16", "等待您处理（1）：", "自上次摘要以来（2）：")),
])
def test_daily_digest_in_the_users_language(app, smtp_sink, make_user, make_document, locale, expected):  # noqa: F811
    from app.approval import service as approval

    head = make_user("dept_head", "RD", email=f"head-{locale}@example.com")
    head.locale = locale
    author = make_user("author", "RD")
    set_preferences(head, {"approvals": "daily", "watched": "daily", "other": "in_app"})
    db.session.commit()
    document = make_document(author, title="X200 manual")
    approval.act(document.versions[0], "submit", actor=author)  # review requested: waits, daily kind
    notify([head], "watched_document", "X300 spec changed", "/documents/1")
    notify([head], "backup_failed", "in-app only", "/")
    db.session.commit()
    assert not wait_for(lambda: smtp_sink.messages, 1.0)  # nothing sent at once
    with time_machine.travel("2026-11-16T00:00:00+00:00", tick=False):
        assert send_digests() == 1
        db.session.commit()
        assert send_digests() == 0  # once a day
        db.session.commit()
    assert wait_for(lambda: len(smtp_sink.messages) == 1)
    message = smtp_sink.messages[0]
    text = body(message)
    assert message["To"] == head.email and subject(message) == "[Doctrack] " + expected[0]
    assert expected[1] in text and expected[2] in text
    assert "X200 manual" in text and "X300 spec changed" in text and "in-app only" not in text
    # The next day: the listed notifications are not listed again.
    with time_machine.travel("2026-11-17T00:00:00+00:00", tick=False):
        send_digests()
        db.session.commit()
    assert wait_for(lambda: len(smtp_sink.messages) == 2)
    assert "X300 spec changed" not in body(smtp_sink.messages[1])


def test_immediate_by_default_and_in_app_only_sends_nothing(app, smtp_sink, make_user):  # noqa: F811
    me = make_user("author", email="me@example.com")
    notify([me], "approved", "immediate one")
    db.session.commit()
    assert wait_for(lambda: len(smtp_sink.messages) == 1)
    set_preferences(me, {"approvals": "in_app"})
    notify([me], "approved", "quiet one")
    db.session.commit()
    assert not wait_for(lambda: len(smtp_sink.messages) > 1, 1.0)
    with time_machine.travel("2026-11-16T00:00:00+00:00", tick=False):
        assert send_digests() == 0  # no daily choice: no digest


def test_preferences_page_and_bad_choice(client, login, make_user):
    me = make_user("author")
    login(me)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'data-form="preferences"' in page
    client.post("/notifications/preferences", data={"approvals": "daily", "issues": "in_app"})
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert '<option value="daily" selected>' in page and '<option value="in_app" selected>' in page
    response = client.post("/notifications/preferences", data={"approvals": "hourly"}, follow_redirects=True)
    assert "unknown notification kind or delivery" in response.get_data(as_text=True)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert '<option value="daily" selected>' in page  # the bad choice changed nothing
