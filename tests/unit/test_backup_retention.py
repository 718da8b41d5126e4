"""Retention: 7 daily, 4 weekly, 12 monthly by default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.backup.retention import to_keep

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_daily_backups_for_a_year_keep_7_days_4_weeks_12_months():
    stamps = [NOW - timedelta(days=d) for d in range(400)]
    kept = to_keep(stamps, daily=7, weekly=4, monthly=12)
    days_back = sorted((NOW - s).days for s in kept)
    assert days_back[:7] == [0, 1, 2, 3, 4, 5, 6]
    weeks: dict = {}
    for stamp in stamps:
        weeks.setdefault(stamp.isocalendar()[:2], []).append(stamp)
    newest_per_week = sorted((max(group) for group in weeks.values()), reverse=True)[:4]
    assert set(newest_per_week) <= kept
    # 2026-11-24 is a Tuesday: the previous weeks end on Sundays 2, 9 and 16 days back.
    assert {2, 9, 16} <= set(days_back)
    months = {(s.year, s.month) for s in kept}
    assert len(months) == 12 and (2025, 12) in months and (2025, 11) not in months
    assert len(kept) <= 7 + 4 + 12


def test_several_backups_a_day_keep_the_newest_of_the_day():
    stamps = [NOW - timedelta(hours=h) for h in range(0, 48, 6)]
    kept = to_keep(stamps, daily=7, weekly=0, monthly=0)
    # Every 6 h from Tue 24 Nov 02:00 back to Sun 22 Nov 08:00: newest per day.
    assert kept == {NOW, datetime(2026, 11, 23, 20, 0, tzinfo=UTC), datetime(2026, 11, 22, 20, 0, tzinfo=UTC)}


def test_newest_is_always_kept_and_empty_is_fine():
    assert to_keep([], daily=7, weekly=4, monthly=12) == set()
    assert to_keep([NOW], daily=0, weekly=0, monthly=0) == {NOW}
