"""Inline Markdown in short texts: questions, answers, feedback, explanations.

A question's text is one line of a form, a ``<legend>`` or a ``<label>``, so only
the *inline* part of Markdown applies there: ``*наклонен*``, ``**удебелен**``,
``` `код` ```, ``~~зачеркнат~~`` and links to ``http(s)://`` or ``mailto:``.

``render_inline`` is the one way such a text becomes HTML (the web app, the
offline copy and the Handbook all call it), and it is safe for any input:

- raw HTML is escaped, never passed through (markdown-it's ``html`` option off);
- a link is made only to ``http://``, ``https://`` or ``mailto:`` (with
  ``rel="noopener"``, opening normally); a link to any other destination,
  ``javascript:`` included, is shown as its text, not as a link;
- an image is not shown: its alt text stands in its place;
- block syntax (``# ``, ``- ``, ``1. ``, ``> ``, tables, fences) is not
  interpreted: the text is parsed with the inline rules only;
- a line break is a space. Question texts come from YAML, where a break inside a
  text is the wrapping of the source, not a break the author wants to show; and a
  ``<br>`` inside a ``<legend>``, a ``<label>`` or an ``<option>`` renders unevenly.

``inline_text`` gives the same text without markup, for places that hold no HTML
(``<option>``, exports, ``aria-label``, plain-text e-mail). ``markdown_faults``
says what in a text will *not* render inline, for ``dobro check``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

LINK_SCHEMES = ("http://", "https://", "mailto:")
_CACHE = 8192  # distinct texts kept rendered: every text of a large course, several times over
_SNIPPET = 40  # characters of the author's text quoted in a message
# Guards against markdown-it's quadratic cases ("[[[[…", "![![…" take seconds at 10,000
# characters). Real texts are a few hundred characters with a bracket or two.
INLINE_LIMIT = 3000  # characters: a longer text is shown as plain text, its Markdown unread
BRACKET_LIMIT = 50  # "[" in a text: with more, links and images are not looked for

# Block tokens of the full parser → what the author meant, in the checker's words.
_BLOCKS = {
    "heading_open": "заглавие",
    "bullet_list_open": "списък",
    "ordered_list_open": "номериран списък",
    "blockquote_open": "цитат",
    "table_open": "таблица",
    "fence": "блок с код",
    "code_block": "блок с код",
    "hr": "хоризонтална линия",
}
_MARKERS = {0x2A: "*", 0x5F: "_", 0x7E: "~"}


def allowed_link(url: str) -> bool:
    """Tell whether ``url`` may become a link in a short text."""
    return url.strip().lower().startswith(LINK_SCHEMES)


class _EveryLink(MarkdownIt):
    """A parser that takes every link destination.

    The renderer then unwraps each link not to http(s)/mailto (``_drop_unsafe_links``),
    keeping its text; and an image of any source becomes its alt text.
    """

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's name
        return True


@cache
def _renderer(links: bool = True) -> MarkdownIt:
    """The inline renderer: no HTML, links to http(s)/mailto only, images as their alt text."""
    md = _EveryLink("js-default", {"html": False})
    md.disable(["html_inline", "html_block"] + ([] if links else ["link", "image"]))
    md.core.ruler.push("dobro_safe_links", _drop_unsafe_links)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("softbreak", _render_space)
    md.add_render_rule("hardbreak", _render_space)
    return md


def render_inline(text: str) -> str:
    """``text`` as HTML: its inline Markdown rendered, everything else escaped."""
    return _render_inline(text) if text else ""


@lru_cache(maxsize=_CACHE)
def _render_inline(text: str) -> str:
    if len(text) > INLINE_LIMIT:
        return _escape(" ".join(text.split()))
    return str(_renderer(_links(text)).renderInline(text)).strip()


def _links(text: str) -> bool:
    """Whether links and images are looked for in ``text`` (not in a flood of brackets)."""
    return text.count("[") <= BRACKET_LIMIT


def inline_text(text: str) -> str:
    """``text`` without its markup: what a reader sees of ``render_inline(text)``, as text."""
    return _inline_text(text) if text else ""


@lru_cache(maxsize=_CACHE)
def _inline_text(text: str) -> str:
    if len(text) > INLINE_LIMIT:
        return " ".join(text.split())
    tokens = _renderer(_links(text)).parseInline(text)
    return _plain(tokens[0].children or [] if tokens else []).strip()


def _plain(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain(child.children or []))
    return "".join(parts)


def _drop_unsafe_links(state: StateCore) -> None:
    """Unwrap every link whose destination is not http(s)/mailto: its text stays, as text."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        kept: list[Token] = []
        depth = 0  # inside an unwrapped link: drop its closing token too
        for child in block.children:
            if child.type == "link_open" and not allowed_link(str(child.attrGet("href") or "")):
                depth += 1
                continue
            if child.type == "link_close" and depth:
                depth -= 1
                continue
            kept.append(child)
        block.children = kept


def _render_link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                      env: Any) -> str:
    tokens[idx].attrSet("rel", "noopener")
    return str(self.renderToken(tokens, idx, options, env))


def _render_image(self: Any, tokens: Sequence[Token], idx: int, _options: Any,
                  _env: Any) -> str:
    return _escape(_plain(tokens[idx].children or []))


def _render_space(*_: Any) -> str:
    return " "


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


# --- What will not render ---------------------------------------------------------------------


@cache
def _detector(links: bool = True) -> MarkdownIt:
    """The full parser, HTML and every link allowed, to see what an author *meant*."""
    md = _EveryLink("js-default", {"html": True})  # every link, to see what was meant
    if not links:
        md.disable(["link", "image"])
    md.inline.ruler2.after("emphasis", "dobro_unmatched", _note_unmatched)
    return md


def _note_unmatched(state: StateInline) -> None:
    """Record the emphasis markers no pair took: they are shown as literal characters."""
    lists = [state.delimiters] + [meta["delimiters"] for meta in state.tokens_meta
                                  if meta and "delimiters" in meta]
    found: list[tuple[str, int]] = state.env.setdefault("unmatched", [])
    for delimiters in lists:
        for delim in delimiters:
            marker = _MARKERS.get(delim.marker)
            if marker is None or not (delim.open or delim.close):
                continue  # a "*" between spaces is an asterisk, not a marker
            token = state.tokens[delim.token] if delim.token < len(state.tokens) else None
            if token is not None and token.type == "text" and token.content.startswith(marker):
                run = 2 if marker == "~" else min(max(delim.length, 1), 3)
                found.append((marker * run, delim.length))


def markdown_faults(text: str) -> tuple[str, ...]:
    """Say, in Bulgarian, what of ``text`` will not render as inline Markdown and how it shows."""
    return _markdown_faults(text) if text and _may_hold_markup(text) else ()


_SUSPECT = re.compile(r"[*_~<>\[!#|`]|^\s*(?:[-+]|\d{1,9}[.)])(?:\s|$)|^\s*(?:-{3,}|={3,})\s*$"
                      r"|^(?: {4}|\t)", re.MULTILINE)


def _may_hold_markup(text: str) -> bool:
    """A quick look: most texts hold no character that could start any Markdown at all."""
    return _SUSPECT.search(text) is not None


@lru_cache(maxsize=_CACHE)
def _markdown_faults(text: str) -> tuple[str, ...]:
    if len(text) > INLINE_LIMIT:
        return (f"текстът е по-дълъг от {INLINE_LIMIT} знака и Markdown в него не се чете: "
                "знаците *, _, ` и [ ] се показват буквално — съкратете го",)
    env: dict[str, Any] = {}
    links = _links(text)
    tokens = _detector(links).parse(text, env)
    faults: list[str] = []
    blocks: list[str] = []
    for token in tokens:
        kind = _BLOCKS.get(token.type)
        if kind == "номериран списък" and _lone_number(tokens, token):
            continue
        if kind and kind not in blocks:
            blocks.append(kind)
        elif token.type == "html_block":
            faults.append(_html_fault(token.content))
    if blocks:
        faults.insert(0, f"{' и '.join(blocks)} в Markdown не се показва във въпрос: знаците "
                      "(#, -, 1., >, |, ```) остават в текста буквално — напишете го като "
                      "обикновено изречение")
    if not links:
        faults.append(f"повече от {BRACKET_LIMIT} знака „[“: връзките и картинките в текста не "
                      "се търсят и се показват буквално — махнете излишните скоби")
    for token in tokens:
        if token.type == "inline":
            faults += _inline_faults(token.children or [])
    marks = sorted({marker for marker, _length in env.get("unmatched", [])})
    if marks:
        shown = inline_text(text)
        faults.append(f"{' и '.join('„' + m + '“' for m in marks)} без затваряща двойка се "
                      f"показва буквално: „{_snippet(shown, marks)}“ — затворете го "
                      "(**така** или *така*) или го махнете")
    return tuple(dict.fromkeys(faults))


def _lone_number(tokens: Sequence[Token], token: Token) -> bool:
    """An ordered "list" of one item at the very start ("2017. Кметът …") reads as a number."""
    if token.map is None or token.map[0] != 0:
        return False
    start = tokens.index(token)
    items = 0
    for other in tokens[start + 1:]:
        if other.type == "ordered_list_close" and other.level == token.level:
            break
        items += other.type == "list_item_open" and other.level == token.level + 1
    return items == 1


def _inline_faults(children: Sequence[Token]) -> list[str]:
    faults = []
    for child in children:
        if child.type == "image":
            alt = _plain(child.children or [])
            faults.append(f"картинка не се показва във въпрос — вместо нея се вижда само "
                          f"описанието „{_cut(alt)}“; махнете я или опишете нужното с думи")
        elif child.type == "html_inline":
            faults.append(_html_fault(child.content))
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
            if not allowed_link(href):
                faults.append(f"връзката към „{_cut(href)}“ не води към http://, https:// или "
                              "mailto: — показва се само текстът ѝ, без връзка; дайте пълен "
                              "адрес или посочете раздела в „ref“")
    return faults


def _html_fault(tag: str) -> str:
    return (f"HTML („{_cut(tag.strip())}“) не се изпълнява, а се показва като текст — "
            "използвайте **удебелен** или *наклонен* текст")


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET else text[:_SNIPPET - 1] + "…"


def _snippet(shown: str, marks: Sequence[str]) -> str:
    """The part of the shown text around the first literal marker."""
    at = min((shown.find(m) for m in marks if m in shown), default=0)
    start = max(0, at - 10)
    piece = shown[start:start + _SNIPPET]
    return ("…" if start else "") + piece.strip() + ("…" if start + _SNIPPET < len(shown) else "")
