from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length


class PlainForm(FlaskForm):
    """A button: no fields beyond the CSRF token."""


class DelegationForm(FlaskForm):
    deputy = SelectField(_l("Deputy"), coerce=int, validators=[DataRequired()])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])
