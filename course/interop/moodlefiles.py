"""The files embedded in Moodle XML (``<file encoding="base64">``), in and out.

Moodle keeps a question's images beside its text and links them as
``@@PLUGINFILE@@/path/name``. Dobro keeps a topic's images in
``modules/<topic>/img/`` and a text links them relative to ``modules/<topic>/``
(AUTHORING.md «Картинки»), so ``img/x.png`` means the same file in a module and in a
question. An image that came from Dobro (its Moodle path starts with ``/img/``)
returns to the same place; any other goes under ``img/<quiz id>/``.

Only PNG, JPEG, GIF and WebP are taken in, each recognised by its bytes, not by its
name. SVG is refused: an SVG is a document that may carry scripts and links, and
the course serves its images from its own origin.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from course.interop.common import _TRANSLIT

MAX_IMAGE_BYTES = 2 * 1024 * 1024  # a question's picture; a larger one is refused
PLUGINFILE = "@@PLUGINFILE@@"
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"),
               (b"GIF87a", ".gif"), (b"GIF89a", ".gif"))
_SUFFIXES = {".png": {".png"}, ".jpg": {".jpg", ".jpeg"}, ".gif": {".gif"},
             ".webp": {".webp"}}


class FileFault(ValueError):
    """An embedded file that is not taken in (too large, not an image we take, SVG);
    the message says why, in Bulgarian."""


class DamagedFile(FileFault):
    """An embedded file whose content is not what its encoding says: the file is broken."""


def image_suffix(data: bytes) -> str | None:
    """The suffix of the image type ``data`` is (by its first bytes), or None."""
    for signature, suffix in _SIGNATURES:
        if data.startswith(signature):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def decode_image(encoded: str, name: str) -> tuple[bytes, str]:
    """Decode a base64 ``<file>`` and check it is an image we take; return bytes and suffix."""
    if len(encoded) > MAX_IMAGE_BYTES * 4 // 3 + 1024:
        raise FileFault(f"файлът „{name}“ е по-голям от {MAX_IMAGE_BYTES // 1024 // 1024} MB")
    try:
        data = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise DamagedFile(f"съдържанието на файла „{name}“ не е правилен base64") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise FileFault(f"файлът „{name}“ е по-голям от {MAX_IMAGE_BYTES // 1024 // 1024} MB")
    suffix = image_suffix(data)
    if suffix is None:
        if b"<svg" in data[:4096].lower():
            raise FileFault(f"„{name}“ е SVG: SVG не се внася, защото може да съдържа скриптове "
                            "— запишете я като PNG и я сложете сами")
        raise FileFault(f"„{name}“ не е картинка PNG, JPEG, GIF или WebP — не е внесен")
    return data, suffix


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _segment(part: str) -> str:
    """A safe file or folder name: Cyrillic transliterated, anything odd a hyphen."""
    latin = "".join(_TRANSLIT.get(ch, _TRANSLIT.get(ch.lower(), ch)) for ch in part)
    return _UNSAFE.sub("-", latin).strip(".-") or "image"


def local_link(moodle_path: str, name: str, suffix: str, quiz_id: str) -> str:
    """The link (relative to ``modules/<topic>/``) an embedded file is saved under."""
    parts = [_segment(p) for p in moodle_path.split("/") if p.strip()]
    if not parts or parts[0] != "img":
        parts = ["img", quiz_id, *parts]
    stem, ext = posixpath.splitext(name)
    if ext.lower() not in _SUFFIXES[suffix]:
        stem, ext = name, suffix
    return "/".join([*parts, _segment(stem) + ext.lower()])


def plugin_name(url: str) -> str | None:
    """The file path (``/dir/name``) a ``@@PLUGINFILE@@`` URL names, or None for another URL."""
    if not url.startswith(PLUGINFILE + "/"):
        return None
    return unquote(url[len(PLUGINFILE):].split("?")[0])


@dataclass(frozen=True)
class Embedded:
    """A course image as Moodle XML carries it: its path, name and base64 content."""

    path: str  # "/img/" for modules/<topic>/img/x.png
    name: str
    data: bytes

    @property
    def url(self) -> str:
        return f"{PLUGINFILE}{self.path}{self.name}"

    def xml(self) -> str:
        encoded = base64.b64encode(self.data).decode("ascii")
        return f'<file name="{_attr(self.name)}" path="{_attr(self.path)}" ' \
               f'encoding="base64">{encoded}</file>\n'


def embedded(link: str, data: bytes) -> Embedded:
    """The ``<file>`` for a course image linked as ``link`` (relative to the topic folder)."""
    folder, name = posixpath.split(link)
    return Embedded("/" + folder.strip("/") + "/" if folder.strip("/") else "/", name, data)


def _attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
