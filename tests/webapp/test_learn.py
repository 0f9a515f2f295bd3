"""Reading the course: home, modules, pages, glossary and search."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.webapp.conftest import People, login

HREF = re.compile(r'href="([^"]+)"')


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_home_lists_topics_modules_hours_and_the_introduction(client: FlaskClient) -> None:
    page = text(client.get("/"))
    assert "<h1>Мини курс по местно самоуправление</h1>" in page
    assert "Добре дошли в мини курса." in page  # the introduction page's content
    assert 'id="topic-osnovi"' in page and "Основи на самоуправлението" in page
    assert page.index('href="/learn/obshtinata"') < page.index('href="/learn/savetat"')
    assert "Присъствено: 4 ч." in page and "Онлайн: 3 ч." in page
    assert "30 минути" in page and "40 минути" in page
    assert "Общински служители, Общински съветници" in page


def test_module_page_shows_objectives_toc_html_and_neighbours(client: FlaskClient,
        people: People) -> None:
    login(client, "ivan")
    first = text(client.get("/learn/obshtinata"))
    assert "<h1>Общината</h1>" in first
    assert "<li>Обяснява какво е общината.</li>" in first
    assert '<a href="#kakvo-e">Какво е общината</a>' in first
    assert '<h2 id="kakvo-e">Какво е общината</h2>' in first
    assert '<div class="table-scroll" tabindex="0"><table>' in first
    assert 'rel="next" href="/learn/savetat"' in first
    assert 'rel="prev"' not in first
    assert '<a href="/#topic-osnovi">Основи на самоуправлението</a>' in first  # breadcrumb
    assert first.count("<h1") == 1
    # When the module's facts were last checked (its ``reviewed:``), in Bulgarian.
    assert '<p class="meta meta-reviewed">Актуално към 1 декември 2026</p>' in first

    second = text(client.get("/learn/savetat"))
    assert 'rel="prev" href="/learn/obshtinata"' in second
    assert 'rel="next"' not in second and "Край на темата" in second
    # level-3 headings nest under their level-2 heading in the table of contents
    assert re.search(r'href="#kvorum">Кворум</a>\s*<ol>\s*<li><a href="#мнозинство">', second)


def test_callouts_carry_their_kind_in_words(client: FlaskClient,
        people: People) -> None:
    login(client, "ivan")
    page = text(client.get("/learn/obshtinata"))
    assert ('<p class="callout-title"><span class="callout-kind">Закон</span> '
            "Конституция, чл. 136</p>") in page
    tip = text(client.get("/learn/savetat"))
    assert '<p class="callout-title"><span class="callout-kind">Съвет</span></p>' in tip


def test_every_internal_link_in_every_page_resolves(client: FlaskClient,
        people: People) -> None:
    login(client, "ivan")
    pages = ["/", "/glossary", "/page/vavedenie", "/learn/obshtinata", "/learn/savetat"]
    checked = set()
    for url in pages:
        for href in HREF.findall(text(client.get(url))):
            target = href.replace("&amp;", "&").split("#")[0]
            if target.startswith(("/learn/", "/page/", "/glossary", "/course/assets/")):
                checked.add(target)
    assert {"/learn/savetat", "/learn/obshtinata", "/glossary"} <= checked
    for target in sorted(checked):
        response = client.get(target)
        response.close()
        assert response.status_code == 200, target


def test_page_view(client: FlaskClient) -> None:
    page = text(client.get("/page/vavedenie"))
    assert "<h1>Въведение в мини курса</h1>" in page
    assert '<a href="/learn/obshtinata">първия модул</a>' in page


def test_glossary_gives_terms_and_aliases_anchors(client: FlaskClient,
        people: People) -> None:
    login(client, "ivan")
    page = text(client.get("/glossary"))
    assert '<a href="#letter-1">З</a>' in page and '<h2 id="letter-2">О</h2>' in page
    assert '<dt id="общински-съвет">Общински съвет' in page
    assert '<span id="обс">ОбС</span>' in page
    assert '<dt id="змсма">ЗМСМА' in page
    assert 'href="/learn/savetat#kvorum">Общинският съвет – Кворум</a>' in page
    # the module links to the alias; the anchor it points at exists
    assert 'href="/glossary#обс"' in text(client.get("/learn/savetat"))


def test_search_finds_words_in_any_case_and_marks_them(client: FlaskClient) -> None:
    page = text(client.get("/search", query_string={"q": "КВОРУМ"}))
    assert '<a href="/learn/savetat">Общинският съвет</a>' in page
    assert "<mark>кворум</mark>" in page.lower()
    assert 'href="/learn/obshtinata"' not in page  # it only links to the section
    glossary = text(client.get("/search", query_string={"q": "обс"}))
    assert 'href="/glossary#общински-съвет"' in glossary


def test_search_escapes_the_query_and_the_content(client: FlaskClient) -> None:
    page = text(client.get("/search", query_string={"q": "<script>"}))
    assert "<script>" not in page.replace('<script src="', "")
    assert "&lt;script&gt;" in page
    assert '<a href="/learn/savetat">' in page  # found in the text, shown escaped
    assert "<mark>&lt;script&gt;</mark>" in page


def test_search_without_results_and_without_query(client: FlaskClient) -> None:
    page = text(client.get("/search", query_string={"q": "несъществуваща-дума"}))
    assert "0 резултата" in page
    empty = client.get("/search")
    assert empty.status_code == 200 and "резултат" not in text(empty)


def test_unknown_ids_answer_404_in_bulgarian(client: FlaskClient,
        people: People) -> None:
    login(client, "ivan")
    for url in ("/learn/nyama-takav", "/page/nyama-takava", "/nyama"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Страницата не е намерена" in text(response)
