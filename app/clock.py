"""The company's calendar: dates (due dates, effective dates, review dates)
are days in the company's time zone (``BABEL_DEFAULT_TIMEZONE``), not in the
server's. At 18:00 UTC it is already tomorrow in Taipei."""

from __future__ import annotations

from datetime import date, datetime
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
