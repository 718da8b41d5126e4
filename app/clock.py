"""The company's calendar: dates (due dates, effective dates, review dates,
check and release dates, the days and months of the indicators) are days in
the company's time zone (``BABEL_DEFAULT_TIMEZONE``), not in the server's
and not in UTC. At 18:00 UTC it is already tomorrow in Taipei."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def company_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def company_today() -> date:
    """Today in the company's time zone."""
    return datetime.now(company_zone()).date()


def company_date(moment: datetime) -> date:
    """The calendar date of an instant in the company's time zone."""
    return moment.astimezone(company_zone()).date()


def company_month(moment: datetime) -> str:
    """The company's calendar month of an instant, as ``YYYY-MM``."""
    return company_date(moment).strftime("%Y-%m")


def company_midnight(day: date) -> datetime:
    """The instant, in UTC, at which a day of the company's calendar begins."""
    return datetime(day.year, day.month, day.day, tzinfo=company_zone()).astimezone(UTC)


def company_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The days ``first`` to ``last`` (both included) of the company's
    calendar as the instants [start, end) in UTC."""
    return company_midnight(first), company_midnight(last + timedelta(days=1))
