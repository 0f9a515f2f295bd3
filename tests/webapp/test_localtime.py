"""Dates and times as learners and trainers read them (issue 14): "9:00 – 16:00 ч., 12 март
2027", no seconds, no zone name, Sofia time, and "утре" / "след 3 дни" near today."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from webapp.localtime import (
    SOFIA,
    days_from_today,
    format_clock,
    format_day,
    format_moment,
    format_span,
    local,
    relative_day,
)


def sofia(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A moment given in Sofia time, stored (as the app stores it) in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=SOFIA).astimezone(UTC)


START, END = sofia(2027, 3, 12, 9, 0), sofia(2027, 3, 12, 16, 0)


@pytest.mark.parametrize(("locale", "expected"), [
    ("bg", "9:00 – 16:00 ч., 12 март 2027"),
    ("en", "9:00 – 16:00, 12 March 2027"),
])
def test_a_range_on_one_day_names_the_day_once(locale: str, expected: str) -> None:
    assert format_span(START, END, locale) == expected


@pytest.mark.parametrize(("locale", "expected"), [
    ("bg", "9:00 – 16:00 ч., петък, 12 март 2027"),
    ("en", "9:00 – 16:00, Friday, 12 March 2027"),
])
def test_a_range_may_name_the_weekday(locale: str, expected: str) -> None:
    assert format_span(START, END, locale, weekday=True) == expected


@pytest.mark.parametrize(("locale", "expected"), [
    ("bg", "9:00 ч., 12 март 2027 – 13:30 ч., 13 март 2027"),
    ("en", "9:00, 12 March 2027 – 13:30, 13 March 2027"),
])
def test_a_range_over_two_days_gives_both_ends_in_full(locale: str, expected: str) -> None:
    assert format_span(START, sofia(2027, 3, 13, 13, 30), locale) == expected


@pytest.mark.parametrize(("locale", "expected"), [
    ("bg", "18:00 – 24:00 ч., 12 март 2027"),
    ("en", "18:00 – 24:00, 12 March 2027"),
])
def test_a_range_to_midnight_ends_the_day_it_starts(locale: str, expected: str) -> None:
    assert format_span(sofia(2027, 3, 12, 18, 0), sofia(2027, 3, 13, 0, 0), locale) == expected


def test_a_moment_at_midnight_is_zero_hours_of_its_own_day() -> None:
    assert format_moment(sofia(2027, 3, 13, 0, 0), "bg") == "0:00 ч., 13 март 2027"
    assert format_span(sofia(2027, 3, 13, 0, 0), sofia(2027, 3, 13, 1, 5), "en") == (
        "0:00 – 1:05, 13 March 2027")


@pytest.mark.parametrize("moment", [
    sofia(2027, 1, 12, 9, 5),   # winter: EET, UTC+2
    sofia(2027, 7, 12, 9, 5),   # summer: EEST, UTC+3
])
def test_times_are_sofia_time_without_seconds_or_zone(moment: datetime) -> None:
    for locale in ("bg", "en"):
        text = format_moment(moment.replace(second=42), locale)
        assert text.startswith("9:05")
        assert ":42" not in text and "EET" not in text and "EEST" not in text
        assert "Sofia" not in text and "време" not in text and "+0" not in text


def test_a_naive_time_is_taken_as_utc() -> None:
    # SQLite gives naive datetimes back: they are UTC, as stored.
    assert local(datetime(2027, 3, 12, 7, 0)) == sofia(2027, 3, 12, 9, 0)
    assert format_clock(datetime(2027, 3, 12, 7, 0), "bg") == "9:00 ч."
    assert format_clock(datetime(2027, 3, 12, 7, 0), "en") == "9:00"


@pytest.mark.parametrize(("locale", "expected"), [
    ("bg", "12 март 2027"), ("en", "12 March 2027")])
def test_a_day_has_no_year_suffix_and_no_time(locale: str, expected: str) -> None:
    assert format_day(date(2027, 3, 12), locale) == expected
    # 23:30 UTC on the 11th is already the 12th in Sofia.
    assert format_day(datetime(2027, 3, 11, 23, 30, tzinfo=UTC), locale) == expected


NOW = sofia(2027, 3, 12, 10, 0)


@pytest.mark.parametrize(("days", "bg", "en"), [
    (0, "днес", "today"),
    (1, "утре", "tomorrow"),
    (-1, "вчера", "yesterday"),
    (2, "след 2 дни", "in 2 days"),
    (3, "след 3 дни", "in 3 days"),
    (6, "след 6 дни", "in 6 days"),
    (-3, "преди 3 дни", "3 days ago"),
    (7, None, None),
    (-7, None, None),
    (40, None, None),
])
def test_days_near_today_are_also_said_relatively(days: int, bg: str | None,
                                                  en: str | None) -> None:
    then = NOW + timedelta(days=days)
    assert relative_day(then, NOW, "bg") == bg
    assert relative_day(then, NOW, "en") == en
    assert relative_day(then.date(), NOW, "bg") == bg


def test_relative_days_are_calendar_days_in_sofia() -> None:
    late = sofia(2027, 3, 12, 23, 30)
    assert relative_day(sofia(2027, 3, 13, 0, 30), late, "bg") == "утре"  # an hour away
    assert relative_day(sofia(2027, 3, 12, 0, 5), late, "bg") == "днес"  # 23 hours ago
    assert relative_day(sofia(2027, 3, 14, 23, 59), sofia(2027, 3, 13, 0, 1), "en") == (
        "tomorrow")
    # 22:30 UTC is already tomorrow in Sofia: the day is Sofia's, not UTC's.
    assert days_from_today(datetime(2027, 3, 12, 22, 30, tzinfo=UTC), NOW) == 1
