"""Saved searches in the JSON API (the caller's own)."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.api import api_blueprint
from app.extensions import db
from app.search import saved

blp = api_blueprint("saved_searches", "Saved searches")


class SavedSearchArgs(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    query = fields.Dict(
        keys=fields.String(validate=validate.OneOf(saved.QUERY_KEYS)),
        values=fields.String(allow_none=True, validate=validate.Length(max=500)),
        load_default=dict,
        metadata={"description": "search arguments: q, kind, category, ..."},
    )
    notify_daily = fields.Boolean(load_default=False)


class SavedSearchSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    query = fields.Dict()
    notify_daily = fields.Boolean()
    count = fields.Integer(metadata={"description": "results now"})


class SavedSearchListSchema(Schema):
    items = fields.List(fields.Nested(SavedSearchSchema))


def _with_count(item):
    return {
        "id": item.id,
        "name": item.name,
        "query": item.query,
        "notify_daily": item.notify_daily,
        "count": saved.count(current_user, item),
    }


@blp.get("/saved-searches")
@blp.response(200, SavedSearchListSchema)
def list_saved():
    return {"items": [_with_count(s) for s in saved.mine(current_user)]}


@blp.post("/saved-searches")
@blp.arguments(SavedSearchArgs)
@blp.response(201, SavedSearchSchema)
def create_saved(args):
    item = saved.save(current_user, args["name"], args["query"], args["notify_daily"])
    db.session.commit()
    return _with_count(item)


@blp.delete("/saved-searches/<int:saved_id>")
@blp.response(204)
def delete_saved(saved_id):
    saved.delete(current_user, saved_id)
    db.session.commit()
    return ""
