"""Dobro's local time: the programme, its sessions and its reports are in Bulgaria.

Times are stored in UTC (``models.utcnow``) and shown, compared by calendar day and
printed in this zone; it is named here once.

The functions below are the one way a date or a time reaches a learner or a trainer:
"9:00 – 16:00 ч., 12 март 2027" in Bulgarian, "9:00 – 16:00, 12 March 2027" in English.
No seconds and no zone name (Sofia time is implied); a 24-hour clock in both languages,
as everyone in the programme reads the times of Bulgarian sessions. They are pure: the
language and the current time are arguments, so ``templating`` binds them per request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_timedelta

TIMEZONE = "Europe/Sofia"
SOFIA = ZoneInfo(TIMEZONE)

DAY = "d MMMM y"
DAY_WITH_WEEKDAY = "EEEE, d MMMM y"
# Bulgarian writes the hour with its unit ("9:00 ч."); it is part of the format, like "г."
# would be, not a phrase to translate.
CLOCK_UNIT = {"bg": " ч."}
RANGE_DASH = " – "
# Up to this many days away, a day is also said relatively ("след 3 дни", "преди 2 дни").
RELATIVE_DAYS = 6


def local(moment: datetime) -> datetime:
    """``moment`` in Sofia time; a naive one is taken as UTC (SQLite returns those)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SOFIA)


def local_day(value: date | datetime) -> date:
    """The calendar day in Sofia of a moment (a date is its own day)."""
    return local(value).date() if isinstance(value, datetime) else value


def format_day(value: date | datetime, locale: str, *, weekday: bool = False) -> str:
    """The day, as "12 март 2027" (or "петък, 12 март 2027" with ``weekday``)."""
    return format_date(local_day(value), DAY_WITH_WEEKDAY if weekday else DAY, locale=locale)


def _clock(moment: datetime, *, end_of_day: bool = False) -> str:
    shown = local(moment)
    hour = 24 if end_of_day and shown.hour == 0 and shown.minute == 0 else shown.hour
    return f"{hour}:{shown.minute:02d}"


def format_clock(moment: datetime, locale: str) -> str:
    """The time of day, as "9:00 ч." (Bulgarian) or "9:00"."""
    return _clock(moment) + CLOCK_UNIT.get(_language(locale), "")


def format_moment(moment: datetime, locale: str, *, weekday: bool = False) -> str:
    """A moment, as "9:00 ч., 12 март 2027"."""
    return f"{format_clock(moment, locale)}, {format_day(moment, locale, weekday=weekday)}"


def format_span(start: datetime, end: datetime, locale: str, *, weekday: bool = False) -> str:
    """From ``start`` to ``end``: "9:00 – 16:00 ч., 12 март 2027" when on one day.

    An end at midnight closes the day it starts ("20:00 – 24:00 ч."); a span over
    several days gives both ends in full.
    """
    first, last = local(start), local(end)
    ends_at_midnight = (last.hour, last.minute) == (0, 0) and last > first
    last_day = last.date() - timedelta(days=1) if ends_at_midnight else last.date()
    if last_day != first.date():
        return (format_moment(start, locale, weekday=weekday) + RANGE_DASH
                + format_moment(end, locale, weekday=weekday))
    unit = CLOCK_UNIT.get(_language(locale), "")
    return (f"{_clock(start)}{RANGE_DASH}{_clock(end, end_of_day=True)}{unit}, "
            f"{format_day(start, locale, weekday=weekday)}")


def days_from_today(value: date | datetime, now: datetime) -> int:
    """How many calendar days (in Sofia) ``value`` is after ``now``; negative if before."""
    return (local_day(value) - local_day(now)).days


def relative_day(value: date | datetime, now: datetime, locale: str) -> str | None:
    """"днес", "утре", "вчера", "след 3 дни", "преди 2 дни" — or None when further away.

    Calendar days, not 24-hour periods: at 23:30, a session at 0:30 is tomorrow.
    The words are CLDR's, through Babel, so both interface languages have them.
    """
    offset = days_from_today(value, now)
    if abs(offset) > RELATIVE_DAYS:
        return None
    # Babel has no public call for CLDR's "today"/"tomorrow"/"yesterday"; its data has them.
    named: dict[int, str] = Locale.parse(_language(locale))._data["date_fields"]["day"]["relative"]
    if abs(offset) <= 1 and offset in named:
        return named[offset]
    # A high threshold keeps "6 days" from being rounded to "1 week".
    return format_timedelta(timedelta(days=offset), granularity="day", threshold=10,
                            add_direction=True, locale=_language(locale))


def _language(locale: str) -> str:
    return str(locale).replace("-", "_").split("_")[0] or "bg"
