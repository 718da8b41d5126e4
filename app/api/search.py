"""Search route of the JSON API."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app import limits
from app.api import api_blueprint
from app.search import service

blp = api_blueprint("search", "Full-text search over documents and problem reports")


class SearchQueryArgs(Schema):
    # The service checks the bounds (400 query_too_long / too_many_terms).
    q = fields.String(
        load_default="",
        metadata={
            "maxLength": limits.SEARCH_QUERY,
            "description": f"at most {limits.SEARCH_QUERY} characters and {limits.SEARCH_TERMS} words",
        },
    )
    kind = fields.String(validate=validate.OneOf(["document", "issue", "plan"]))
    category = fields.String(validate=validate.Length(max=limits.FILTER))
    doc_type = fields.String(validate=validate.Length(max=limits.FILTER))
    department = fields.String(validate=validate.Length(max=limits.FILTER))
    product = fields.String(validate=validate.Length(max=limits.CODE))
    state = fields.String(validate=validate.Length(max=limits.FILTER))
    severity = fields.Integer(validate=validate.Range(1, 3))
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    sort = fields.String(load_default="relevance", validate=validate.OneOf(["relevance", "date"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class SearchHitSchema(Schema):
    kind = fields.String()
    id = fields.Integer()
    title = fields.String()
    score = fields.Float()
    highlights = fields.List(fields.String(), metadata={"description": "sanitised HTML; hits in <mark>"})
    pages = fields.List(
        fields.Integer(),
        metadata={"description": "pages (1-based) of an OCR-read scan where the terms occur; [] otherwise"},
    )
    category = fields.String(allow_none=True)
    doc_type = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    product = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    severity = fields.Integer(allow_none=True)
    variant = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    updated = fields.String(allow_none=True)


class SearchResultSchema(Schema):
    items = fields.List(fields.Nested(SearchHitSchema))
    total = fields.Integer()
    total_exact = fields.Boolean(
        metadata={
            "description": "false when `total` and the facet counts are "
            "estimated (a quoted phrase with many candidates)"
        }
    )
    page = fields.Integer()
    per_page = fields.Integer()
    facets = fields.Dict()


class SimilarSchema(Schema):
    items = fields.List(fields.Dict())


@blp.get("/search")
@blp.arguments(SearchQueryArgs, location="query")
@blp.response(200, SearchResultSchema)
def search(args):
    return service.search(current_user, service.SearchArgs(**args))


@blp.get("/issues/<int:issue_id>/similar")
@blp.response(200, SimilarSchema)
def similar(issue_id):
    from app.issues.service import get_issue

    get_issue(issue_id)
    return {"items": service.similar_issues(current_user, issue_id)}
