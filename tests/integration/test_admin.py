"""Admin pages: users and departments, admins only, audited."""

from __future__ import annotations

from sqlalchemy import select

from app.audit import AuditEvent
from app.auth.models import Department, User
from app.extensions import db


def test_only_admins_reach_the_admin_pages(client, login, make_user):
    login(make_user("dept_head", "RD"))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/departments").status_code == 403


def test_admin_creates_departments_and_users_and_sets_roles(client, login, make_user):
    admin = make_user("admin", "DA")
    login(admin)
    client.post("/admin/departments", data={"code": "prod", "name": "生產部"})
    assert db.session.scalar(select(Department).where(Department.code == "PROD")).name == "生產部"
    client.post("/admin/users", data={"email": "wang@example.com", "name": "王工程師", "department": "PROD",
                                      "roles": ["author"], "password": "a long password"})
    user = db.session.scalar(select(User).where(User.email == "wang@example.com"))
    assert user.roles == {"author"} and user.department.code == "PROD"
    client.post(f"/admin/users/{user.id}/roles", data={"roles": ["author", "dept_head"]})
    db.session.refresh(user)
    assert user.roles == {"author", "dept_head"}
    client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    db.session.refresh(user)
    assert user.active is False
    assert client.post("/login", data={"email": "wang@example.com", "password": "a long password"}).status_code == 401
    verbs = {e.verb for e in db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == admin.id))}
    assert {"create", "set_roles", "deactivate"} <= verbs


def test_admin_cannot_lock_themselves_out(client, login, make_user):
    admin = make_user("admin", "DA")
    login(admin)
    page = client.post(f"/admin/users/{admin.id}/roles", data={"roles": ["author"]}, follow_redirects=True)
    assert "own admin role" in page.get_data(as_text=True)
    db.session.refresh(admin)
    assert "admin" in admin.roles
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    db.session.refresh(admin)
    assert admin.active


def test_bad_input_is_shown(client, login, make_user):
    login(make_user("admin", "DA"))
    page = client.post("/admin/users", data={"email": "x@example.com", "name": "x", "department": "NOPE",
                                             "roles": ["author"], "password": "a long password"},
                       follow_redirects=True).get_data(as_text=True)
    assert "unknown department" in page
