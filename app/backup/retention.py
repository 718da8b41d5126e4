"""Retention: which backups to keep (pure; no files, no clock).

Like borg/restic: keep the newest backup of each of the most recent
``daily`` days that have backups, of each of the most recent ``weekly``
ISO weeks, and of each of the most recent ``monthly`` months. The newest
backup is always kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def to_keep(
    stamps: Iterable[datetime], *, daily: int = 7, weekly: int = 4, monthly: int = 12
) -> set[datetime]:
    ordered = sorted(set(stamps), reverse=True)
    keep: set[datetime] = set(ordered[:1])
    rules = (
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    )
    for count, period in rules:
        seen: list = []
        for stamp in ordered:
            key = period(stamp)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            keep.add(stamp)
    return keep
