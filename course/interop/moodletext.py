"""Moodle's texts, embedded files and numbers, read into Dobro's terms.

``TextReader`` is what every question type's reader uses: a text of any Moodle
format (``html``, ``moodle_auto_format``, ``markdown``, ``plain_text``) becomes
Dobro's inline Markdown, with its ``@@PLUGINFILE@@`` images saved as files
(``course.interop.moodlefiles``); a number or a fraction that is not one is an
error at its line, and the question is left out (``Skip``).
"""

from __future__ import annotations

import math
import re

from course.errors import Problem, Severity
from course.interop.common import html_to_markdown, plain_to_markdown
from course.interop.moodlefiles import (
    DamagedFile,
    FileFault,
    decode_image,
    local_link,
    plugin_name,
)
from course.interop.xmltree import Node


class Skip(Exception):
    """The question has an error (already reported) and is not imported."""


class TextReader:
    """Read the texts and numbers of one file, reporting into ``problems``."""

    def __init__(self, path: str, quiz_id: str, topic: str, problems: list[Problem],
                 images: dict[str, bytes]) -> None:
        self.path, self.quiz_id, self.topic = path, quiz_id, topic
        self.problems, self.images = problems, images

    def say(self, node: Node, severity: Severity, message: str, code: str) -> None:
        """Report a problem at ``node``."""
        self.problems.append(Problem(self.path, node.line, node.col, severity, message, code))

    def fail(self, node: Node, message: str, code: str) -> Skip:
        """Report an error at ``node``; raise what this returns to leave the question out."""
        self.say(node, "error", message, code)
        return Skip()

    def rich(self, node: Node) -> str:
        """A Moodle text (``format``, ``<text>``, ``<file>``s) as Dobro inline Markdown."""
        links = self.files(node)
        raw = node.value("text")
        fmt = node.attrs.get("format", "html")
        if fmt == "markdown":
            return re.sub(r"@@PLUGINFILE@@/[^)\s\"]+",
                          lambda m: self.link(node, links, m.group(0)) or m.group(0), raw)
        if fmt == "plain_text":
            return plain_to_markdown(raw)
        if fmt not in ("html", "moodle_auto_format"):
            self.say(node, "warning", f"непознат формат на текста „{fmt}“: прочетен е като "
                     "HTML, както прави Moodle", "unknown-format")
        if fmt == "moodle_auto_format" and "<" not in raw:
            return plain_to_markdown(raw)
        return self.html(node, raw, links)

    def html(self, node: Node, raw: str, links: dict[str, str]) -> str:
        images: list[str] = []

        def keep(match: re.Match[str]) -> str:
            attrs = dict((k.lower(), v or w or x) for k, v, w, x in _ATTR.findall(match.group(0)))
            target = self.link(node, links, attrs.get("src", ""))
            if target is None:
                return match.group(0)
            alt = attrs.get("alt", "").strip()
            if not alt:
                alt = target.rsplit("/", 1)[-1]
                self.say(node, "warning", f"картинката „{target}“ няма описание (alt): сложено е "
                         "името на файла — напишете какво показва", "image-alt")
            images.append(f"![{plain_to_markdown(alt)}]({target})")
            return f"\ue000{len(images) - 1}\ue001"

        text = html_to_markdown(_IMG.sub(keep, raw))
        return re.sub("\ue000(\\d+)\ue001", lambda m: images[int(m.group(1))], text)

    def link(self, node: Node, links: dict[str, str], url: str) -> str | None:
        """The local link of an image's URL; None when the file does not carry it (said
        here) or its file was refused (said already)."""
        target = links.get(plugin_name(url) or "")
        if target is None:
            self.say(node, "warning", f"картинката „{url}“ не е във файла (вероятно е от друг "
                     "сайт) — вижда се само описанието ѝ", "image-missing")
        return target or None

    def files(self, node: Node) -> dict[str, str]:
        """Decode the ``<file>``s of a text; map each Moodle path to its link."""
        links: dict[str, str] = {}
        damaged = 0
        for file in node.findall("file"):
            name, folder = file.attrs.get("name", ""), file.attrs.get("path", "/")
            key = "/" + "/".join(p for p in (folder.strip("/"), name) if p)
            try:
                if file.attrs.get("encoding", "base64") != "base64":
                    raise DamagedFile(f"файлът „{name}“ не е в base64")
                data, suffix = decode_image(file.text, name)
            except DamagedFile as fault:
                self.say(file, "error", str(fault), "bad-file")
                damaged += 1
                continue
            except FileFault as fault:  # refused, said once: its link shows as its text
                self.say(file, "warning", str(fault), "file-refused")
                links[key] = ""
                continue
            links[key] = link = self.place(local_link(folder, name, suffix, self.quiz_id), data)
            self.say(file, "warning", f"картинката е записана в modules/{self.topic}/{link}; "
                     "Dobro не показва картинки във въпросите — вижда се само описанието ѝ",
                     "image-in-question")
        if damaged:
            raise Skip
        return links

    def place(self, link: str, data: bytes) -> str:
        """Give a link to ``data``: the same bytes share one file, others get ``-2``, ``-3`` …"""
        stem, dot, ext = link.rpartition(".")
        candidate, n = link, 1
        while self.images.get(f"modules/{self.topic}/{candidate}", data) != data:
            n += 1
            candidate = f"{stem}-{n}{dot}{ext}"
        self.images[f"modules/{self.topic}/{candidate}"] = data
        return candidate

    def number(self, node: Node, text: str, what: str) -> float:
        value = to_float(text)
        if value is None:
            raise self.fail(node, f"{what}: „{text}“ не е число", "not-a-number")
        return value

    def fraction(self, answer: Node, label: str) -> float:
        return snap(self.number(answer, answer.attrs.get("fraction", "0"),
                                 f"{label}: тежестта (fraction)"))

    def feedback(self, answer: Node) -> str:
        node = answer.find("feedback")
        return self.rich(node) if node is not None else ""


_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def to_float(text: str) -> float | None:
    """``text`` as a finite number, or None."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def snap(percent: float) -> float:
    """Moodle writes 33.33333 for a third: give back the exact share (100 × k/n)."""
    for n in range(2, 21):
        k = round(percent * n / 100)
        if k and abs(percent - 100 * k / n) < 1e-4:
            return 100 * k / n
    return percent
