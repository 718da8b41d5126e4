"""A working day on the lists (issue 18): sorting and paging with a page
count, saved views, the document picker, bulk actions, the dashboard."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from app.documents.models import DocumentVersion
from app.extensions import db
from app.issues.models import Issue
from app.notify.models import Notification
from app.notify.service import notify
from app.search.saved import SavedSearch
from tests.factories import DEFAULT_PASSWORD


def switch(client, user):
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def titles(html: str) -> list[str]:
    return re.findall(r'<span class="doc-number">[^<]*</span> ([^<]+)</a>', html)


@pytest.fixture
def rd(make_user):
    return make_user("author", "RD")


@pytest.fixture
def thirty(rd, make_document):
    # Created in an order that is neither alphabetical nor its reverse.
    names = [f"Manual {n:02d}" for n in (7, 3, 29, 11, 1, 18, 25, 14, 2, 22, 9, 27, 5, 16, 20,
                                          12, 30, 4, 24, 8, 15, 19, 26, 6, 13, 28, 10, 21, 17, 23)]
    return [make_document(rd, title=name, product="X200" if i % 2 else "X300") for i, name in enumerate(names)]


def test_documents_sort_by_title_both_ways_with_a_page_count(client, rd, thirty):
    switch(client, rd)
    page1 = client.get("/documents/?sort=title").get_data(as_text=True)
    assert titles(page1) == [f"Manual {n:02d}" for n in range(1, 26)]
    assert "Page 1 of 2" in page1 and "1–25 of 30" in page1 and "30 documents" in page1
    assert 'aria-sort="ascending"' in page1
    page2 = client.get("/documents/?sort=title&page=2").get_data(as_text=True)
    assert titles(page2) == [f"Manual {n:02d}" for n in range(26, 31)]
    assert "Page 2 of 2" in page2 and "26–30 of 30" in page2
    down = client.get("/documents/?sort=-title&per_page=50").get_data(as_text=True)
    assert titles(down) == [f"Manual {n:02d}" for n in range(30, 0, -1)]
    assert "Page 1 of 1" in down and 'aria-sort="descending"' in down
    # The header of the sorted column links to the other direction, keeping the filters.
    filtered = client.get("/documents/?sort=title&product=X200").get_data(as_text=True)
    assert re.search(r'href="/documents/\?sort=-title&amp;product=X200&amp;page=1"|'
                     r'href="/documents/\?[^"]*sort=-title[^"]*"', filtered)
    assert len(titles(filtered)) == 15


@pytest.mark.parametrize("query", ["sort=title;drop", "sort=password", "per_page=1000", "per_page=x"])
def test_a_bad_sort_or_page_size_is_a_400_naming_it(client, rd, thirty, query):
    switch(client, rd)
    response = client.get(f"/documents/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_data(as_text=True)
    assert client.get(f"/issues/?{query}").status_code == 400


def test_issue_list_sorts_by_column_and_counts_pages(client, rd, make_user):
    from app.issues import service

    support = make_user("support", "CS")
    for title in ("Beta", "Alpha", "Gamma"):
        service.create_issue(support, {"title": title, "phenomenon": "p", "source": "internal"})
    db.session.commit()
    switch(client, rd)
    html = client.get("/issues/?sort=title").get_data(as_text=True)
    found = re.findall(r'<a href="/issues/\d+">(\w+)</a>', html)
    assert found == ["Alpha", "Beta", "Gamma"]
    html = client.get("/issues/?sort=-title").get_data(as_text=True)
    assert re.findall(r'<a href="/issues/\d+">(\w+)</a>', html) == ["Gamma", "Beta", "Alpha"]
    assert "Page 1 of 1" in html and "3 reports" in html


def test_saved_view_keeps_filters_and_sort_per_user(client, rd, thirty, make_user):
    switch(client, rd)
    response = client.post("/views", data={"scope": "documents", "name": "X200 by title",
                                           "query": "product=X200&sort=-title&page=3"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/documents/?")
    opened = client.get(response.headers["Location"]).get_data(as_text=True)
    assert titles(opened)[0] > titles(opened)[-1] and len(titles(opened)) == 15  # sorted down, X200 only
    assert "X200 by title" in client.get("/documents/").get_data(as_text=True)
    # Someone else sees neither the view nor can delete it.
    other = make_user("author", "RD")
    switch(client, other)
    assert "X200 by title" not in client.get("/documents/").get_data(as_text=True)
    view = db.session.scalar(select(SavedSearch).where(SavedSearch.name == "X200 by title"))
    assert view.scope == "documents" and view.query == {"product": "X200", "sort": "-title"}
    client.post(f"/views/{view.id}/delete")
    assert db.session.get(SavedSearch, view.id) is not None
    switch(client, rd)
    client.post(f"/views/{view.id}/delete", data={"next": "/documents/"})
    db.session.expire_all()
    assert db.session.get(SavedSearch, view.id) is None


def test_saved_view_refuses_unknown_filters_lists_and_duplicates(client, rd):
    switch(client, rd)
    assert client.post("/views", data={"scope": "users", "name": "x", "query": ""}).status_code == 400
    html = client.post("/views", data={"scope": "issues", "name": "bad", "query": "password=1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "unknown search argument" in html or "password" in html
    client.post("/views", data={"scope": "issues", "name": "Mine", "query": "mine=1&sort=due"})
    html = client.post("/views", data={"scope": "issues", "name": "Mine", "query": "sort=due"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Mine" in html and "flash-error" in html
    # Saved views are not saved searches: the search panel and the API do not list them.
    assert client.get("/api/v1/saved-searches").status_code in (200, 401)
    assert db.session.scalar(select(SavedSearch).where(SavedSearch.name == "Mine")).scope == "issues"


def test_picker_returns_only_what_the_user_may_see(client, make_user, make_document):
    rd, qa = make_user("author", "RD"), make_user("author", "QA")
    public = make_document(rd, title="Torque table")
    secret = make_document(rd, title="Torque secrets", confidentiality="restricted")
    public.versions[0].state = "effective"
    db.session.commit()
    from tests.factories import add_version

    add_version(public, rd, "second draft")
    switch(client, qa)
    items = client.get("/documents/pick?q=torque").get_json()["items"]
    assert [i["title"] for i in items] == ["Torque table"]
    assert items[0]["versions"] == [{"number": 1, "state": "effective"}]  # not the RD draft v2
    assert client.get(f"/documents/pick?q={secret.id}").get_json()["items"] == []
    assert client.get(f"/documents/pick?q={public.number}").get_json()["items"][0]["id"] == public.id
    switch(client, rd)
    items = client.get("/documents/pick?q=torque").get_json()["items"]
    assert {i["title"] for i in items} == {"Torque table", "Torque secrets"}
    assert [v["number"] for v in items[0]["versions"] + items[1]["versions"]].count(2) == 1
    assert client.get("/documents/pick?q=" + "x" * 500).status_code == 400
    client.post("/logout")
    assert client.get("/documents/pick?q=torque").status_code in (302, 401)


def test_link_form_takes_a_document_number_without_javascript(client, make_user, make_document):
    from app.issues import service

    support = make_user("support", "CS")
    document = make_document(make_user("author", "RD"), title="X200 說明書")
    document.versions[0].state = "effective"
    issue = service.create_issue(support, {"title": "過熱", "phenomenon": "E03", "source": "internal"})
    db.session.commit()
    switch(client, support)
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert 'data-picker="/documents/pick"' in page and 'for="link-document"' in page
    client.post(f"/issues/{issue.id}/links", data={"document_id": document.number, "version": 1,
                                                   "relation": "manual"})
    db.session.refresh(issue)
    assert [link.version.document_id for link in issue.links] == [document.id]
    html = client.post(f"/issues/{issue.id}/links", data={"document_id": "NOPE-1", "version": 1,
                                                          "relation": "manual"},
                       follow_redirects=True).get_data(as_text=True)
    assert "NOPE-1" in html and "flash-error" in html


def test_bulk_submit_reports_what_succeeded_and_what_was_refused(client, rd, make_user, make_document):
    mine = [make_document(rd, title=f"Draft {n}") for n in range(3)]
    other = make_document(make_user("author", "RD"), title="Someone else's draft")
    switch(client, rd)
    ids = [d.id for d in mine] + [other.id, 999999]
    response = client.post("/documents/bulk", data={"action": "submit", "ids": ids, "next": "/documents/"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "3 done, 2 refused." in html
    assert "the version&#39;s author" in html or "author" in html
    states = dict(db.session.execute(select(DocumentVersion.document_id, DocumentVersion.state)).all())
    assert [states[d.id] for d in mine] == ["in_review"] * 3 and states[other.id] == "draft"
    again = client.post("/documents/bulk", data={"action": "submit", "ids": [mine[0].id]})
    assert again.status_code == 409 and "0 done, 1 refused." in again.get_data(as_text=True)
    assert client.post("/documents/bulk", data={"action": "approve", "ids": [mine[0].id]},
                       follow_redirects=True).status_code == 200
    assert db.session.scalar(select(DocumentVersion.state).where(
        DocumentVersion.document_id == mine[0].id)) == "in_review"


def test_bulk_zip_and_csv_hold_only_what_the_user_may_download(client, make_user, make_document):
    rd, qa = make_user("author", "RD"), make_user("author", "QA")
    published = make_document(rd, title="Published", content="published text\n", filename="p.txt")
    published.versions[0].state = "effective"
    draft = make_document(rd, title="Draft only", content="draft text\n", filename="d.txt")
    secret = make_document(rd, title="Secret", confidentiality="restricted", filename="s.txt")
    db.session.commit()
    switch(client, qa)
    ids = [published.id, draft.id, secret.id]
    response = client.post("/documents/bulk", data={"action": "zip", "ids": ids})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert len([n for n in names if n != "MISSING.txt"]) == 1 and names[0].startswith(published.number)
    assert archive.read(names[0]) == b"published text\n"
    missing = archive.read("MISSING.txt").decode()
    assert draft.number in missing and "Secret" not in missing and secret.number not in missing
    response = client.post("/documents/bulk", data={"action": "csv", "ids": ids})
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["Published", "Draft only"]
    assert rows[2][7] == ""  # QA may not open RD's draft: no latest version shown
    nothing = client.post("/documents/bulk", data={"action": "zip"}, follow_redirects=True)
    assert "Select at least one row." in nothing.get_data(as_text=True)


def test_bulk_issue_action_goes_through_the_workflow(client, make_user):
    from app.issues import service

    support, rd_head = make_user("support", "CS"), make_user("dept_head", "RD")
    issues = [service.create_issue(support, {"title": f"R{n}", "phenomenon": "p", "source": "internal"})
              for n in range(3)]
    for issue in issues[:2]:
        service.act(issue, "triage", actor=support, fields={"category": "quality", "severity": 2, "department": "RD"})
    db.session.commit()
    switch(client, rd_head)
    response = client.post("/issues/bulk", data={"action": "start", "ids": [i.id for i in issues]})
    html = response.get_data(as_text=True)
    assert "2 done, 1 refused." in html and f"#{issues[2].id}" in html
    db.session.expire_all()
    assert [db.session.get(Issue, i.id).state for i in issues] == ["in_progress", "in_progress", "reported"]
    export = client.post("/issues/bulk", data={"export": "csv", "action": "start", "ids": [issues[1].id]})
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [str(issues[1].id)]
    assert client.post("/issues/bulk", data={"action": "triage", "ids": [issues[2].id]},
                       follow_redirects=True).status_code == 200
    assert db.session.get(Issue, issues[2].id).state == "reported"


def test_mark_selected_or_all_notifications_read_touches_only_mine(client, rd, make_user):
    other = make_user("author", "RD")
    notify([rd, other], "approved", "one")
    notify([rd], "approved", "two")
    notify([rd], "approved", "three")
    db.session.commit()
    mine = db.session.scalars(select(Notification).where(Notification.user_id == rd.id)).all()
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == other.id))
    switch(client, rd)
    page = client.get("/notifications").get_data(as_text=True)
    assert 'form="bulk-notifications"' in page
    client.post("/notifications/read", data={"ids": [mine[0].id, theirs.id]})
    db.session.expire_all()
    assert [n.read_at is not None for n in mine] == [True, False, False]
    assert db.session.get(Notification, theirs.id).read_at is None
    html = client.post("/notifications/read", data={"all": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "2 notifications marked read." in html
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_dashboard_lists_my_tasks_and_recent_documents(client, make_user, make_document):
    from app.approval import service as approval
    from app.issues import service

    author, head = make_user("author", "RD"), make_user("dept_head", "RD")
    support = make_user("support", "CS")
    document = make_document(author, title="Heat sink drawing")
    approval.act(document.versions[0], "submit", actor=author)
    make_document(author, title="Hidden plan", confidentiality="restricted")
    issue = service.create_issue(support, {"title": "Fan noise", "phenomenon": "p", "source": "internal"})
    service.act(issue, "triage", actor=support, fields={"category": "quality", "severity": 2, "department": "RD"})
    issue.assignee_id = head.id
    db.session.commit()
    switch(client, head)
    html = client.get("/").get_data(as_text=True)
    tasks = html.split('data-panel="tasks"')[1].split("</section>")[0]
    assert "Heat sink drawing" in tasks.split('data-list="approvals"')[1].split("</ul>")[0]
    assert "Fan noise" in tasks.split('data-list="reports"')[1].split("</ul>")[0]
    recent = html.split('data-panel="recent"')[1].split("</section>")[0]
    assert "Heat sink drawing" in recent and "Hidden plan" in recent  # same department
    switch(client, make_user("author", "QA"))
    html = client.get("/").get_data(as_text=True)
    recent = html.split('data-panel="recent"')[1].split("</section>")[0]
    assert "Heat sink drawing" in recent and "Hidden plan" not in recent
    assert "Nothing waits for your decision." in html


def test_search_results_show_the_page_count(client, rd, make_user, api_as):
    api = api_as(make_user("support", "CS"))
    for n in range(12):
        assert api.post("/issues", json={"title": f"Gearbox noise {n}", "phenomenon": "gearbox grinds",
                                         "source": "internal"}).status_code == 201
    switch(client, rd)
    html = client.get("/search?q=gearbox").get_data(as_text=True)
    assert "Page 1 of 2" in html
    html = client.get("/search?q=gearbox&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in html and "11–12 of 12" in html
