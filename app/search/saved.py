"""Saved searches: a user's named query with its filters, shown on the
dashboard with its current count; optionally a daily notification (in the
app and by e-mail) when the count of results has grown since the last one.

Saved views are the same rows with another ``scope``: a named set of
filters and sort of the document list or of the problem-report list."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import limits
from app.audit import record_event
from app.auth.models import User
from app.db import UTCDateTime, utcnow
from app.errors import N_, DomainError, InvalidTransition, NotFound, ValidationFailed
from app.extensions import Model, db

# The arguments of app.search.service.SearchArgs a saved search keeps (not its page).
QUERY_KEYS = (
    "q",
    "kind",
    "category",
    "doc_type",
    "department",
    "product",
    "state",
    "severity",
    "date_from",
    "date_to",
    "sort",
)
MAX_PER_USER = 50
# The lists a saved view can be of, with the query parameters it keeps and where it opens.
VIEW_KEYS = {
    "documents": (
        "q",
        "category",
        "doc_type",
        "department",
        "product",
        "state",
        "review",
        "sort",
        "per_page",
    ),
    "issues": (
        "state",
        "category",
        "severity",
        "department",
        "product",
        "source",
        "overdue",
        "mine",
        "sort",
        "per_page",
    ),
}
VIEW_PATHS = {"search": "/search", "documents": "/documents/", "issues": "/issues/"}
SCOPES = ("search", *VIEW_KEYS)


class SavedSearch(Model):
    __tablename__ = "saved_search"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_search_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict] = mapped_column(JSON, default=dict)
    notify_daily: Mapped[bool] = mapped_column(default=False)
    # "search" (a saved search) or the list a saved view is of (VIEW_KEYS).
    scope: Mapped[str] = mapped_column(String(20), default="search", server_default="search")
    last_total: Mapped[int | None]
    last_notified_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def link(self) -> str:
        path = VIEW_PATHS.get(self.scope, "/search")
        return path + "?" + urlencode({k: v for k, v in self.query.items() if v not in (None, "")})


def _clean_query(query: dict, keys: tuple[str, ...] = QUERY_KEYS) -> dict:
    if not isinstance(query, dict):
        raise ValidationFailed(N_("query is an object of search arguments"), field="query")
    unknown = sorted(set(query) - set(keys))
    if unknown:
        raise ValidationFailed(N_("unknown search argument %(unknown)r"), field="query", unknown=unknown[0])
    cleaned = {}
    for key, value in query.items():
        if value in (None, ""):
            continue
        value = str(value).strip()
        limits.check_length(value, limits.SEARCH_QUERY if key == "q" else limits.FILTER, "query")
        cleaned[key] = value
    return cleaned


def search_args(saved: SavedSearch, per_page: int = 1):
    from datetime import date as date_type

    from app.search.service import SearchArgs

    values = dict(saved.query)
    for key in ("date_from", "date_to"):
        if key in values:
            values[key] = date_type.fromisoformat(values[key])
    return SearchArgs(**values, page=1, per_page=per_page)


def count(user: User, saved: SavedSearch) -> int:
    from app.search.service import search

    return search(user, search_args(saved))["total"]


def save(user: User, name: str, query: dict, notify_daily: bool = False) -> SavedSearch:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(N_("a name is required"), field="name")
    limits.check_length(name, 100, "name")
    cleaned = _clean_query(query)
    if db.session.scalar(
        select(SavedSearch.id).where(SavedSearch.user_id == user.id, SavedSearch.name == name)
    ):
        raise InvalidTransition(N_("you already have a saved search named %(name)r"), name=name)
    if len(mine(user)) >= MAX_PER_USER:
        raise InvalidTransition(N_("at most %(MAX_PER_USER)s saved searches"), MAX_PER_USER=MAX_PER_USER)
    saved = SavedSearch(user_id=user.id, name=name, query=cleaned, notify_daily=bool(notify_daily))
    db.session.add(saved)
    db.session.flush()
    try:
        search_args(saved)
    except (TypeError, ValueError):
        raise ValidationFailed(
            N_("the search arguments do not parse (dates are YYYY-MM-DD)"), field="query"
        ) from None
    saved.last_total = count(user, saved)  # the baseline for "new results"
    record_event(user, "save_search", saved, details={"name": name, "query": cleaned})
    db.session.flush()
    return saved


def mine(user: User, scope: str = "search") -> list[SavedSearch]:
    return list(
        db.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user.id, SavedSearch.scope == scope)
            .order_by(SavedSearch.name)
        )
    )


def save_view(user: User, scope: str, name: str, query: dict) -> SavedSearch:
    """A saved view of a list: its filters and sort under a name of the
    user's. The query is checked by the list when it is opened."""
    if scope not in VIEW_KEYS:
        raise ValidationFailed(N_("Unknown list %(name)s."), field="scope", name=scope[:40])
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(N_("a name is required"), field="name")
    limits.check_length(name, 100, "name")
    cleaned = _clean_query({k: v for k, v in query.items() if k != "page"}, VIEW_KEYS[scope])
    if db.session.scalar(
        select(SavedSearch.id).where(SavedSearch.user_id == user.id, SavedSearch.name == name)
    ):
        raise InvalidTransition(N_("you already have a saved search named %(name)r"), name=name)
    if len(mine(user, scope)) >= MAX_PER_USER:
        raise InvalidTransition(N_("at most %(max)s saved searches"), max=MAX_PER_USER)
    view = SavedSearch(user_id=user.id, name=name, query=cleaned, scope=scope)
    db.session.add(view)
    db.session.flush()
    record_event(user, "save_view", view, details={"name": name, "list": scope, "query": cleaned})
    return view


def delete(user: User, saved_id: int) -> None:
    saved = db.session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound(N_("saved search %(saved_id)s not found"), saved_id=saved_id)
    if saved.scope != "search":
        record_event(user, "delete_view", saved, details={"name": saved.name, "list": saved.scope})
    db.session.delete(saved)
    db.session.flush()


def notify_new_results(today: date) -> int:
    """Once a day per saved search: tell its owner when it finds more than at
    the last notice. Running twice the same day notifies nobody twice."""
    from app.notify.service import notify

    sent = 0
    for saved in db.session.scalars(
        select(SavedSearch).where(
            SavedSearch.notify_daily.is_(True),
            SavedSearch.scope == "search",
            (SavedSearch.last_notified_on.is_(None)) | (SavedSearch.last_notified_on < today),
        )
    ):
        if not saved.user.active:
            continue
        try:
            total = count(saved.user, saved)
        except DomainError:  # now over a bound (words, time): skip it, not every other notice
            continue
        if total > (saved.last_total or 0):
            notify(
                [saved.user],
                "saved_search",
                N_("Saved search %(saved_name)s: 1 new result")
                if total - (saved.last_total or 0) == 1
                else N_("Saved search %(saved_name)s: %(value)s new results"),
                saved.link,
                saved_name=saved.name,
                value=total - (saved.last_total or 0),
            )
            sent += 1
        saved.last_total, saved.last_notified_on = total, today
    db.session.flush()
    return sent
