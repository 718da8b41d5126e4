"""Saved searches: saved with filters under a name, on the dashboard with
current counts, a daily notice when new results appear."""

from __future__ import annotations

from datetime import timedelta

from app.backup.scheduler import make_scheduler
from app.clock import company_today
from app.extensions import db
from app.notify.models import Notification
from app.search import saved
from tests import factories
from tests.factories import DEFAULT_PASSWORD as PW


def publish(api_as, author, head, title):
    document = factories.make_document(author, title=title, content=f"{title} gearbox noise\n")
    base = f"/documents/{document.id}/versions/1/actions"
    api_as(author).post(base, json={"action": "submit"})
    api_as(head).post(base, json={"action": "approve", "password": PW})
    return document


def test_save_list_with_counts_dashboard_and_daily_notice(app, api_as, make_user, login, client):
    author, head, reader = make_user("author", "RD"), make_user("dept_head", "RD"), make_user("qc", "QC")
    publish(api_as, author, head, "X200 gearbox")
    response = api_as(reader).post("/saved-searches", json={
        "name": "Gearbox", "query": {"q": "gearbox", "kind": "document"}, "notify_daily": True})
    assert response.status_code == 201, response.json
    assert response.json["count"] == 1
    assert api_as(reader).post("/saved-searches", json={"name": "Gearbox", "query": {}}).status_code == 409
    bad = api_as(reader).post("/saved-searches", json={"name": "x", "query": {"owner": "me"}})
    assert bad.status_code == 400
    publish(api_as, author, head, "X300 gearbox")
    listed = api_as(reader).get("/saved-searches").json["items"]
    assert [(i["name"], i["count"]) for i in listed] == [("Gearbox", 2)]
    assert api_as(author).get("/saved-searches").json["items"] == []  # one's own only
    login(reader)
    page = client.get("/").get_data(as_text=True)
    assert "Saved searches" in page and "Gearbox" in page and "2 results" in page

    assert "saved_searches" in {job.id for job in make_scheduler(app).get_jobs()}
    today = company_today()
    assert saved.notify_new_results(today) == 1
    assert saved.notify_new_results(today) == 0  # once a day
    assert saved.notify_new_results(today + timedelta(days=1)) == 0  # nothing new since
    db.session.commit()
    notes = db.session.query(Notification).filter_by(user_id=reader.id, kind="saved_search").all()
    assert len(notes) == 1 and "Gearbox: 1 new result" in notes[0].message
    item_id = listed[0]["id"]
    assert api_as(author).delete(f"/saved-searches/{item_id}").status_code == 404
    assert api_as(reader).delete(f"/saved-searches/{item_id}").status_code == 204
