"""Untrusted XML read safely into a small tree that knows where each element stands.

defusedxml's SAX parser refuses a DTD (and so every entity, the "billion laughs"
included) and any external reference; the locator gives each element its line and
column, so an importer can say ``FILE:line:col`` of every problem it meets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

import defusedxml.sax
from defusedxml.common import DefusedXmlException, DTDForbidden

from course.errors import Problem

MAX_DEPTH = 64  # a Moodle question file nests seven deep; more is an attack, not a bank
MAX_ELEMENTS = 2_000_000


@dataclass
class Node:
    """One element: its tag, attributes, character data, children and position (1-based)."""

    tag: str
    attrs: dict[str, str]
    line: int
    col: int
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The element's own character data, CDATA included, stripped."""
        return "".join(self.parts).strip()

    def find(self, tag: str) -> Node | None:
        """The first child element called ``tag``."""
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[Node]:
        """Every child element called ``tag``, in document order."""
        return [c for c in self.children if c.tag == tag]

    def value(self, tag: str, default: str = "") -> str:
        """The text of child ``tag`` (or of its ``<text>``, as Moodle nests names)."""
        child = self.find(tag)
        if child is None:
            return default
        inner = child.find("text")
        return inner.text if inner is not None else child.text


class _TooBig(Exception):
    pass


class _Builder(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.locator: Locator | None = None
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.count = 0

    def setDocumentLocator(self, locator: Locator) -> None:  # noqa: N802 - SAX's name
        self.locator = locator

    def where(self) -> tuple[int, int]:
        if self.locator is None:
            return 1, 1
        return self.locator.getLineNumber() or 1, (self.locator.getColumnNumber() or 0) + 1

    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802
        self.count += 1
        if len(self.stack) >= MAX_DEPTH or self.count > MAX_ELEMENTS:
            raise _TooBig
        line, col = self.where()
        node = Node(name, {k: attrs[k] for k in attrs.getNames()}, line, col)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name: str) -> None:  # noqa: N802
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].parts.append(content)


def parse_xml(data: bytes, path: str) -> tuple[Node | None, list[Problem]]:
    """Parse ``data`` into a tree; on any fault return None and the fault at its line."""
    builder = _Builder()
    try:
        defusedxml.sax.parseString(data, builder, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except SAXParseException as exc:
        line, col = exc.getLineNumber() or 1, (exc.getColumnNumber() or 0) + 1
        return None, [Problem(path, line, col, "error",
                              f"файлът не е правилен XML: {exc.getMessage()}", "xml-syntax")]
    except DTDForbidden:
        line, _ = builder.where()
        return None, [Problem(path, line, 1, "error",
                              "файлът съдържа DTD (<!DOCTYPE …>): такъв файл не се чете, защото "
                              "може да крие XML бомба — Moodle не пише DTD; изтрийте я",
                              "xml-dtd")]
    except DefusedXmlException:  # an entity or external reference (a DTD comes first)
        line, col = builder.where()
        return None, [Problem(path, line, col, "error",
                              "файлът съдържа обявени същности (<!ENTITY …>) или външни "
                              "препратки: такъв файл не се чете", "xml-entity")]
    except _TooBig:
        line, col = builder.where()
        return None, [Problem(path, line, col, "error",
                              f"файлът е вложен по-дълбоко от {MAX_DEPTH} нива или има над "
                              f"{MAX_ELEMENTS} елемента: не се чете", "xml-too-big")]
    return builder.root, []
