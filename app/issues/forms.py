from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app import limits

SOURCE_LABELS = {
    "customer": _l("Customer complaint"),
    "production": _l("Production"),
    "qc": _l("Quality control"),
    "market": _l("Market"),
    "internal": _l("Internal"),
}
CATEGORY_LABELS = {
    "technical": _l("Technical"),
    "quality": _l("Quality"),
    "functional": _l("Functional"),
    "service": _l("Service"),
}
SEVERITY_LABELS = {1: _l("1 · Major"), 2: _l("2 · Significant"), 3: _l("3 · General")}
STATE_LABELS = {
    "reported": _l("Reported"),
    "triaged": _l("Triaged"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "verified": _l("Verified"),
    "closed": _l("Closed"),
}
ACTION_LABELS = {
    "triage": _l("Classify and assign"),
    "start": _l("Start work"),
    "resolve": _l("Mark resolved"),
    "verify": _l("Verify"),
    "send_back": _l("Send back"),
    "close": _l("Close"),
    "reopen": _l("Reopen"),
}
CHANNEL_LABELS = {
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "online": _l("Online service"),
    "visit": _l("Visit"),
}
RELATION_LABELS = {
    "spec": _l("Specification"),
    "manual": _l("Manual"),
    "analysis": _l("Analysis"),
    "other": _l("Other"),
}


class IssueForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    phenomenon = TextAreaField(_l("What was seen"), validators=[DataRequired(), Length(max=limits.LONG_TEXT)])
    found_at = StringField(_l("When it was found (YYYY-MM-DD HH:MM)"))
    found_by = StringField(_l("Found by"), validators=[Length(max=200)])
    location = StringField(_l("Where"), validators=[Length(max=300)])
    scope = TextAreaField(_l("Scope of impact"), validators=[Length(max=limits.LONG_TEXT)])
    source = SelectField(_l("Source"), choices=list(SOURCE_LABELS.items()))
    customer_ref = StringField(_l("Customer reference"), validators=[Length(max=100)])
    product = StringField(_l("Product"), validators=[Length(max=100)])


class ActionForm(FlaskForm):
    comment = TextAreaField(_l("Comment"))
    # The service validates these and answers with a message naming the
    # field; the form only has to carry them.
    category = SelectField(
        _l("Category"), choices=[("", "")] + list(CATEGORY_LABELS.items()), validate_choice=False
    )
    severity = SelectField(
        _l("Severity"),
        choices=[("", "")] + [(str(k), v) for k, v in SEVERITY_LABELS.items()],
        validate_choice=False,
    )
    department = SelectField(_l("Responsible department"), choices=[], validate_choice=False)
    analysis = TextAreaField(_l("Analysis"))
    resolution = TextAreaField(_l("Resolution"))


class AttachmentForm(FlaskForm):
    """Attach a file (read from request.files; the field only names it)."""

    remove_gps = BooleanField(_l("Remove the GPS position from photos"), default=True)


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Progress note (Markdown)"), validators=[DataRequired(), Length(max=limits.COMMENT)]
    )


class LinkForm(FlaskForm):
    # The document's number (e.g. RD-MAN-0001) or id; the picker (app.workday) fills it in.
    document_id = StringField(_l("Document number"), validators=[DataRequired(), Length(max=60)])
    version = IntegerField(_l("Version"), validators=[DataRequired(), NumberRange(min=1)])
    relation = SelectField(_l("Relation"), choices=list(RELATION_LABELS.items()))


class UnlinkForm(FlaskForm):
    pass


class MetricsForm(FlaskForm):
    start = StringField(_l("From"), validators=[Optional()])
    end = StringField(_l("To"), validators=[Optional()])
