"""Images uploaded in the web editor: checked, made safe, and written next to the module.

The type is read from the bytes (Pillow for PNG and JPEG, an XML parse for SVG),
never trusted from the file name, and the name's extension must agree with it. A
raster image is re-encoded — so nothing but pixels survives: no EXIF (a phone's GPS
position), no trailing payload — at most ``WEB_SIDE`` pixels on its longest side for
the reader; when the original is larger, a copy of at most ``PRINT_SIDE`` pixels is
kept in ``img/print/`` for the printed Handbook. An SVG keeps only a whitelist of
drawing elements and attributes; one with a script, an event handler, embedded HTML
or a link out of the file is refused, so the trainer learns why.

Nothing here knows the request or the database: the view words the refusals and
saves the module text through the same checked save as any web save.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from course.model import Course
from webapp.services.course_edit import slugify

MAX_UPLOAD = 5_000_000  # bytes of one uploaded image
MAX_PIXELS = 40_000_000  # width × height; more is refused before decoding (a decompression bomb)
WEB_SIDE = 1600  # the longest side shown in the reader
PRINT_SIDE = 3000  # the longest side kept for the Handbook (about A4 width at 300 dpi)
ALT_LENGTH = 250
MAX_SVG_ELEMENTS = 20_000
NAME_LENGTH = 50
SUFFIXES = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg"), "SVG": (".svg",)}
PRINT_FOLDER = "print"

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Drawing only. Anything else (editor metadata, unknown namespaces) is dropped.
SVG_ELEMENTS = frozenset("""
    svg g defs symbol use title desc path rect circle ellipse line polyline polygon text tspan
    textPath linearGradient radialGradient stop clipPath mask pattern marker style
    """.split())
# Refused rather than dropped: dropping them silently could change what the image says.
DANGEROUS_ELEMENTS = frozenset("""
    script foreignObject iframe embed object image feImage handler listener set animate
    animateTransform animateMotion a
    """.split())
SVG_ATTRIBUTES = frozenset("""
    id class style transform viewBox width height x y x1 y1 x2 y2 cx cy r rx ry d points
    fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap
    stroke-linejoin stroke-dasharray stroke-dashoffset stroke-miterlimit opacity
    font-family font-size font-weight font-style text-anchor dominant-baseline
    letter-spacing word-spacing text-decoration dx dy rotate lengthAdjust textLength
    offset stop-color stop-opacity gradientUnits gradientTransform spreadMethod fx fy
    clip-path clip-rule clipPathUnits mask maskUnits maskContentUnits patternUnits
    patternContentUnits patternTransform markerWidth markerHeight markerUnits refX refY
    orient marker-start marker-mid marker-end preserveAspectRatio version visibility
    display color vector-effect shape-rendering text-rendering xml:space href
    """.split())
_OUTSIDE = re.compile(r"url\s*\(\s*['\"]?\s*(?!#)|@import|expression\s*\(|javascript:", re.I)


class ImageRefused(Exception):
    """An upload the course cannot take; ``code`` says why (the view words it)."""

    def __init__(self, code: str, value: str = "") -> None:
        self.code = code
        self.value = value
        super().__init__(f"{code}: {value}" if value else code)


@dataclass(frozen=True)
class Prepared:
    """An image ready to write: its kind, suffix and bytes for the web and for print."""

    kind: str  # PNG | JPEG | SVG
    suffix: str
    web: bytes
    print: bytes | None  # only when the original is larger than the web copy


@dataclass(frozen=True)
class Added:
    """What an upload did: the files written and the module text with the image in it."""

    target: str  # as the module's text refers to it: img/name.png
    files: tuple[str, ...]  # written, relative to the course root
    text: str


def clean_alt(alt: str) -> str:
    """The alternative text on one line, or ``ImageRefused`` when it is empty or too long."""
    alt = " ".join(alt.split())
    if not alt:
        raise ImageRefused("empty-alt")
    if len(alt) > ALT_LENGTH:
        raise ImageRefused("long-alt", str(ALT_LENGTH))
    return alt


def prepare(data: bytes, filename: str) -> Prepared:
    """Check an upload by its bytes and make the copies to write; ``ImageRefused`` if not."""
    if not data:
        raise ImageRefused("empty")
    if len(data) > MAX_UPLOAD:
        raise ImageRefused("too-large", str(MAX_UPLOAD // 1_000_000))
    suffix = PurePosixPath(filename.lower()).suffix
    try:
        image = _open(data)
    except UnidentifiedImageError:
        image = None
    if image is None:
        if suffix != ".svg":
            raise ImageRefused("not-an-image")
        return Prepared("SVG", ".svg", sanitise_svg(data), None)
    kind = image.format or ""
    if kind not in ("PNG", "JPEG"):
        raise ImageRefused("not-an-image")
    if suffix not in SUFFIXES[kind]:
        raise ImageRefused("wrong-suffix", kind)
    web, printed = _raster(image, kind)
    return Prepared(kind, SUFFIXES[kind][0], web, printed)


def _open(data: bytes) -> Image.Image:
    """Open an image without decoding it, refusing one with too many pixels."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused("too-many-pixels", str(MAX_PIXELS // 1_000_000)) from None
        except UnidentifiedImageError:
            raise  # not a raster image: perhaps an SVG
        except (OSError, ValueError, SyntaxError):
            raise ImageRefused("broken") from None  # a known format, cut off in its header
    if image.width * image.height > MAX_PIXELS:
        raise ImageRefused("too-many-pixels", str(MAX_PIXELS // 1_000_000))
    return image


_DECODING = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Decode as Pillow does by default, refusing a cut-off file.

    WeasyPrint sets ``LOAD_TRUNCATED_IMAGES`` for the whole process when it is imported
    (every certificate PDF imports it), and Pillow then pads a truncated upload silently.
    """
    with _DECODING:
        lenient = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _raster(image: Image.Image, kind: str) -> tuple[bytes, bytes | None]:
    """The web copy and, for a large original, the print copy, re-encoded without metadata."""
    try:
        with _strict_decoding():
            image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError):
        raise ImageRefused("broken") from None
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    longest = max(image.size)
    printed = _encode(_fit(image, PRINT_SIDE), kind) if longest > WEB_SIDE else None
    return _encode(_fit(image, WEB_SIDE), kind), printed


def _fit(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def sanitise_svg(data: bytes) -> bytes:
    """The drawing of an SVG with only whitelisted elements and attributes.

    Refused: a file that is not XML or not an SVG, a DTD or entities (defusedxml), a
    script, embedded HTML or images, an event handler, or a link to anything outside
    the file (``href`` other than ``#id``, ``url(…)`` other than ``url(#id)``).
    """
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise ImageRefused("bad-svg") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ImageRefused("bad-svg")
    if sum(1 for _ in root.iter()) > MAX_SVG_ELEMENTS:
        raise ImageRefused("svg-too-complex", str(MAX_SVG_ELEMENTS))
    _clean(root)
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", XLINK_NS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ElementTree.tostring(root, encoding="unicode")).encode()


def _local(tag: str) -> tuple[str, str]:
    """The namespace and local name of an ElementTree tag or attribute name."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _clean(element: ElementTree.Element) -> None:
    for child in list(element):
        if not isinstance(child.tag, str):  # a comment or processing instruction
            element.remove(child)
            continue
        namespace, name = _local(child.tag)
        if name in DANGEROUS_ELEMENTS or name.lower() == "script":
            raise ImageRefused("svg-element", name)
        if namespace != SVG_NS or name not in SVG_ELEMENTS:
            element.remove(child)
            continue
        _clean(child)
    _clean_attributes(element)
    if _local(element.tag)[1] == "style" and _OUTSIDE.search(element.text or ""):
        raise ImageRefused("svg-link", "style")


def _clean_attributes(element: ElementTree.Element) -> None:
    for key, value in list(element.attrib.items()):
        namespace, name = _local(key)
        if name.lower().startswith("on"):
            raise ImageRefused("svg-attribute", name)
        if name == "href":
            if namespace not in ("", XLINK_NS) or not value.strip().startswith("#"):
                raise ImageRefused("svg-link", value[:80])
            continue
        known = namespace == "" or key == "{http://www.w3.org/XML/1998/namespace}space"
        if not known or (name not in SVG_ATTRIBUTES):
            del element.attrib[key]
        elif _OUTSIDE.search(value):
            raise ImageRefused("svg-link", value[:80])


def free_name(folder: Path, filename: str, suffix: str) -> str:
    """A safe file name for the upload in ``folder``: its name transliterated, made unique."""
    stem = slugify(PurePosixPath(filename).stem)[:NAME_LENGTH].strip("-") or "izobrazhenie"
    number = 1
    while True:
        name = f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}"
        if not (folder / name).exists() and not (folder / PRINT_FOLDER / name).exists():
            return name
        number += 1


def insert(text: str, cursor: int | None, alt: str, target: str) -> str:
    """``text`` with the image as its own paragraph at ``cursor`` (a character offset)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    at = len(text) if cursor is None else max(0, min(cursor, len(text)))
    escaped = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    before, after = text[:at], text[at:]
    lead = ("" if not before or before.endswith("\n\n")
            else "\n" if before.endswith("\n") else "\n\n")
    trail = ("\n" if not after else "" if after.startswith("\n\n")
             else "\n" if after.startswith("\n") else "\n\n")
    return f"{before}{lead}![{escaped}]({target}){trail}{after}"


def add(root: Path, rel: str, data: bytes, filename: str, alt: str, text: str,
        cursor: int | None) -> Added:
    """Write an uploaded image into the ``img/`` folder of the module ``rel`` and put it in
    the module's ``text`` at ``cursor``; ``ImageRefused`` (nothing written) if it cannot."""
    if not rel.startswith("modules/") or not rel.endswith(".md"):
        raise ImageRefused("not-a-module")
    alt = clean_alt(alt)
    prepared = prepare(data, filename)
    folder = root / PurePosixPath(rel).parent / "img"
    (folder / PRINT_FOLDER if prepared.print else folder).mkdir(parents=True, exist_ok=True)
    while True:
        name = free_name(folder, filename, prepared.suffix)
        try:
            written = [_create(folder / name, prepared.web)]
        except FileExistsError:  # another upload took the name in the meantime
            continue
        break
    if prepared.print is not None:
        written.append(_create(folder / PRINT_FOLDER / name, prepared.print))
    files = tuple(path.relative_to(root).as_posix() for path in written)
    return Added(f"img/{name}", files, insert(text, cursor, alt, f"img/{name}"))


def _create(file: Path, data: bytes) -> Path:
    """Write a new file; never replace one that exists."""
    with open(file, "xb") as out:
        out.write(data)
    file.chmod(0o644)
    return file


def referenced(course: Course) -> set[str]:
    """The images the course's modules and pages show, as paths from the course root."""
    return {link.target for doc in course.modules + course.pages
            for link in doc.rendered.links if link.kind == "image"}


def take_back(root: Path, added: Added, in_use: Collection[str]) -> bool:
    """Remove the files an upload wrote, unless a source shows the image (``in_use``);
    say whether they were removed.

    A refused save leaves its text only as a draft: an image nothing on disk shows
    would stay in ``img/`` for ever, and the build would never publish it.
    """
    if not added.files or added.files[0] in in_use:
        return False
    for rel in added.files:
        (root / rel).unlink(missing_ok=True)
    folder = root / PurePosixPath(added.files[0]).parent
    for empty in (folder / PRINT_FOLDER, folder):  # made for this upload, or left empty by it
        try:
            empty.rmdir()
        except OSError:
            pass
    return True
