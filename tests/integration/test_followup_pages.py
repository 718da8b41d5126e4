"""The notification bell, "mark all read", and watching documents and
problem reports."""

from __future__ import annotations

from sqlalchemy import select

from app.approval import service as approval
from app.extensions import db
from app.issues.models import Issue
from app.notify.models import Notification
from app.notify.service import notify


def messages(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)))


def test_bell_counts_unread_and_mark_all_read(client, login, make_user):
    me, other = make_user("author"), make_user("author")
    notify([me, other], "approved", "one")
    notify([me], "approved", "two")
    db.session.commit()
    login(me)
    page = client.get("/documents/").get_data(as_text=True)
    assert 'class="bell"' in page and 'data-unread="2"' in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert 'data-form="read-all"' in listing
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "2 notifications marked as read" in response.get_data(as_text=True)
    assert 'data-unread="0"' in client.get("/documents/").get_data(as_text=True)
    # Only mine: the other user's notification is still unread.
    assert db.session.scalar(select(Notification.read_at).where(Notification.user_id == other.id)) is None


def test_bell_in_chinese(client, login, make_user):
    me = make_user("author")
    notify([me], "approved", "one")
    db.session.commit()
    login(me)
    client.post("/language/zh_Hant")
    page = client.get("/notifications").get_data(as_text=True)
    assert "1 則未讀" in page and "全部標為已讀" in page


def test_watch_a_document_and_hear_of_its_changes(client, login, make_user, make_document):
    author = make_user("author", "RD")
    make_user("dept_head", "RD")
    watcher = make_user("author", "RD")
    watcher.locale = "zh_Hans"
    db.session.commit()
    document = make_document(author)
    login(watcher)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-watching="0"' in page
    client.post(f"/watch/document/{document.id}", data={"on": "1", "next": f"/documents/{document.id}"})
    assert 'data-watching="1"' in client.get(f"/documents/{document.id}").get_data(as_text=True)
    approval.act(document.versions[0], "submit", actor=author)
    db.session.commit()
    assert any("您关注的文件有变更" in m and "审核中" in m for m in messages(watcher))
    assert not any("watch" in m for m in messages(author))  # the actor is not told of their own act
    client.post(f"/watch/document/{document.id}", data={"on": "0"})
    approval.act(document.versions[0], "withdraw", actor=author)
    db.session.commit()
    assert len([m for m in messages(watcher) if "您关注的文件" in m]) == 1


def test_cannot_watch_what_one_cannot_see(client, login, make_user, make_document):
    secret = make_document(make_user("author", "QA"), confidentiality="restricted")
    login(make_user("author", "RD"))
    assert client.post(f"/watch/document/{secret.id}", data={"on": "1"}).status_code == 404
    assert client.post("/watch/plan/1", data={"on": "1"}).status_code == 404


def test_watch_button_on_the_problem_report_page(client, login, make_user):
    reporter = make_user("author", "RD")
    issue = Issue(title="X200 overheats", reported_by_id=reporter.id, state="reported")
    db.session.add(issue)
    db.session.commit()
    login(reporter)
    assert 'data-form="watch"' in client.get(f"/issues/{issue.id}").get_data(as_text=True)
    client.post(f"/watch/issue/{issue.id}", data={"on": "1"})
    assert 'data-watching="1"' in client.get(f"/issues/{issue.id}").get_data(as_text=True)


def test_api_mark_all_read_and_watch(api_as, make_user, make_document):
    me = make_user("author")
    notify([me], "approved", "one")
    notify([me], "approved", "two")
    db.session.commit()
    api = api_as(me)
    assert api.post("/notifications/read-all", json={}).get_json() == {"marked": 2}
    assert api.get("/notifications").get_json()["unread"] == 0
    document = make_document(me)
    response = api.put(f"/watch/document/{document.id}", json={"watching": True})
    assert response.get_json()["watching"] is True
    assert api.put("/watch/document/999999", json={"watching": True}).status_code == 404
    assert api.put(f"/watch/document/{document.id}", json={}).status_code == 400


def test_the_dashboard_lists_what_i_watch_and_may_still_see(client, login, make_user, make_document):
    watcher = make_user("author", "RD")
    document = make_document(make_user("author", "RD"), title="X200 service manual")
    hidden = make_document(make_user("author", "QA"), title="QA secret plan", confidentiality="restricted")
    issue = Issue(title="X200 overheats", reported_by_id=watcher.id, state="reported")
    db.session.add(issue)
    db.session.commit()
    login(watcher)
    empty = client.get("/").get_data(as_text=True)
    assert 'data-panel="watched"' in empty and "Nothing watched yet" in empty
    client.post(f"/watch/document/{document.id}", data={"on": "1"})
    client.post(f"/watch/issue/{issue.id}", data={"on": "1"})
    # A watch on a document that later became invisible (written directly: the route refuses it).
    from app.reminders.models import Watch

    db.session.add(Watch(user_id=watcher.id, target="document", target_id=hidden.id))
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    panel = page[page.index('data-panel="watched"'):]
    panel = panel[: panel.index("</section>")]
    assert "X200 service manual" in panel and "X200 overheats" in panel
    assert "QA secret plan" not in panel
