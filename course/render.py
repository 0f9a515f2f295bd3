"""The one Markdown renderer: CommonMark with tables, footnotes and callouts.

Raw HTML in sources is off (markdown-it-py's ``js-default`` preset), so an
author cannot inject markup. Internal links and images are not resolved
here — the renderer does not know where the other files will live — but are
written as ``dobro:N`` placeholders that index ``Rendered.links``; the
compiler substitutes the built locations (see ``course.compile``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import MutableMapping, Sequence
from functools import cache
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from course.model import Heading, Link, Rendered

# Callout kind (as authors write it) → CSS suffix and the default title.
CALLOUTS: dict[str, tuple[str, str]] = {
    "закон": ("law", "Закон"),
    "пример": ("example", "Пример"),
    "внимание": ("warning", "Внимание"),
    "съвет": ("tip", "Съвет"),
    "бележка": ("note", "Бележка"),
    "за-съветници": ("councillors", "За общинските съветници"),
    "за-служители": ("employees", "За общинските служители"),
    "за-нпо": ("ngo", "За представителите на НПО"),
    "за-областни": ("regional", "За областните администрации"),
}
EXTERNAL = ("http://", "https://", "mailto:", "tel:")
PLACEHOLDER = "dobro:"
PLACEHOLDER_RE = re.compile(r'(href|src)="dobro:(\d+)"')
_EXPLICIT_ANCHOR = re.compile(r"\s*\{#([A-Za-z0-9\u0400-\u04FF_-]+)\}\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CALLOUT_LINE = re.compile(r"^\s{0,3}:{3,}\s*(.*?)\s*$")

ProblemTuple = tuple[int, int, str, str, str]


def slugify(text: str) -> str:
    """Make a heading anchor that keeps Cyrillic letters: lower case, hyphens for spaces."""
    text = re.sub(r"[^\w\s-]", "", text.lower(), flags=re.UNICODE)
    return re.sub(r"[\s_]+", "-", text).strip("-") or "section"


@cache
def markdown() -> MarkdownIt:
    """Build the renderer once per process."""
    md = MarkdownIt("js-default")
    md.disable(["html_block", "html_inline"])  # raw HTML is off: these rules only cost time
    md.use(footnote_plugin)
    md.use(container_plugin, name="callout", validate=_is_callout, render=_render_callout)
    md.core.ruler.push("dobro_outline", _outline_rule)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    return md


def render_markdown(text: str, base_dir: str = "", line_offset: int = 0) -> Rendered:
    """Render ``text``; links are resolved against ``base_dir`` (relative to the course root)."""
    env: dict[str, Any] = {"base_dir": base_dir, "line_offset": line_offset, "links": [],
                           "headings": [], "problems": [], "text": [], "lines": text.splitlines()}
    html = markdown().render(text, env)
    problems = env["problems"] + _scan_callouts(text, line_offset)
    return Rendered(html=html, headings=tuple(env["headings"]), links=tuple(env["links"]),
                    text=" ".join(env["text"]), problems=tuple(problems))


def resolve_placeholders(html: str, urls: Sequence[str]) -> str:
    """Replace the ``dobro:N`` placeholders with the URLs computed for each link."""
    def substitute(match: re.Match[str]) -> str:
        index = int(match.group(2))
        url = urls[index] if index < len(urls) else "#"
        return f'{match.group(1)}="{_escape_attr(url)}"'
    return PLACEHOLDER_RE.sub(substitute, html)


def _escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _is_callout(params: str, *_: Any) -> bool:
    words = params.strip().split(maxsplit=1)
    return bool(words) and words[0].lower() in CALLOUTS


def _render_callout(self: Any, tokens: Sequence[Token], idx: int, _options: Any,
                    env: Any) -> str:
    token = tokens[idx]
    if token.nesting != 1:
        return "</aside>\n"
    kind, _, title = token.info.strip().partition(" ")
    css, label = CALLOUTS[kind.lower()]
    # role="note": many <aside> landmarks would crowd a screen reader's landmark list.
    # The kind stays in words before a custom title, so colour is never the only cue.
    heading = f'<span class="callout-kind">{label}</span>'
    if title.strip() and title.strip() != label:
        heading += f" {_escape_attr(title.strip())}"
    return (f'<aside class="callout callout-{css}" role="note">\n'
            f'<p class="callout-title">{heading}</p>\n')


def _render_table_open(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                       env: Any) -> str:
    # A wide table scrolls inside its own box on a phone instead of widening the page.
    return '<div class="table-scroll" tabindex="0">' + str(self.renderToken(tokens, idx, options,
                                                                            env))


def _render_table_close(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                        env: Any) -> str:
    return str(self.renderToken(tokens, idx, options, env)) + "</div>\n"


def _outline_rule(state: StateCore) -> None:
    """Collect headings (giving each an id), links and plain text in one pass."""
    env = state.env
    used: set[str] = set()
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            _anchor_heading(token, tokens[index + 1], env, used)
        elif token.type == "inline" and token.children:
            line = (token.map[0] if token.map else 0)
            _collect_inline(token.children, line, env)


def _anchor_heading(token: Token, inline: Token, env: MutableMapping[str, Any],
                    used: set[str]) -> None:
    line = (token.map[0] if token.map else 0) + 1 + env["line_offset"]
    match = _EXPLICIT_ANCHOR.search(inline.content)
    if match:
        anchor = match.group(1)
        inline.content = inline.content[: match.start()]
        _strip_anchor_from_children(inline.children or [])
        if anchor in used:
            env["problems"].append((line, 1, "error", f"котвата „{anchor}“ е повторена",
                                    "duplicate-anchor"))
    else:
        base = anchor = slugify(inline.content)
        counter = 1
        while anchor in used:
            counter += 1
            anchor = f"{base}-{counter}"
    used.add(anchor)
    token.attrSet("id", anchor)
    level = int(token.tag[1])
    env["headings"].append(Heading(level, inline.content.strip(), anchor, line))


def _strip_anchor_from_children(children: list[Token]) -> None:
    for child in reversed(children):
        if child.type == "text":
            child.content = _EXPLICIT_ANCHOR.sub("", child.content)
            if child.content:
                return
    return


def _collect_inline(children: list[Token], block_line: int,
                    env: MutableMapping[str, Any]) -> None:
    for child in children:
        if child.type in ("text", "code_inline"):
            env["text"].append(child.content)
        elif child.type == "link_open":
            _register_link(child, "href", block_line, env)
        elif child.type == "image":
            if not child.content.strip() and not "".join(
                c.content for c in child.children or []
            ).strip():
                line, col = _locate(env, block_line, unquote(str(child.attrGet("src") or "")))
                env["problems"].append((line, col, "warning",
                                        "изображение без алтернативен текст (![описание](файл))",
                                        "image-alt"))
            _register_link(child, "src", block_line, env)


def _register_link(token: Token, attr: str, block_line: int,
                   env: MutableMapping[str, Any]) -> None:
    url = str(token.attrGet(attr) or "")
    line, col = _locate(env, block_line, unquote(url))
    if url.startswith(EXTERNAL):
        if attr == "href":
            token.attrSet("rel", "noopener")
        if attr == "src":
            env["problems"].append((line, col, "error",
                                    "външно изображение — изображенията трябва да са файлове "
                                    "в хранилището", "external-image"))
        return
    target, _, anchor = url.partition("#")
    anchor = unquote(anchor)
    if attr == "src":
        kind = "image"
    elif target.startswith("glossary:"):
        kind, target = "glossary", target.removeprefix("glossary:")
    elif not target:
        kind = "anchor"
    else:
        kind = "module"
    if kind in ("image", "module"):
        target = posixpath.normpath(posixpath.join(env["base_dir"], unquote(target)))
    links: list[Link] = env["links"]
    token.attrSet(attr, f"{PLACEHOLDER}{len(links)}")
    links.append(Link(kind, unquote(target), anchor, line, col))  # type: ignore[arg-type]


def _locate(env: MutableMapping[str, Any], block_line: int, url: str) -> tuple[int, int]:
    """Find the line and column of ``url`` in the block that starts at ``block_line``."""
    lines = env["lines"]
    for offset in range(block_line, min(block_line + 50, len(lines))):
        col = lines[offset].find(url) if url else -1
        if col >= 0:
            return offset + 1 + env["line_offset"], col + 1
    return block_line + 1 + env["line_offset"], 1


def _scan_callouts(text: str, line_offset: int) -> list[ProblemTuple]:
    """Report unknown callout kinds and callouts never closed."""
    problems: list[ProblemTuple] = []
    open_lines: list[int] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1 + line_offset):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)[0]
            fence = None if fence == marker else (fence or marker)
            continue
        match = _CALLOUT_LINE.match(line) if fence is None else None
        if not match:
            continue
        params = match.group(1)
        if not params:
            if open_lines:
                open_lines.pop()
            else:
                problems.append((number, 1, "error", "затварящ ред „:::“ без отворено каре",
                                 "callout-unopened"))
            continue
        kind = params.split()[0].lower()
        if kind in CALLOUTS:
            open_lines.append(number)
        else:
            problems.append((number, 4, "error",
                             f"непознат вид каре „{kind}“ (позволени: {', '.join(CALLOUTS)})",
                             "callout-kind"))
            open_lines.append(number)
    for number in open_lines:
        problems.append((number, 1, "error", "карето не е затворено с ред „:::“",
                         "callout-unclosed"))
    return problems
