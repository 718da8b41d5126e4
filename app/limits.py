"""Length limits of user-supplied text, in characters: one table used by the
API schemas (so they show in /api/v1/openapi.json), the forms and the
services (which enforce them whatever the caller)."""

from __future__ import annotations

from app.errors import N_, ValidationFailed
from app.labels import Label

TITLE = 300
NAME = 200  # found_by, a person's or place's name
PLACE = 300  # location
CODE = 100  # product, customer reference, token name
LONG_TEXT = 10_000  # phenomenon, scope, analysis, resolution, change notes, action comments
# A comment is Markdown rendered on every view of the report: rendering
# costs ~10-30 us per character on the worst inputs, so 5,000 keeps a
# hostile comment well under 200 ms.
COMMENT = 5_000
SEARCH_QUERY = 500
SEARCH_TERMS = 40  # words (separated by spaces) in one search
FILTER = 100  # filter values in lists and search


def check_length(value: str | None, limit: int, field: str) -> None:
    if value is not None and len(value) > limit:
        raise ValidationFailed(
            N_("%(field_name)s is longer than %(limit)s characters"),
            field=field,
            field_name=Label(field, "field"),
            limit=limit,
        )
