"""Normalising typed answers before they are compared with accepted ones."""

from __future__ import annotations

import hmac
import re
import unicodedata

# Latin letters that look like Cyrillic ones: a learner on a Latin keyboard
# layout types "oбщина" and means "община".
_LOOKALIKES = str.maketrans({
    "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р", "C": "С",
    "T": "Т", "X": "Х", "Y": "У", "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х",
    "y": "у", "k": "к",
})
_SPACES = re.compile(r"\s+")
_WRAPPING = "\"'„“”«»‘’`"
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def normalise_text(value: str) -> str:
    """Fold case, spaces, wrapping quotes, a final full stop and Latin look-alikes."""
    value = unicodedata.normalize("NFC", value).translate(_LOOKALIKES).casefold()
    value = _SPACES.sub(" ", value).strip().strip(_WRAPPING).strip()
    return value.rstrip(".!").strip()


def same_text(response: str, accepted: str) -> bool:
    """Compare a typed answer with an accepted one (in constant time)."""
    return hmac.compare_digest(normalise_text(response).encode(), normalise_text(accepted).encode())


def parse_number(value: str) -> float | None:
    """Read a typed number: decimal comma or point, spaces between thousands, − sign."""
    text = value.strip().replace("\u2212", "-").replace("\u00a0", "").replace(" ", "")
    text = text.replace("\u202f", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER.match(text):
        return None
    number = float(text)
    return number if number == number and abs(number) != float("inf") else None
