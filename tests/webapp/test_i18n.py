"""Interface language: Bulgarian by default, English on request; the catalog is complete."""

from __future__ import annotations

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

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
