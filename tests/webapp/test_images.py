"""Images uploaded in the web editor: checked by their bytes, made safe, resized for the web
with a print copy kept, written under a safe name beside the module."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from webapp.services import images
from webapp.services.images import ImageRefused

MODULE = "modules/osnovi/01-obshtinata.md"


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "red" if mode != "1" else 1).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int, height: int, exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), "blue")
    if exif:
        data = image.getexif()
        data[0x010E] = "секретно описание"  # ImageDescription
        data[0x0112] = 6  # Orientation: rotated 90° clockwise
        image.save(out, "JPEG", exif=data)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels."""
    data = bytearray(png(1, 1))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = header[4:]
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def shape(data: bytes) -> tuple[str, tuple[int, int]]:
    image = Image.open(io.BytesIO(data))
    return image.format or "", image.size


SAFE_SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            b'xmlns:xlink="http://www.w3.org/1999/xlink" '
            b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 10 10" '
            b'inkscape:version="1.2"><title>\xd0\xa1\xd1\x85\xd0\xb5\xd0\xbc\xd0\xb0</title>'
            b'<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient>'
            b'</defs><inkscape:metadata>x</inkscape:metadata>'
            b'<rect width="10" height="10" fill="url(#g)" data-x="1"/>'
            b'<use xlink:href="#g"/></svg>')


# --- Raster images ------------------------------------------------------------------------

def test_a_large_png_is_resized_for_the_web_and_kept_for_print() -> None:
    prepared = images.prepare(png(4000, 2000), "Схема.png")
    assert shape(prepared.web) == ("PNG", (1600, 800))
    assert prepared.print is not None and shape(prepared.print) == ("PNG", (3000, 1500))


def test_a_small_png_keeps_its_size_and_has_no_print_copy() -> None:
    prepared = images.prepare(png(800, 600), "a.png")
    assert shape(prepared.web) == ("PNG", (800, 600))
    assert prepared.print is None


def test_a_jpeg_is_resized_turned_upright_and_loses_its_metadata() -> None:
    prepared = images.prepare(jpeg(2400, 1200, exif=True), "photo.JPEG")
    assert prepared.suffix == ".jpg"
    # Orientation 6: the photo stands upright, its longest side fitted to the web size.
    assert shape(prepared.web) == ("JPEG", (800, 1600))
    assert prepared.print is not None and shape(prepared.print) == ("JPEG", (1200, 2400))
    assert not Image.open(io.BytesIO(prepared.web)).getexif()
    assert "секретно".encode() not in prepared.web


def test_a_png_named_svg_is_refused() -> None:
    with pytest.raises(ImageRefused) as refused:
        images.prepare(png(10, 10), "drawing.svg")
    assert refused.value.code == "wrong-suffix"


def test_a_jpeg_named_png_is_refused() -> None:
    with pytest.raises(ImageRefused) as refused:
        images.prepare(jpeg(10, 10), "photo.png")
    assert refused.value.code == "wrong-suffix"


@pytest.mark.parametrize("data, name", [
    (b"GIF89a" + b"\0" * 20, "a.png"),
    (b"%PDF-1.4 not an image", "a.png"),
    (b"<html><script>alert(1)</script></html>", "a.svg"),
    (b"", "a.png"),
])
def test_what_is_not_a_png_jpeg_or_svg_is_refused(data: bytes, name: str) -> None:
    with pytest.raises(ImageRefused):
        images.prepare(data, name)


def test_a_gif_is_refused_even_when_it_is_an_image() -> None:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    with pytest.raises(ImageRefused) as refused:
        images.prepare(out.getvalue(), "a.gif")
    assert refused.value.code == "not-an-image"


@pytest.mark.parametrize("side", [7000, 30_000, 100_000])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(side: int) -> None:
    data = bomb(side, side)
    assert len(data) < 100
    with pytest.raises(ImageRefused) as refused:
        images.prepare(data, "bomb.png")
    assert refused.value.code == "too-many-pixels"


def test_a_file_over_the_upload_limit_is_refused() -> None:
    with pytest.raises(ImageRefused) as refused:
        images.prepare(b"\x89PNG" + b"\0" * images.MAX_UPLOAD, "a.png")
    assert refused.value.code == "too-large"


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_a_truncated_image_is_refused_even_once_weasyprint_is_loaded(kind: str) -> None:
    # WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is
    # imported (any certificate PDF does it): a cut-off upload must still be refused.
    import weasyprint  # noqa: F401

    whole = png(300, 300) if kind == "png" else jpeg(300, 300)
    for cut in (60, len(whole) // 2):
        with pytest.raises(ImageRefused) as refused:
            images.prepare(whole[:cut], f"a.{kind}")
        assert refused.value.code == "broken"


# --- SVG -------------------------------------------------------------------------------------

def test_a_plain_svg_keeps_its_drawing_and_loses_editor_metadata() -> None:
    prepared = images.prepare(SAFE_SVG, "схема.svg")
    text = prepared.web.decode()
    assert prepared.kind == "SVG" and prepared.print is None
    assert "<rect" in text and 'fill="url(#g)"' in text and "Схема" in text
    assert 'xlink:href="#g"' in text
    assert "inkscape" not in text and "data-x" not in text


@pytest.mark.parametrize("body, code", [
    (b"<script>alert(1)</script>", "svg-element"),
    (b"<SCRIPT>alert(1)</SCRIPT>", "svg-element"),
    (b'<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>',
     "svg-element"),
    (b'<a href="https://example.com"><rect width="1" height="1"/></a>', "svg-element"),
    (b'<image href="https://example.com/x.png"/>', "svg-element"),
    (b'<rect width="1" height="1" onclick="alert(1)"/>', "svg-attribute"),
    (b'<rect width="1" height="1" onload="alert(1)"/>', "svg-attribute"),
    (b'<use xlink:href="https://example.com/x.svg#a"/>', "svg-link"),
    (b'<use href="javascript:alert(1)"/>', "svg-link"),
    (b'<rect width="1" height="1" style="fill: url(https://example.com/x)"/>', "svg-link"),
    (b'<rect width="1" height="1" fill="url(\'http://x/y\')"/>', "svg-link"),
    (b"<style>@import url(https://example.com/x.css);</style>", "svg-link"),
    (b'<set attributeName="href" to="javascript:alert(1)"/>', "svg-element"),
])
def test_an_svg_with_active_or_outside_content_is_refused(body: bytes, code: str) -> None:
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           + body + b"</svg>")
    with pytest.raises(ImageRefused) as refused:
        images.prepare(svg, "a.svg")
    assert refused.value.code == code


@pytest.mark.parametrize("svg", [
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>',
    b"<svg><rect/></svg>",  # no SVG namespace: not an SVG drawing
    b'<html xmlns="http://www.w3.org/2000/svg"/>',
    b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>",
])
def test_an_svg_that_is_not_a_plain_drawing_is_refused(svg: bytes) -> None:
    with pytest.raises(ImageRefused) as refused:
        images.prepare(svg, "a.svg")
    assert refused.value.code == "bad-svg"


# --- Names, alternative text, insertion ------------------------------------------------------

@pytest.mark.parametrize("filename, expected", [
    ("Схема на етапите.png", "shema-na-etapite.png"),
    ("../../../etc/passwd.png", "passwd.png"),
    ("..\\..\\x.png", "x.png"),
    ("/abs/olute.png", "olute.png"),
    ("....png", "izobrazhenie.png"),
    ("%2e%2e%2fx.png", "2e-2e-2fx.png"),
])
def test_a_file_name_is_made_safe(tmp_path: Path, filename: str, expected: str) -> None:
    assert images.free_name(tmp_path, filename, ".png") == expected


def test_an_existing_name_gets_a_number(tmp_path: Path) -> None:
    (tmp_path / "shema.png").write_bytes(b"x")
    (tmp_path / "print").mkdir()
    (tmp_path / "print" / "shema-2.png").write_bytes(b"x")
    assert images.free_name(tmp_path, "Схема.png", ".png") == "shema-3.png"


@pytest.mark.parametrize("alt", ["", "   ", "\n\t"])
def test_the_alternative_text_is_required(alt: str) -> None:
    with pytest.raises(ImageRefused) as refused:
        images.clean_alt(alt)
    assert refused.value.code == "empty-alt"


def test_a_too_long_alternative_text_is_refused() -> None:
    assert images.clean_alt("  Схема\n на  етапите ") == "Схема на етапите"
    with pytest.raises(ImageRefused) as refused:
        images.clean_alt("я" * (images.ALT_LENGTH + 1))
    assert refused.value.code == "long-alt"


@pytest.mark.parametrize("text, cursor, expected", [
    ("Първи.\n\nВтори.\n", None, "Първи.\n\nВтори.\n\n![A](img/a.png)\n"),
    ("Първи.\n\nВтори.", None, "Първи.\n\nВтори.\n\n![A](img/a.png)\n"),
    ("Първи.\n\nВтори.\n", 8, "Първи.\n\n![A](img/a.png)\n\nВтори.\n"),
    ("Първи.\nВтори.", 6, "Първи.\n\n![A](img/a.png)\n\nВтори."),
    ("Първи.\r\n\r\nВтори.", 8, "Първи.\n\n![A](img/a.png)\n\nВтори."),
    ("Текст", 0, "![A](img/a.png)\n\nТекст"),
    ("Текст", 999, "Текст\n\n![A](img/a.png)\n"),
])
def test_the_image_goes_where_the_cursor_is_as_its_own_paragraph(
        text: str, cursor: int | None, expected: str) -> None:
    assert images.insert(text, cursor, "A", "img/a.png") == expected


def test_brackets_in_the_alternative_text_do_not_break_the_markdown() -> None:
    assert images.insert("", None, "Схема [1] \\ край", "img/a.png") == \
        "![Схема \\[1\\] \\\\ край](img/a.png)\n"


def test_add_writes_the_web_and_print_copies_beside_the_module(tmp_path: Path) -> None:
    (tmp_path / "modules/osnovi").mkdir(parents=True)
    added = images.add(tmp_path, MODULE, png(2000, 1000), "Схема.png", "Схема", "Текст.", 0)
    assert added.target == "img/shema.png"
    assert added.files == ("modules/osnovi/img/shema.png", "modules/osnovi/img/print/shema.png")
    assert shape((tmp_path / added.files[0]).read_bytes()) == ("PNG", (1600, 800))
    assert shape((tmp_path / added.files[1]).read_bytes()) == ("PNG", (2000, 1000))
    assert added.text == "![Схема](img/shema.png)\n\nТекст."
    again = images.add(tmp_path, MODULE, png(10, 10), "Схема.png", "Друга", "", None)
    assert again.files == ("modules/osnovi/img/shema-2.png",)


@pytest.mark.parametrize("rel", ["quizzes/osnovi/q.yaml", "modules/course.yaml"])
def test_add_refuses_a_file_that_is_not_a_module(tmp_path: Path, rel: str) -> None:
    with pytest.raises(ImageRefused) as refused:
        images.add(tmp_path, rel, png(10, 10), "a.png", "A", "", None)
    assert refused.value.code == "not-a-module"
    assert not any(tmp_path.rglob("*.png"))


def test_add_writes_nothing_when_the_image_is_refused(tmp_path: Path) -> None:
    (tmp_path / "modules/osnovi").mkdir(parents=True)
    for data, alt in ((png(10, 10), ""), (bomb(50_000, 50_000), "A")):
        with pytest.raises(ImageRefused):
            images.add(tmp_path, MODULE, data, "a.png", alt, "", None)
    assert not any(tmp_path.rglob("*.png"))
