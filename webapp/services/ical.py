"""iCalendar (RFC 5545) text for sessions: one event per session, times in UTC."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Event:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str = ""
    url: str = ""
    # Raised with each change of a published event (RFC 5545 3.8.7.4); CANCELLED: called off.
    sequence: int = 0
    status: str = ""
    organizer: str = ""  # an address: iTIP's REQUEST and CANCEL (RFC 5546) name who sends


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def calendar(events: Iterable[Event], name: str, now: datetime, method: str = "PUBLISH") -> str:
    """A VCALENDAR with ``events`` (``method``: PUBLISH, or REQUEST / CANCEL in an e-mail)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Dobro//Sessions//BG",
             "CALSCALE:GREGORIAN", f"METHOD:{method}", f"X-WR-CALNAME:{_escape(name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{_stamp(now)}",
                  f"DTSTART:{_stamp(event.starts_at)}", f"DTEND:{_stamp(event.ends_at)}",
                  f"SUMMARY:{_escape(event.summary)}", f"LOCATION:{_escape(event.location)}"]
        if event.description:
            lines.append(f"DESCRIPTION:{_escape(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        if event.sequence:
            lines.append(f"SEQUENCE:{event.sequence}")
        if event.status:
            lines.append(f"STATUS:{event.status}")
        if event.organizer:
            lines.append(f"ORGANIZER:mailto:{event.organizer}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
