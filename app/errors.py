"""Domain errors and their mapping to HTTP.

Services raise these; one handler turns them into a JSON error body for the
API (``{"error": {"code", "message"}}``) or an HTML error page for the UI.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Marks ``message`` as a catalogue msgid (``pybabel extract -k N_``)
    without translating it: a DomainError keeps the English msgid and its
    params, and is translated where it is shown (page, API, CLI)."""
    return message


class DomainError(Exception):
    """Base of every error a user can cause; ``status`` is its HTTP code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, **params):
        # ``message`` may be a catalogue msgid with %(name)s placeholders
        # filled from ``params``: it is then shown in the reader's language.
        from app.i18n import english

        super().__init__(english(message, params))
        self.msgid = message
        self.params = params
        self.field = field

    @property
    def message(self) -> str:
        """The message in the language of the current request (English
        outside one, e.g. in the extraction child or on the command line)."""
        from flask import has_request_context

        from app.i18n import english, translated

        if has_request_context():
            return translated(self.msgid, self.params)
        return english(self.msgid, self.params)


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class ValidationFailed(DomainError):
    """A field has a value the service does not accept; ``field`` names it."""

    status = 400
    code = "invalid_field"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class InvalidTransition(DomainError):
    """The object's current state does not allow the action (409)."""

    status = 409
    code = "invalid_transition"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class FileTooLarge(DomainError):
    status = 413
    code = "file_too_large"


class UnsupportedFileType(DomainError):
    status = 415
    code = "unsupported_file_type"


class BadUpload(DomainError):
    """The file is of a supported type but cannot be read (corrupt,
    truncated, encrypted, zip bomb). ``code`` names the problem."""

    status = 422
    code = "bad_upload"

    def __init__(self, message: str, *, code: str = "bad_upload", **params):
        super().__init__(message, **params)
        self.code = code


class ReauthenticationRequired(DomainError):
    """An action that signs needs the actor's password in the same request."""

    status = 401
    code = "reauthentication_required"


class WrongPassword(DomainError):
    status = 401
    code = "wrong_password"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"
