"""The search functions on plain values."""

from __future__ import annotations

from course.compiled import SearchEntry, Term
from webapp.search import MAX_WORDS, query_words, search, search_glossary, snippet


def entry(entry_id: str, title: str = "Заглавие", text: str = "",
          headings: tuple[str, ...] = ()) -> SearchEntry:
    return SearchEntry(entry_id, title, "t", headings, text)


def test_query_words_drop_repeats_ignoring_case_and_are_bounded() -> None:
    assert query_words("  Бюджет бюджет  съвет ") == ["Бюджет", "съвет"]
    assert query_words("") == []
    assert len(query_words(" ".join(f"w{i}" for i in range(50)))) == MAX_WORDS


def test_every_word_must_occur_and_titles_rank_first() -> None:
    entries = (entry("a", text="Съветът приема бюджета."),
               entry("b", title="Бюджетът", text="Съветът го приема."),
               entry("c", text="Само съвет."))
    assert [hit.entry.id for hit in search(entries, "бюджет СЪВЕТ")] == ["b", "a"]
    assert [hit.entry.id for hit in search(entries, "приема")] == ["a", "b"]
    assert search(entries, "   ") == []


def test_headings_are_searched() -> None:
    hits = search((entry("a", headings=("Кворум",)),), "кворум")
    assert [hit.entry.id for hit in hits] == ["a"]


def test_snippet_marks_matches_and_cuts_long_text_at_spaces() -> None:
    text = " ".join(["дума"] * 100) + " Кворумът е важен. " + " ".join(["край"] * 100)
    pieces = snippet(text, ["кворум"])
    assert ("Кворум", True) in pieces
    joined = "".join(p for p, _ in pieces)
    assert joined.startswith("… дума") and joined.endswith(" …")
    assert len(joined) < 260


def test_snippet_of_a_short_text_is_the_whole_text() -> None:
    assert snippet("<b>кратко</b>", ["b"]) == (("<", False), ("b", True), (">кратко</", False),
                                              ("b", True), (">", False))


def test_glossary_search_looks_at_terms_aliases_and_definitions() -> None:
    terms = (Term("Общински съвет", "общински-съвет", "Органът.", (("ОбС", "обс"),), ()),
             Term("Кмет", "кмет", "Изпълнителен орган.", (), ()))
    assert [t.key for t in search_glossary(terms, "обс")] == ["общински-съвет"]
    assert [t.key for t in search_glossary(terms, "орган")] == ["общински-съвет", "кмет"]
    assert search_glossary(terms, "") == []
