from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length


class ActionForm(FlaskForm):
    """Submit or withdraw: no fields beyond the CSRF token."""


class ApproveForm(FlaskForm):
    password = PasswordField(_l("Your password (electronic signature)"), validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])


class RejectForm(FlaskForm):
    password = PasswordField(_l("Your password (electronic signature)"), validators=[DataRequired()])
    comment = TextAreaField(_l("Reason for rejection"), validators=[DataRequired(), Length(max=5000)])
