"""An image uploaded through the web editor: written beside the module, put into its text at
the cursor, saved through the same checks as any save, published and shown to learners."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from course.compile import asset_name
from tests.webapp.conftest import People, csrf_token, login
from tests.webapp.test_authoring import versions
from tests.webapp.test_images import bomb, png

MODULE = "modules/osnovi/01-obshtinata.md"
QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"
EDIT = f"/trainer/authoring/edit?file={MODULE}"
READER = "/learn/obshtinata"
ALT = "Схема на етапите при изработване на плана"
TYPED = "Ново изречение, още незаписано."


@pytest.fixture
def trainer(client: FlaskClient, people: People) -> FlaskClient:
    login(client, "trainer")
    return client


def size(file: Path) -> tuple[int, int]:
    with Image.open(file) as image:
        return image.size


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(client: FlaskClient, course_root: Path, data: bytes, filename: str, alt: str = ALT,
           text: str | None = None, url: str = EDIT, rel: str = MODULE,
           **extra: str) -> TestResponse:
    before = (course_root / rel).read_bytes()
    form: dict[str, Any] = {
        "csrf_token": csrf_token(client, url), "base": sha(before),
        "text": before.decode() if text is None else text, "comment": "", "alt": alt,
        "insert": "1", "image": (io.BytesIO(data), filename), **extra}
    return client.post(url, data=form, content_type="multipart/form-data")


def test_the_editor_of_a_module_has_the_image_form(trainer: FlaskClient) -> None:
    page = trainer.get(EDIT).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert "<legend>Изображение</legend>" in page
    assert 'name="alt"' in page and 'name="cursor"' in page and 'type="file"' in page


def test_the_editor_of_a_quiz_has_no_image_form(trainer: FlaskClient) -> None:
    page = trainer.get(f"/trainer/authoring/edit?file={QUIZ}").get_data(as_text=True)
    assert 'name="alt"' not in page


def test_an_uploaded_image_is_inserted_saved_published_and_shown(
        app: Flask, trainer: FlaskClient, course_root: Path, build_dir: Path) -> None:
    text = (course_root / MODULE).read_text() + TYPED + "\n"
    cursor = text.index("Органите са")
    response = upload(trainer, course_root, png(2400, 1200), "Схема.png", text=text,
                      cursor=str(cursor))
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = (course_root / MODULE).read_text()
    # The fixture already has img/shema.png: the new image gets the next free name.
    assert f"![{ALT}](img/shema-2.png)\n\nОрганите са" in saved
    assert TYPED in saved  # what the trainer had typed, unsaved, is saved with it
    web = course_root / "modules/osnovi/img/shema-2.png"
    assert size(web) == (1600, 800)
    assert size(course_root / "modules/osnovi/img/print/shema-2.png") == (2400, 1200)
    latest = versions(app)[-1]
    assert latest.status == "saved" and "img/shema-2.png" in latest.comment
    assert f"![{ALT}](img/shema-2.png)" in latest.content
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Записано" in page
    asset = asset_name("modules/osnovi/img/shema-2.png", sha(web.read_bytes()))
    assert (build_dir / "assets" / asset).is_file()
    reader = trainer.get(READER).get_data(as_text=True)
    assert re.search(rf'<img src="[^"]*/course/assets/{re.escape(asset)}" alt="{ALT}"', reader)
    with trainer.get(f"/course/assets/{asset}") as served:
        assert served.status_code == 200 and served.data == web.read_bytes()


def test_a_sanitised_svg_is_inserted(trainer: FlaskClient, course_root: Path) -> None:
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4">'
           b'<rect width="4" height="4"/></svg>')
    response = upload(trainer, course_root, svg, "Етапи.svg")
    assert response.status_code == 302
    assert f"![{ALT}](img/etapi.svg)" in (course_root / MODULE).read_text()
    assert b"<rect" in (course_root / "modules/osnovi/img/etapi.svg").read_bytes()


def refused(response: TestResponse, course_root: Path, before: bytes) -> str:
    assert response.status_code == 400
    assert (course_root / MODULE).read_bytes() == before
    assert sorted(p.name for p in (course_root / "modules/osnovi/img").rglob("*")) == ["shema.png"]
    return response.get_data(as_text=True)


def test_an_empty_alternative_text_is_refused_and_the_text_kept(
        trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    response = upload(trainer, course_root, png(10, 10), "a.png", alt="  ",
                      text=before.decode() + TYPED)
    page = refused(response, course_root, before)
    assert "Напишете алтернативния текст" in page
    assert TYPED in page  # the typed text is back in the textarea, nothing lost
    assert 'id="alt-errors"' in page and 'aria-invalid="true"' in page


@pytest.mark.parametrize("data, filename, message", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg",
     "не е позволено"),
    (png(10, 10), "x.svg", "PNG"),
    (bomb(40_000, 40_000), "x.png", "твърде много пиксели"),
    (b"MZ\x90\x00 not an image", "x.png", "не е изображение"),
    (b"", "", "Изберете файл"),
])
def test_a_bad_image_is_refused_with_a_bulgarian_message(
        trainer: FlaskClient, course_root: Path, data: bytes, filename: str,
        message: str) -> None:
    before = (course_root / MODULE).read_bytes()
    page = refused(upload(trainer, course_root, data, filename), course_root, before)
    assert message in page and 'id="image-errors"' in page


def test_an_image_over_the_form_limit_gets_a_bulgarian_message(
        trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    # Built by hand: the test client would spool a large file to a temporary file that it
    # leaves open when the app refuses the body unread.
    boundary = "----dobro"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
            f"filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n").encode() \
        + b"\x89PNG" + b"\0" * 8_000_000 + f"\r\n--{boundary}--\r\n".encode()
    response = trainer.post(EDIT, data=body,
                            content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "изображение може да има най-много 5 MB" in response.get_data(as_text=True)
    assert (course_root / MODULE).read_bytes() == before


def test_an_image_cannot_be_added_to_a_quiz(trainer: FlaskClient, course_root: Path) -> None:
    url = f"/trainer/authoring/edit?file={QUIZ}"
    response = upload(trainer, course_root, png(10, 10), "x.png", url=url, rel=QUIZ)
    assert response.status_code == 400
    assert "само към модули и страници" in response.get_data(as_text=True)
    assert not (course_root / "quizzes/osnovi/img").exists()


def test_a_refused_save_takes_the_image_back_and_keeps_the_typed_text(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    broken = before.decode().replace("02-savetat.md#kvorum", "02-savetat.md#nyama") + TYPED
    response = upload(trainer, course_root, png(2400, 1200), "x.png", text=broken)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # No orphan files: nothing on disk shows the image, so the upload's files are gone.
    assert sorted(p.name for p in (course_root / "modules/osnovi/img").rglob("*")) == ["shema.png"]
    assert (course_root / MODULE).read_bytes() == before
    # The trainer's text is back as it was typed, without the image, with a message.
    textarea = page.split("<textarea", 1)[1].split("</textarea")[0]
    assert TYPED in textarea and "img/x.png)" not in textarea
    assert "Изображението img/x.png не е запазено" in page
    # The refused text, with the image, is kept as a draft as any refused save.
    latest = versions(app)[-1]
    assert latest.status == "rejected" and f"![{ALT}](img/x.png)" in latest.content


def test_a_refused_save_keeps_an_image_another_module_already_shows(
        trainer: FlaskClient, course_root: Path) -> None:
    other = course_root / "modules/osnovi/02-savetat.md"
    other.write_text(other.read_text() + "\n![Схема](img/x.png)\n")  # missing: an error there
    before = (course_root / MODULE).read_bytes()
    broken = before.decode().replace("02-savetat.md#kvorum", "02-savetat.md#nyama")
    response = upload(trainer, course_root, png(10, 10), "x.png", text=broken)
    assert response.status_code == 422
    assert (course_root / "modules/osnovi/img/x.png").is_file()
    assert "не е запазено" not in response.get_data(as_text=True)


def test_an_upload_after_the_file_changed_takes_the_image_back(
        trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    response = upload(trainer, course_root, png(10, 10), "x.png", base=sha(b"stale"))
    assert response.status_code == 409
    assert not (course_root / "modules/osnovi/img/x.png").exists()
    assert (course_root / MODULE).read_bytes() == before


def test_an_upload_needs_the_csrf_token(trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    response = trainer.post(EDIT, data={
        "base": sha(before), "text": before.decode(), "alt": ALT, "insert": "1",
        "image": (io.BytesIO(png(10, 10)), "x.png")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert not (course_root / "modules/osnovi/img/x.png").exists()
