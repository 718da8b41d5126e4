"""Test-data factories: callables that build real rows through the services."""

from __future__ import annotations

import io
import itertools

from sqlalchemy import select

from app.auth import service as auth_service
from app.auth.models import Department, User
from app.documents import service as doc_service
from app.extensions import db

DEFAULT_PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_department(code: str = "RD", name: str | None = None) -> Department:
    existing = db.session.scalar(select(Department).where(Department.code == code))
    if existing:
        return existing
    department = auth_service.create_department(code, name or f"Department {code}")
    db.session.commit()
    return department


def make_user(role: str | list[str] = "author", department: str = "RD", *,
              email: str | None = None, name: str | None = None,
              password: str = DEFAULT_PASSWORD) -> User:
    make_department(department)
    roles = [role] if isinstance(role, str) else list(role)
    n = next(_seq)
    user = auth_service.create_user(
        email or f"{roles[0]}{n}@example.com", name=name or f"{roles[0].title()} {n}",
        department_code=department, roles=roles, password=password,
    )
    db.session.commit()
    return user


def text_upload(text: str, filename: str = "note.txt") -> doc_service.Upload:
    return doc_service.Upload(io.BytesIO(text.encode("utf-8")), filename)


def make_document(author: User | None = None, *, title: str = "X200 user manual",
                  category: str = "technical", doc_type: str = "manual",
                  department: str | None = None, product: str = "X200",
                  important: bool = False, confidentiality: str = "internal",
                  content: str | bytes = "X200 manual, first edition.\n",
                  filename: str = "manual.txt", change_note: str = "first issue"):
    author = author or make_user("author")
    data = content.encode("utf-8") if isinstance(content, str) else content
    document = doc_service.create_document(
        author,
        doc_service.DocumentFields(
            title=title, category=category, doc_type=doc_type,
            department=department or author.department.code, product=product,
            important=important, confidentiality=confidentiality,
        ),
        doc_service.Upload(io.BytesIO(data), filename),
        change_note,
    )
    db.session.commit()
    return document


def add_version(document, author: User, content: str | bytes, *, filename: str = "manual.txt",
                change_note: str = "revised"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    version = doc_service.add_version(author, document, doc_service.Upload(io.BytesIO(data), filename), change_note)
    db.session.commit()
    return version
