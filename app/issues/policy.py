"""Who may see a problem report: one rule, three renderings (``app.policy``).

Every logged-in user may read every problem report: support staff search
past analyses before answering a customer, whatever department wrote them.
What a report links to is filtered by the documents' own rule
(``app.documents.policy.can_view_version``).
"""

from __future__ import annotations

from app.auth.models import User
from app.issues.models import Issue
from app.policy import Always, Rule, check, to_sql

ISSUE_RULE: Rule = Always()


def can_view_issue(user: User, issue: Issue) -> bool:
    return check(ISSUE_RULE, user, {"department_id": issue.department_id})


def visible_issues_clause(user: User):
    return to_sql(ISSUE_RULE, user, {"department_id": Issue.department_id})
