"""The source editor's page: what the server hands the editor (language, problems beside their
lines, the headings the preview follows, the link picker's targets, its words in Bulgarian),
the style nonce its script needs under the Content-Security-Policy, and nothing a course text
can use to break out of the page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from course.build import check
from tests.conftest import REPO
from tests.webapp.conftest import People, csrf_token, login
from webapp.services.link_targets import glossary_terms, link_targets

MODULE = "modules/osnovi/01-obshtinata.md"
EDIT = f"/trainer/authoring/edit?file={MODULE}"
PREVIEW = f"/trainer/authoring/preview?file={MODULE}"


@pytest.fixture
def trainer(client: FlaskClient, people: People) -> FlaskClient:
    login(client, "trainer")
    return client


def data_block(page: str, name: str) -> object:
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', page, re.S)
    assert found, name
    return json.loads(found.group(1))


def test_the_editor_page_allows_its_styles_by_nonce_and_no_other_page_does(
        trainer: FlaskClient) -> None:
    response = trainer.get(EDIT)
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"style-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'", policy)
    assert nonce, policy
    page = response.get_data(as_text=True)
    assert f'data-style-nonce="{nonce.group(1)}"' in page
    assert "unsafe-inline" not in policy and "script-src" not in policy
    again = trainer.get(EDIT).headers["Content-Security-Policy"]
    assert nonce.group(1) not in again  # a new nonce for every response
    for other in ("/trainer/authoring/", "/trainer/", "/"):
        assert "style-src" not in trainer.get(other).headers["Content-Security-Policy"]


def test_the_editor_is_served_by_dobro_itself(trainer: FlaskClient) -> None:
    page = trainer.get(EDIT).get_data(as_text=True)
    assert '/static/vendor/editor.js"' in page and "https://" not in page.split("<body")[0]
    with trainer.get("/static/vendor/editor.js") as script:
        assert script.status_code == 200 and b"DobroEditor" in script.data
    with trainer.get("/static/vendor/editor.LICENSES.txt") as licences:
        assert licences.status_code == 200 and b"@codemirror/view" in licences.data


def test_the_problems_and_headings_go_to_the_editor(trainer: FlaskClient,
                                                    course_root: Path) -> None:
    page = trainer.get(EDIT).get_data(as_text=True)
    state = data_block(page, "authoring-state")
    assert isinstance(state, dict) and state["items"] == []
    source = (course_root / MODULE).read_text(encoding="utf-8").splitlines()
    heading = next(n for n, text in enumerate(source, 1) if "{#kakvo-e}" in text)
    assert [heading, "kakvo-e"] in state["headings"]  # the file's own line numbers
    assert 'data-language="markdown"' in page

    broken = (course_root / MODULE).read_text(encoding="utf-8") + "\nВиж [нищо](#nyama).\n"
    response = trainer.post(PREVIEW, json={"text": broken},
                            headers={"X-CSRFToken": csrf_token(trainer, EDIT)})
    editor = response.get_json()["editor"]
    line = broken.count("\n")  # the broken link is on the last line
    assert [(i["line"], i["severity"], i["code"]) for i in editor["items"]] == \
        [(line, "error", "unknown-anchor")]
    assert "nyama" in editor["items"][0]["message"]


def test_a_quiz_opens_in_yaml_without_the_markdown_toolbar(trainer: FlaskClient) -> None:
    page = trainer.get("/trainer/authoring/edit?file=quizzes/osnovi/obshtinata-proverka.yaml")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-language="yaml"' in html
    assert 'data-action="search"' in html and 'data-action="table"' not in html
    assert 'id="dialog-link"' not in html


def test_the_link_picker_offers_modules_sections_and_terms(trainer: FlaskClient) -> None:
    html = trainer.get(EDIT).get_data(as_text=True)
    options = dict((value, label) for value, label in
                   re.findall(r'<option value="([^"]*)">([^<]*)</option>', html))
    assert options["02-savetat.md"] == "Общинският съвет"  # same folder: the file's name
    assert options["02-savetat.md#kvorum"] == "Общинският съвет → Кворум"
    assert options["#kakvo-e"].endswith("→ Какво е общината")  # its own section: #anchor
    assert options["../pages/vavedenie.md"]  # a page
    assert options["glossary:общински-съвет"] == "Общински съвет"
    assert MODULE.rsplit("/", 1)[1] not in options  # not a link to itself


def test_the_editor_speaks_bulgarian(trainer: FlaskClient) -> None:
    html = trainer.get(EDIT).get_data(as_text=True)
    phrases = data_block(html, "authoring-phrases")
    assert isinstance(phrases, dict)
    assert phrases["Find"] == "Търсене в текста" and phrases["replace all"] == "Замени всички"
    for word in ("Таблица", "Каре…", "Връзка…", "Бележка под линия", "Обикновено текстово поле"):
        assert f">{word}</button>" in html, word


def test_a_heading_cannot_close_the_editors_data_block(trainer: FlaskClient,
                                                      course_root: Path) -> None:
    module = course_root / MODULE
    evil = "## Опасно </script><script>alert(1)</script> {#opasno}\n"
    module.write_text(module.read_text(encoding="utf-8") + "\n" + evil, encoding="utf-8")
    html = trainer.get(EDIT).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    state = data_block(html, "authoring-state")
    assert isinstance(state, dict) and [h[1] for h in state["headings"]][-1] == "opasno"
    assert "alert(1)" in html  # it is there, escaped, as the option's and the text's words


def test_targets_across_topics_are_relative_to_the_edited_file() -> None:
    course, _problems = check(REPO, jobs=1)
    rel = next(d.path for d in course.modules if d.topic == "samoupravlenie")
    groups = link_targets(course, rel)
    hrefs = [t.href for g in groups for t in g.targets]
    other = next(d for d in course.modules if d.topic == "resursi")
    assert f"../resursi/{other.path.rsplit('/', 1)[1]}" in hrefs
    first = other.rendered.headings[0]
    assert f"../resursi/{other.path.rsplit('/', 1)[1]}#{first.anchor}" in hrefs
    assert [g.title for g in groups][:1] == [course.manifest.topics[0].title] if course.manifest \
        else False
    assert all(t.href.startswith("glossary:") for t in glossary_terms(course))
    for group in groups:  # every offered link is one the checker accepts
        for target in group.targets:
            path, _, anchor = target.href.partition("#")
            assert not path.startswith("/") and "\\" not in path
