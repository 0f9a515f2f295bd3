"""Plain search over the compiled course's search index: every word must occur.

Case is ignored; the snippet is kept as (text, is_match) pieces so the
template escapes every piece and marks the matches itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from course.compiled import SearchEntry, Term

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
SNIPPET_CHARS = 200
TITLE_WEIGHT, HEADING_WEIGHT, MAX_TEXT_COUNT = 10, 3, 5

Snippet = tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Hit:
    entry: SearchEntry
    score: int
    snippet: Snippet


def query_words(query: str) -> list[str]:
    """Split a query into distinct words, ignoring case; bounded in length and number."""
    words: list[str] = []
    for word in query[:MAX_QUERY_CHARS].split():
        if word.casefold() not in (w.casefold() for w in words):
            words.append(word)
    return words[:MAX_WORDS]


def search(entries: tuple[SearchEntry, ...], query: str) -> list[Hit]:
    """Return the entries that contain every word of ``query``, best first."""
    words = query_words(query)
    if not words:
        return []
    patterns = [re.compile(re.escape(word), re.IGNORECASE) for word in words]
    hits = []
    for entry in entries:
        haystack = " ".join((entry.title, *entry.headings, entry.text))
        if all(p.search(haystack) for p in patterns):
            hits.append(Hit(entry, _score(entry, patterns), snippet(entry.text, words)))
    return sorted(hits, key=lambda hit: -hit.score)


def search_glossary(terms: tuple[Term, ...], query: str) -> list[Term]:
    """Return the glossary terms whose term, aliases or definition contain every word."""
    patterns = [re.compile(re.escape(word), re.IGNORECASE) for word in query_words(query)]
    if not patterns:
        return []
    found = []
    for term in terms:
        haystack = " ".join((term.term, *(alias for alias, _ in term.aliases), term.definition))
        if all(p.search(haystack) for p in patterns):
            found.append(term)
    return found


def snippet(text: str, words: list[str]) -> Snippet:
    """A window of ``text`` around the first match, cut at spaces, split into pieces."""
    any_word = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = any_word.search(text)
    match_start, match_end = (first.start(), first.end()) if first else (0, 0)
    start = max(0, match_start - SNIPPET_CHARS // 3)
    if start > 0:
        space = text.find(" ", start, match_start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", match_end, end)
        end = space if space >= 0 else end
    window = text[start:end].strip()
    pieces: list[tuple[str, bool]] = [("… ", False)] if start > 0 else []
    position = 0
    for match in any_word.finditer(window):
        if match.start() > position:
            pieces.append((window[position:match.start()], False))
        pieces.append((match.group(0), True))
        position = match.end()
    pieces.append((window[position:], False))
    if end < len(text):
        pieces.append((" …", False))
    return tuple(p for p in pieces if p[0])


def _score(entry: SearchEntry, patterns: list[re.Pattern[str]]) -> int:
    score = 0
    for pattern in patterns:
        score += TITLE_WEIGHT * bool(pattern.search(entry.title))
        score += HEADING_WEIGHT * sum(bool(pattern.search(h)) for h in entry.headings)
        score += min(MAX_TEXT_COUNT, len(pattern.findall(entry.text)))
    return score
