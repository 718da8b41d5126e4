"""One visibility rule, three renderings: for every role and department of
user and every state and confidentiality of document, the Python check,
the SQL filter and the search query agree (app.documents.policy,
app.issues.policy, app.policy)."""

from __future__ import annotations

import itertools

import pytest
from flask import current_app
from sqlalchemy import select

from app.auth.models import Role
from app.documents import policy
from app.documents.models import Confidentiality, Document, DocumentVersion, VersionState
from app.extensions import db
from app.issues import policy as issue_policy
from app.issues.models import Issue
from app.search import indexer
from app.search.service import SearchArgs, search
from tests import factories

DEPARTMENTS = ("RD", "QC")  # the owning department and another one
STATES = list(VersionState)
# Indexed entries: the effective version, and the newest version still under way.
INDEXED = {VersionState.effective, VersionState.draft, VersionState.in_review, VersionState.pending_approval}


@pytest.fixture
def world(app):
    owner = factories.make_user("author", "RD", name="Owner")
    users = [factories.make_user(role.value, dept) for role, dept in itertools.product(Role, DEPARTMENTS)]
    users.append(owner)  # the author of every version
    documents = {}
    for confidentiality, state in itertools.product(Confidentiality, STATES):
        token = f"vis{confidentiality.value[:3]}{state.value.replace('_', '')}"
        document = factories.make_document(owner, title=f"{token} document", confidentiality=confidentiality.value,
                                           content=f"{token} body\n")
        version = document.versions[0]
        version.state = state.value
        if state in (VersionState.in_review, VersionState.pending_approval):
            version.approval_route = "dept_head,leader"
        documents[(confidentiality, state)] = (document, token)
    db.session.commit()
    indexer.rebuild(current_app.config)
    return users, documents


def test_python_sql_and_search_agree_for_every_role_state_and_confidentiality(world):
    users, documents = world
    checked = 0
    for user in users:
        sql_docs = set(db.session.scalars(select(Document.id).where(policy.visible_documents_clause(user))))
        sql_versions = set(db.session.scalars(
            select(DocumentVersion.id).join(Document).where(policy.visible_versions_clause(user))))
        for (confidentiality, state), (document, token) in documents.items():
            version = document.versions[0]
            python_doc = policy.can_view_document(user, document)
            python_version = policy.can_view_version(user, version)
            where = (user.email, sorted(user.roles), confidentiality.value, state.value)
            assert python_doc == (document.id in sql_docs), where
            assert python_version == (version.id in sql_versions), where
            if state in INDEXED:
                found = search(user, SearchArgs(q=token))["total"] == 1
                assert python_version == found, where
            checked += 1
    assert checked == len(users) * len(documents)


def test_the_rule_says_what_the_policy_promises(world):
    users, documents = world
    outsider = next(u for u in users if set(u.roles) == {"author"} and u.department.code == "QC")
    colleague = next(u for u in users if set(u.roles) == {"support"} and u.department.code == "RD")
    leader = next(u for u in users if set(u.roles) == {"leader"} and u.department.code == "QC")
    internal_draft = documents[(Confidentiality.internal, VersionState.draft)][0].versions[0]
    internal_effective = documents[(Confidentiality.internal, VersionState.effective)][0].versions[0]
    restricted_effective = documents[(Confidentiality.restricted, VersionState.effective)][0].versions[0]
    # Drafts: the owning department, leaders, admins and the author; nobody else.
    assert not policy.can_view_version(outsider, internal_draft)
    assert policy.can_view_version(colleague, internal_draft)
    assert policy.can_view_version(leader, internal_draft)
    # Published internal documents: everybody. Restricted: not outsiders.
    assert policy.can_view_version(outsider, internal_effective)
    assert not policy.can_view_version(outsider, restricted_effective)
    assert policy.can_view_version(leader, restricted_effective)


def test_every_report_is_visible_to_every_user(world):
    users, _documents = world
    from app.issues import service as issues

    report = issues.create_issue(users[0], {"title": "visissue overheating", "phenomenon": "stops"})
    db.session.commit()
    indexer.drain(current_app.config)
    for user in users:
        assert issue_policy.can_view_issue(user, report)
        assert report.id in set(db.session.scalars(select(Issue.id).where(issue_policy.visible_issues_clause(user))))
        assert search(user, SearchArgs(q="visissue", kind="issue"))["total"] == 1
