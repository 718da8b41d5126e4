from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.documents.models import ALL_DOC_TYPES, Category

CATEGORY_LABELS = {
    "technical": _l("Technical"),
    "quality": _l("Quality"),
    "market": _l("Market"),
    "customer": _l("Customer"),
}
DOC_TYPE_LABELS = {
    "spec": _l("Specification"),
    "design": _l("Design document"),
    "white_paper": _l("White paper"),
    "manual": _l("User manual"),
    "inspection_report": _l("Inspection report"),
    "problem_analysis": _l("Problem analysis"),
    "improvement_plan": _l("Improvement plan"),
    "market_research": _l("Market research"),
    "sales_analysis": _l("Sales analysis"),
    "competitor_analysis": _l("Competitor analysis"),
    "feedback_record": _l("Feedback record"),
    "complaint_report": _l("Complaint report"),
    "satisfaction_survey": _l("Satisfaction survey"),
    "other": _l("Other"),
}
CONFIDENTIALITY_LABELS = {"internal": _l("Internal"), "restricted": _l("Restricted")}


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    category = SelectField(_l("Category"), choices=[(c.value, CATEGORY_LABELS[c.value]) for c in Category])
    doc_type = SelectField(_l("Document type"), choices=[(t, DOC_TYPE_LABELS[t]) for t in ALL_DOC_TYPES])
    product = StringField(_l("Product"), validators=[Length(max=100)])
    department = SelectField(_l("Owning department"), choices=[])
    important = BooleanField(_l("Important (needs a leader's approval)"))
    confidentiality = SelectField(_l("Confidentiality"), choices=list(CONFIDENTIALITY_LABELS.items()))
    review_interval_months = IntegerField(
        _l("Review every (months)"), validators=[Optional(), NumberRange(1, 120)]
    )
    change_note = TextAreaField(_l("Change note"), validators=[Length(max=5000)])
    file = FileField(_l("File (DOCX, PDF, Markdown or text)"), validators=[FileRequired()])


class VersionForm(FlaskForm):
    change_note = TextAreaField(_l("Change note"), validators=[DataRequired(), Length(max=5000)])
    effective_on = DateField(_l("Planned effective date (optional)"), validators=[Optional()])
    change_reason = TextAreaField(_l("Reason for change"), validators=[Length(max=10000)])
    affected_documents = StringField(
        _l("Affected documents (numbers, comma-separated)"), validators=[Length(max=10000)]
    )
    file = FileField(_l("File (DOCX, PDF, Markdown or text)"), validators=[FileRequired()])
