"""Labels of the plan pages (the service validates every field)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

KIND_LABELS = {"improvement": _l("Improvement-measure plan"), "upgrade": _l("Upgrade plan")}
STATE_LABELS = {
    "draft": _l("Draft"),
    "pending_approval": _l("Waiting for approval"),
    "in_progress": _l("Being carried out"),
    "sent_back": _l("Not effective, sent back"),
    "development": _l("Development"),
    "testing": _l("Testing"),
    "released": _l("Released"),
    "closed": _l("Closed"),
}
ACTION_LABELS = {
    "submit": _l("Submit for approval"),
    "approve": _l("Approve (sign)"),
    "reject": _l("Reject (sign)"),
    "check": _l("Effectiveness check"),
    "reopen": _l("Reopen"),
    "test": _l("Start testing"),
    "release": _l("Release"),
    "send_back": _l("Send back"),
    "promote": _l("Promotion done"),
}
TYPE_LABELS = {
    "containment": _l("Containment"),
    "corrective": _l("Corrective"),
    "preventive": _l("Preventive"),
    "improvement": _l("Improvement"),
    "development": _l("Development"),
    "test": _l("Test"),
    "release": _l("Release"),
    "promotion": _l("Promotion"),
}
STATUS_LABELS = {"open": _l("Open"), "done": _l("Done")}
RELATION_LABELS = {"analysis": _l("Analysis it rests on"), "changed": _l("Changed under this plan")}


class CsrfForm(FlaskForm):
    """Only the CSRF token: the fields are read and validated by the service."""
