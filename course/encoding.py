"""Which encoding a source file that is not UTF-8 was most likely saved in.

Trainers write in Word and Notepad on Windows, where "ANSI" means Windows-1251
for Bulgarian. A file is never decoded by guess to be used: the guess only names
the encoding in a message and offers a conversion that the author sees first.
"""

from __future__ import annotations

import codecs

WINDOWS_1251 = "cp1251"
UTF_16 = "utf-16"
NAMES = {WINDOWS_1251: "Windows-1251", UTF_16: "UTF-16"}
# Characters a Bulgarian text in Windows-1251 holds besides ASCII: Cyrillic and typography.
_TYPOGRAPHY = set("„“”‘’«»–—…№§°·•€\u00a0")


def is_utf8(data: bytes) -> bool:
    """Tell whether ``data`` is valid UTF-8 (a BOM allowed)."""
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def guess_encoding(data: bytes) -> str | None:
    """The codec name of the likely encoding of non-UTF-8 ``data``, or None if unclear."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return UTF_16
    try:
        text = data.decode(WINDOWS_1251)
    except UnicodeDecodeError:  # 0x98 is the one byte Windows-1251 leaves undefined
        return None
    wide = [c for c in text if ord(c) > 127]
    cyrillic = sum(1 for c in wide if "\u0400" <= c <= "\u04ff" or c in _TYPOGRAPHY)
    return WINDOWS_1251 if wide and cyrillic >= 0.9 * len(wide) else None


def encoding_name(codec: str | None) -> str:
    """The name authors know an encoding by (Windows-1251, UTF-16), or "непозната"."""
    return NAMES.get(codec, codec) if codec else "непозната"
