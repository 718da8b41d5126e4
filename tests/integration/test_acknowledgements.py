"""Read-and-acknowledge: readers chosen on the document by department and
role get a task when a version becomes effective, confirm "read and
understood" (with the password when training is required), the document
shows who has and has not, reminders, training records and CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.backup.scheduler import make_scheduler
from app.documents.change_request import company_today
from app.extensions import db
from app.notify.models import Notification
from app.training import service
from tests import factories
from tests.factories import DEFAULT_PASSWORD as PW


@pytest.fixture
def team(make_user):
    return {"author": make_user("author", "RD"), "head": make_user("dept_head", "RD"),
            "op1": make_user("author", "PROD", name="Operator One"),
            "op2": make_user("author", "PROD", name="Operator Two"),
            "prod_head": make_user("dept_head", "PROD"), "qc": make_user("qc", "QC", name="QC Reader"),
            "admin": make_user("admin", "IT")}


def approve(api_as, team, document, number=1):
    base = f"/documents/{document.id}/versions/{number}/actions"
    api_as(team["author"]).post(base, json={"action": "submit"})
    assert api_as(team["head"]).post(base, json={"action": "approve", "password": PW}).json["state"] == "effective"


@pytest.fixture
def procedure(api_as, team, make_document):
    document = make_document(team["author"], title="Assembly procedure")
    response = api_as(team["head"]).put(f"/documents/{document.id}/readers", json={
        "departments": ["PROD", "QC"], "roles": ["author", "qc"], "training_required": True, "due_days": 10})
    assert response.status_code == 200, response.json
    return document


def test_readers_get_tasks_when_the_version_takes_effect_and_sign(api_as, team, procedure):
    url = f"/documents/{procedure.id}/acknowledgements"
    assert api_as(team["head"]).get(url).json["total"] == 0  # nothing effective yet
    approve(api_as, team, procedure)
    status = api_as(team["head"]).get(url).json
    assert sorted(i["reader"] for i in status["items"]) == ["Operator One", "Operator Two", "QC Reader"]
    assert {i["due_on"] for i in status["items"]} == {(company_today() + timedelta(days=10)).isoformat()}
    assert db.session.query(Notification).filter_by(user_id=team["op1"].id, kind="read_and_acknowledge").count() == 1
    # Training required: the confirmation is a signature.
    unsigned = api_as(team["op1"]).post(url, json={})
    assert unsigned.status_code == 401 and unsigned.json["error"]["code"] == "reauthentication_required"
    assert api_as(team["op1"]).post(url, json={"password": "wrong one"}).status_code == 401
    signed = api_as(team["op1"]).post(url, json={"password": PW})
    assert signed.status_code == 201 and signed.json["method"] == "password"
    assert signed.json["sha256"] == procedure.versions[0].sha256
    assert api_as(team["op1"]).post(url, json={"password": PW}).status_code == 409  # once
    assert api_as(team["prod_head"]).post(url, json={"password": PW}).status_code == 409  # not a reader
    status = api_as(team["head"]).get(url).json
    assert status["acknowledged"] == 1 and status["total"] == 3
    history = api_as(team["head"]).get(f"/documents/{procedure.id}/history").json["items"]
    assert [e["verb"] for e in history].count("acknowledge") == 1


def test_a_new_effective_version_asks_again(api_as, team, procedure):
    approve(api_as, team, procedure)
    api_as(team["op1"]).post(f"/documents/{procedure.id}/acknowledgements", json={"password": PW})
    factories.add_version(procedure, team["author"], "second edition\n")
    approve(api_as, team, procedure, 2)
    status = api_as(team["head"]).get(f"/documents/{procedure.id}/acknowledgements").json
    assert status["acknowledged"] == 0 and status["total"] == 3
    record = api_as(team["op1"]).get("/training").json["items"]
    assert [(r["revision"], bool(r["acknowledged_at"])) for r in record] == [("B", False), ("A", True)]


def test_without_training_a_click_confirms(api_as, team, make_document):
    document = make_document(team["author"])
    service.set_requirement(team["head"], document, departments=["QC"], roles=[], training_required=False,
                            due_days=5)
    db.session.commit()
    approve(api_as, team, document)
    response = api_as(team["qc"]).post(f"/documents/{document.id}/acknowledgements", json={})
    assert response.status_code == 201 and response.json["method"] == "token"


def test_only_controllers_choose_readers(api_as, team, procedure):
    body = {"departments": ["QC"], "roles": []}
    assert api_as(team["author"]).put(f"/documents/{procedure.id}/readers", json=body).status_code == 403
    bad = api_as(team["head"]).put(f"/documents/{procedure.id}/readers", json={"departments": ["NOPE"]})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "departments"


def test_reminders_when_due_once_a_day(app, api_as, team, procedure):
    approve(api_as, team, procedure)
    assert "reading_reminders" in {job.id for job in make_scheduler(app).get_jobs()}
    today = company_today()
    assert service.send_reminders(today) == 0  # due in 10 days
    later = today + timedelta(days=9)
    assert service.send_reminders(later) == 3
    assert service.send_reminders(later) == 0  # once a day
    db.session.commit()
    reminders = db.session.query(Notification).filter_by(user_id=team["op2"].id,
                                                         kind="read_and_acknowledge_reminder").all()
    assert len(reminders) == 1 and "Assembly procedure" in reminders[0].message


def test_pages_and_csv_exports(api_as, team, procedure, login, client):
    approve(api_as, team, procedure)
    login(team["op1"])
    page = client.get(f"/documents/{procedure.id}").get_data(as_text=True)
    assert "Read and understood" in page and 'name="password"' in page
    assert "To read and acknowledge" in client.get("/").get_data(as_text=True)
    page = client.post(f"/documents/{procedure.id}/acknowledge", data={"password": PW},
                       follow_redirects=True).get_data(as_text=True)
    assert "Confirmed: read and understood." in page and "1 of 3 readers have confirmed." in page
    record = client.get("/training").get_data(as_text=True)
    assert f"{procedure.number} Rev A" in record
    assert client.get(f"/users/{team['op2'].id}/training").status_code == 404  # another person's record
    mine = client.get(f"/users/{team['op1'].id}/training.csv")
    rows = list(csv.reader(io.StringIO(mine.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["number", "revision", "title", "reader"] and rows[1][3] == "Operator One"
    assert client.get(f"/documents/{procedure.id}/acknowledgements.csv").status_code == 403
    client.post("/logout")
    login(team["head"])
    page = client.get(f"/documents/{procedure.id}").get_data(as_text=True)
    assert "Operator Two" in page and "Not yet" in page
    export = client.get(f"/documents/{procedure.id}/acknowledgements.csv").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))
    assert len(lines) == 4 and sum(1 for line in lines[1:] if line[7]) == 1
    assert api_as(team["head"]).get(f"/documents/{procedure.id}/acknowledgements.csv").status_code == 200
