"""Interface language: Bulgarian by default, English on request; the catalog is complete."""

from __future__ import annotations

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.conftest import REPO
from webapp.i18n import LANGUAGE_NAMES

from .conftest import CATALOG, People, login


def test_bulgarian_is_the_default(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="bg">' in page
    assert ">Начало</a>" in page and ">Речник</a>" in page
    assert '<button type="submit">Търсене</button>' in page
    assert 'href="/language?lang=en&amp;next=/"' in page and ">English</a>" in page


def test_switching_to_english_is_remembered(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    response = client.get("/language", query_string={"lang": "en", "next": "/glossary"})
    assert response.status_code == 302 and response.location == "/glossary"
    page = client.get("/learn/obshtinata").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert ">Home</a>" in page and ">Glossary</a>" in page
    assert "Learning objectives" in page and "30 minutes" in page
    assert '<h1 lang="bg">Общината</h1>' in page  # the course itself stays marked Bulgarian
    assert ">Български</a>" in page
    client.get("/language?lang=bg")
    assert ">Начало</a>" in client.get("/").get_data(as_text=True)


def test_unknown_languages_and_foreign_redirects_are_ignored(client: FlaskClient) -> None:
    assert client.get("/language?lang=xx&next=/glossary").location == "/glossary"
    assert '<html lang="bg">' in client.get("/").get_data(as_text=True)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "glossary"):
        response = client.get("/language", query_string={"lang": "en", "next": target})
        assert response.location == "/", target


def test_the_catalog_translates_every_message() -> None:
    with open(CATALOG, "rb") as handle:
        catalog = read_po(handle)
    # A singular message's translation is a string: all("") would be True, so test it as one.
    translated = {m.id for m in catalog if m.id and not m.fuzzy
                  and (m.string if isinstance(m.string, str) else all(m.string))}
    mapping = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None}  # forms use lazy_gettext as _l
    found = {message[2] for message in extract_from_dir(REPO / "webapp", mapping,
                                                        keywords=keywords)}
    assert found, "extraction found the messages"
    assert found <= translated, sorted(map(str, found - translated))
    assert set(LANGUAGE_NAMES) == {"bg", "en"}


def test_templates_follow_a_forced_language_and_come_back(app: Flask) -> None:
    """The templates' catalog is looked up once per request and language (webapp/i18n.py):
    an e-mail rendered in its recipient's language inside a Bulgarian request is English,
    and the page rendered after it is Bulgarian again — in both orders."""
    page = ("{{ _('Sign out') }} {{ ngettext('%(done)s of %(num)s module', "
            "'%(done)s of %(num)s modules', 2, done=1) }}")
    with app.test_request_context("/"):
        assert render_template_string(page) == "Изход 1 от 2 модула"
        with force_locale("en"):
            assert render_template_string(page) == "Sign out 1 of 2 modules"
        assert render_template_string(page) == "Изход 1 от 2 модула"
    with app.test_request_context("/"):
        with force_locale("en"):
            assert render_template_string(page) == "Sign out 1 of 2 modules"
        assert render_template_string(page) == "Изход 1 от 2 модула"
