"""Dobro's local time: the programme, its sessions and its reports are in Bulgaria.

Times are stored in UTC (``models.utcnow``) and shown, compared by calendar day and
printed in this zone; it is named here once.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

TIMEZONE = "Europe/Sofia"
SOFIA = ZoneInfo(TIMEZONE)
