"""Unbound extensions, initialised in create_app (no import cycles)."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from marshmallow import Schema, fields

from app.db import Base

db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    Model = Base  # what db.Model is, as the type checker can see it
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "machine-readable error code"})
    message = fields.String(required=True, metadata={"description": "what went wrong, in English"})
    localized_message = fields.String(
        metadata={"description": "the same message in the request's language (see `locale`)"}
    )
    locale = fields.String(
        metadata={"description": "the language of `localized_message`: en, zh_Hant or zh_Hans"}
    )
    params = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "the values filled into the message (a client may build its own text from `code`)"
        },
    )
    field = fields.String(metadata={"description": "the request field at fault, when there is one"})


class ErrorSchema(Schema):
    """The one error body every API error has (see app.error_handlers)."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class DoctrackApi(Api):
    ERROR_SCHEMA = ErrorSchema


api = DoctrackApi()
# No default limits: only the routes that ask for one (login) are limited.
limiter = Limiter(key_func=get_remote_address)
