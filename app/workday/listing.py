"""Sorting and paging of the lists (documents, problem reports, search):
query parameters checked against an allow-list, and the page count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import abort, request
from flask_babel import gettext as _

PER_PAGE_CHOICES = (25, 50, 100)


def choice_arg(name: str, allowed: Iterable[str], default: str) -> str:
    """A query parameter that must be one of ``allowed``: 400 naming the
    parameter and the values it takes otherwise (never a 500)."""
    allowed = tuple(allowed)
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    if raw not in allowed:
        abort(
            400,
            description=_(
                "The parameter %(name)s must be one of: %(values)s.", name=name, values=", ".join(allowed)
            ),
        )
    return raw


def per_page_arg(default: int = PER_PAGE_CHOICES[0]) -> int:
    return int(choice_arg("per_page", [str(n) for n in PER_PAGE_CHOICES], str(default)))


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position of the first item on this page (1-based), 0 if none."""
        return 0 if self.total == 0 else min((self.page - 1) * self.per_page + 1, self.total + 1)

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
