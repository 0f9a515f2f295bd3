"""One thing, one word (issue 14): the Bulgarian catalog, the trainers' guide and the
authors' guide use none of the words that ``docs/glossary.md`` says not to use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import REPO

GLOSSARY = REPO / "docs" / "glossary.md"
CATALOG = REPO / "webapp" / "translations" / "bg" / "LC_MESSAGES" / "messages.po"
GUIDES = (REPO / "docs" / "obuchiteli.md", REPO / "AUTHORING.md")
# Bulgarian written straight into the code or a template (a credential's narrative,
# an e-mail, the command line's messages) is held to the same words.
TEMPLATES = REPO / "webapp" / "templates"
SOURCES = sorted([*(REPO / "webapp").rglob("*.py"), *TEMPLATES.rglob("*.html"),
                  *TEMPLATES.rglob("*.txt")])
# Adjacent string literals on two lines ("… финален "\n f"тест …") read as one.
JOINED = re.compile(r"""(["'])\s*\n\s*[rbf]*\1""")
HEADER = ("English (UI)", "Използвайте", "Не използвайте", "Бележка")


@dataclass(frozen=True)
class Term:
    english: str
    use: str
    avoid: tuple[str, ...]


def terms(text: str) -> list[Term]:
    """The rows of the glossary's table."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|")]
    assert rows and tuple(rows[0]) == HEADER, rows[:1]
    found = []
    for cells in rows[2:]:  # after the header and its --- line
        assert len(cells) == len(HEADER), cells
        avoid = tuple(w.strip() for w in cells[2].split(",") if w.strip() not in ("", "—"))
        found.append(Term(cells[0], cells[1], avoid))
    return found


def forbidden(word: str) -> re.Pattern[str]:
    """``word`` at the start of a word, in any case, its spaces matching any white space
    (a guide may wrap a line inside a term)."""
    parts = [re.escape(part) for part in word.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts), re.IGNORECASE)


def texts() -> list[tuple[str, str]]:
    """Where the words are looked for: each Bulgarian msgstr, and each guide, by name."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="bg")
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        found += [(f"messages.po msgid {msgid!r}", s) for s in strings if s]
    found += [(path.relative_to(REPO).as_posix(), path.read_text(encoding="utf-8"))
              for path in GUIDES]
    found += [(path.relative_to(REPO).as_posix(),
               JOINED.sub("", path.read_text(encoding="utf-8"))) for path in SOURCES]
    return found


GLOSSARY_TERMS = terms(GLOSSARY.read_text(encoding="utf-8"))


def test_the_glossary_names_the_main_terms() -> None:
    used = {t.use for t in GLOSSARY_TERMS}
    for word in ("модул", "тема", "тест", "самопроверка", "входящ тест", "заключителен тест",
                 "присъствено занятие (занятие)", "код за присъединяване", "код за отбелязване",
                 "сертификат", "електронен сертификат (Open Badge)", "група", "обучаем",
                 "обучител", "координатор", "специалност"):
        assert word in used, word
    assert all(t.english and t.use for t in GLOSSARY_TERMS)
    # A word to use is never also a word not to use.
    for term in GLOSSARY_TERMS:
        for other in GLOSSARY_TERMS:
            assert not any(forbidden(w).fullmatch(term.use) for w in other.avoid), term


@pytest.mark.parametrize("term", GLOSSARY_TERMS, ids=lambda t: t.english)
def test_no_text_uses_a_word_the_glossary_rules_out(term: Term) -> None:
    found = [f"{where}: “{match.group(0)}” (use “{term.use}”)"
             for word in term.avoid for where, text in texts()
             for match in forbidden(word).finditer(text)]
    assert not found, "\n".join(found)


def test_the_check_finds_a_forbidden_word(tmp_path: Path) -> None:
    # The matcher itself: an inflected, capitalised, line-wrapped use is found; a longer
    # word that merely starts alike (a different word) is not, unless listed.
    code = forbidden("код за достъп")
    assert code.search("Кода за достъп") is None  # another form: list it to forbid it
    assert code.search("Вашият код за\nдостъп е") is not None
    assert code.search("КОД ЗА ДОСТЪПА") is not None  # the start of a word is enough
    assert forbidden("урок").search("поурочен") is None
