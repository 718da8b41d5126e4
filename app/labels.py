"""Translated labels for the codes stored in the database and shown on
pages: history verbs, workflow states and roles. A page never shows a raw
code (``upload_version``, ``in_review``): it shows ``code|label(kind)``.

Feature packages keep their own label tables for their forms; this module
holds the codes that cross features (the audit history) and is the fallback
for any code a template prints.
"""

from __future__ import annotations

from app.errors import N_ as _l

# The audit log's verbs (app.audit.record_event) and the workflow actions
# recorded as verbs (approval, problem reports, plans).
EVENT_LABELS = {
    "create": _l("Created (event)"),
    "edit": _l("Edited"),
    "upload_version": _l("Uploaded a version"),
    "plan_version": _l("Planned the version"),
    "import": _l("Imported"),
    "import_state": _l("Imported with its state"),
    "check_out": _l("Checked out"),
    "check_in": _l("Checked in"),
    "break_checkout": _l("Released someone else's check-out"),
    "relate": _l("Linked"),
    "unrelate": _l("Unlinked"),
    "link": _l("Linked a document"),
    "unlink": _l("Unlinked a document"),
    "set_number_pattern": _l("Set the numbering pattern"),
    "export_record": _l("Exported the record"),
    "take_effect": _l("Took effect"),
    "periodic_review": _l("Periodic review"),
    "set_readers": _l("Chose the readers"),
    "acknowledge": _l("Confirmed reading"),
    "submit": _l("Submitted for review"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "withdraw": _l("Withdrawn"),
    "report": _l("Reported"),
    "triage": _l("Classified and assigned"),
    "start": _l("Started work"),
    "resolve": _l("Resolved"),
    "verify": _l("Verified"),
    "send_back": _l("Sent back"),
    "close": _l("Closed"),
    "close_duplicate": _l("Closed as a duplicate"),
    "reopen": _l("Reopened"),
    "comment": _l("Commented"),
    "assign": _l("Assigned people"),
    "customer_details": _l("Recorded customer details"),
    "reply": _l("Replied to the customer"),
    "follow_up": _l("Followed up with the customer"),
    "revise": _l("Revised"),
    "check_effective": _l("Checked: effective"),
    "check_ineffective": _l("Checked: not effective"),
    "test": _l("Started testing"),
    "release": _l("Released"),
    "promote": _l("Promotion done"),
    "add_measure": _l("Added an action"),
    "measure_progress": _l("Recorded progress"),
    "save_search": _l("Saved a search"),
    "login": _l("Signed in"),
    "logout": _l("Signed out"),
    "set_password": _l("Changed the password"),
    "create_token": _l("Created an API token"),
    "revoke_token": _l("Revoked an API token"),
    "set_roles": _l("Changed the roles"),
    "activate": _l("Activated"),
    "deactivate": _l("Deactivated"),
}

# Every workflow state: document versions, problem reports, plans.
STATE_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "pending_approval": _l("Pending approval"),
    "approved": _l("Approved, pending effective"),
    "effective": _l("Effective"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "obsolete": _l("Obsolete"),
    "reported": _l("Reported"),
    "triaged": _l("Triaged"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "verified": _l("Verified"),
    "closed": _l("Closed"),
    "sent_back": _l("Not effective, sent back"),
    "development": _l("Development"),
    "testing": _l("Testing"),
    "released": _l("Released"),
}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "leader": _l("Leader"),
    "dept_head": _l("Department head"),
    "author": _l("Author"),
    "support": _l("Customer support"),
    "qc": _l("Quality control"),
}

# The buckets metrics count what has no value yet in.
METRIC_LABELS = {
    "unclassified": _l("Not classified yet"),
    "unassigned": _l("No department yet"),
    "0": _l("No severity yet"),
}

# Workflow actions inside a sentence ("cannot %(action)s a version ...").
ACTION_LABELS = {
    "submit": _l("submit for review"),
    "approve": _l("approve"),
    "reject": _l("reject"),
    "withdraw": _l("withdraw"),
    "triage": _l("classify and assign"),
    "start": _l("start work on"),
    "resolve": _l("resolve"),
    "verify": _l("verify"),
    "send_back": _l("send back"),
    "close": _l("close"),
    "close_duplicate": _l("close as a duplicate"),
    "reopen": _l("reopen"),
    "revise": _l("revise"),
    "check_effective": _l("check as effective"),
    "check_ineffective": _l("check as not effective"),
    "test": _l("start testing"),
    "release": _l("release"),
    "promote": _l("finish the promotion of"),
}

# Who may act, as the workflow tables name them (their who_label).
WHO_LABELS = {
    text: text
    for text in (
        _l("a leader (not the author)"),
        _l("customer service or a department head"),
        _l("management (a leader other than the plan's author)"),
        _l("marketing or the responsible department head"),
        _l("quality control"),
        _l("quality control or management"),
        _l("quality control or the responsible department head"),
        _l("quality control, customer service or the responsible department head"),
        _l("the head of the owning department (not the author)"),
        _l("the responsible department"),
        _l("the responsible department head"),
        _l("the responsible department head or quality control"),
        _l("the version's author"),
    )
}

# Relations between reports and between documents, inside a sentence.
RELATION_LABELS = {
    "duplicate_of": _l("a duplicate of"),
    "caused_by": _l("caused by"),
    "related": _l("related to"),
    "supersedes": _l("supersedes"),
    "references": _l("references"),
    "implements": _l("implements"),
}

# Request fields named inside a message ("%(field_name)s is longer than ...").
FIELD_LABELS = {
    "title": _l("the title"),
    "phenomenon": _l("what was seen"),
    "found_by": _l("who found it"),
    "found_at": _l("when it was found"),
    "location": _l("where it was found"),
    "scope": _l("the scope of impact"),
    "customer_ref": _l("the customer reference"),
    "product": _l("the product"),
    "analysis": _l("the analysis"),
    "resolution": _l("the resolution"),
    "category": _l("the category"),
    "severity": _l("the severity"),
    "department": _l("the department"),
    "comment": _l("the comment"),
    "body": _l("the text"),
    "text": _l("the text"),
    "change_note": _l("the change note"),
    "change_reason": _l("the reason for the change"),
    "affected_documents": _l("the affected documents"),
    "description": _l("the description"),
    "progress": _l("the progress note"),
    "remedy": _l("the remedy"),
    "contact": _l("the contact"),
    "email": _l("the e-mail address"),
    "name": _l("the name"),
    "query": _l("the search"),
    "problem": _l("the problem"),
    "root_cause": _l("the root cause"),
    "goal": _l("the goal"),
    "features": _l("the features"),
    "approach": _l("the approach"),
    "test_plan": _l("the test plan"),
    "check_date": _l("the check date"),
    "release_date": _l("the release date"),
    "due_date": _l("the due date"),
    "assignee_id": _l("the responsible person"),
    "team_ids": _l("the team"),
}

KINDS = {
    "field": FIELD_LABELS,
    "event": EVENT_LABELS,
    "state": STATE_LABELS,
    "role": ROLE_LABELS,
    "metric": METRIC_LABELS,
    "action": ACTION_LABELS,
    "who": WHO_LABELS,
    "relation": RELATION_LABELS,
}


def label(code, kind: str = "state") -> str:
    """The label of ``code`` (a str or enum member) in the reader's
    language, or the code itself when it has none (``test_i18n`` fails on
    such a page)."""
    from flask_babel import gettext

    if code is None or code == "":
        return ""
    key = str(getattr(code, "value", code))
    found = KINDS[kind].get(key)
    return gettext(found) if found is not None else key


class Label(str):
    """A code passed as a message param: formatted as its English label
    (the API's English message, logs; a field as its name), shown as the
    translated label on pages and in ``localized_message``
    (``app.i18n.translated``)."""

    kind: str
    code: str

    def __new__(cls, code, kind: str) -> Label:
        key = str(getattr(code, "value", code))
        # A field keeps its name in English (what API clients send); the
        # other kinds read as English words.
        self = super().__new__(cls, key if kind == "field" else KINDS[kind].get(key, key))
        self.kind, self.code = kind, key
        return self

    def translated(self) -> str:
        return label(self.code, self.kind)
