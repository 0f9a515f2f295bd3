"""The Handbook prints an image from its print copy (``img/print/``) when it has one: the
web copy of an image uploaded in the browser is made smaller for screens."""

from __future__ import annotations

import shutil
from pathlib import Path

from course.publish.handbook import handbook_html, load
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "courses" / "minimal"
IMAGE = "modules/t1/img/diagram.png"


def test_the_handbook_takes_the_print_copy_of_an_image(tmp_path: Path) -> None:
    root = shutil.copytree(MINIMAL, tmp_path / "minimal")
    printed = root / "modules/t1/img/print/diagram.png"
    course, laws, _ = load(root)
    html = handbook_html(course, root, laws)
    assert (root / IMAGE).resolve().as_uri() in html and printed.as_uri() not in html
    printed.parent.mkdir()
    printed.write_bytes((root / IMAGE).read_bytes())
    html = handbook_html(course, root, laws)
    assert printed.resolve().as_uri() in html and (root / IMAGE).resolve().as_uri() not in html
    standalone = handbook_html(course, root, laws, standalone=True)
    assert "data:image/png;base64," in standalone
