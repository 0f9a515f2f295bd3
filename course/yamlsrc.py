"""YAML parsing that remembers where every key and value stood in the file.

PyYAML forgets source positions once it builds Python objects; the checker
needs them to say ``file:line:col`` for every fault. The loader here builds
``Map`` and ``Seq`` (a dict and a list that also carry positions) and reports
duplicate keys, which plain PyYAML silently drops.

Anchors (``&name``) and aliases (``*name``) are refused: a few hundred bytes of
nested aliases stand for billions of values ("billion laughs"), and anything
that walks or prints them (a validation message quoting a value) runs out of
memory. Course sources never need them; an author repeats the text instead.
"""

from __future__ import annotations

from typing import Any

import yaml

from course.errors import Problem

Pos = tuple[int, int]  # 1-based line, column
MAX_ANCHOR_PROBLEMS = 20  # per file: enough to show the pattern, not a flood

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_ALIAS = ("препратки (*{}) не се поддържат — напишете стойността изцяло; "
          "ако текстът започва със звездичка, оградете го в кавички")
_ANCHOR = ("котви (&{}) не се поддържат — напишете стойността изцяло, без „&“; "
           "ако текстът започва с „&“, оградете го в кавички")


class Map(dict[str, Any]):
    """A YAML mapping with the position of the mapping, its keys and values."""

    pos: Pos
    key_pos: dict[str, Pos]
    value_pos: dict[str, Pos]

    def at(self, key: str) -> Pos:
        """Position of the value of ``key``, else of the key, else of the mapping."""
        return self.value_pos.get(key) or self.key_pos.get(key) or self.pos


class Seq(list[Any]):
    """A YAML sequence with the position of the sequence and of each item."""

    pos: Pos
    item_pos: list[Pos]

    def at(self, index: int) -> Pos:
        """Position of item ``index``."""
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


def _pos(node: yaml.Node, line_offset: int) -> Pos:
    return (node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    line_offset = 0
    duplicate_keys: list[tuple[str, Pos, Pos]]  # key, where repeated, where first


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Map:
    result = Map()
    result.pos = _pos(node, loader.line_offset)
    result.key_pos = {}
    result.value_pos = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = key if isinstance(key, str) else str(key)
        if key in result:
            loader.duplicate_keys.append((key, _pos(key_node, loader.line_offset),
                                         result.key_pos[key]))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_pos[key] = _pos(key_node, loader.line_offset)
        result.value_pos[key] = _pos(value_node, loader.line_offset)
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    result = Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.pos = _pos(node, loader.line_offset)
    result.item_pos = [_pos(child, loader.line_offset) for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
# Dates stay text: a date object would surprise every consumer that expects a
# string; the date fields (``reviewed``, ``review_by``) are parsed by ``Fields``.
_Loader.add_constructor(
    "tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str
)


def parse_yaml(text: str, path: str, line_offset: int = 0) -> tuple[Any, list[Problem]]:
    """Parse one YAML document; return its value (or None) and the problems found."""
    refused = anchor_problems(text, path, line_offset)
    if refused:
        return None, refused
    loader = _Loader(text)
    loader.line_offset = line_offset
    loader.duplicate_keys = []
    try:
        value = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        return None, [_yaml_problem(exc, text, path, line_offset)]
    except yaml.YAMLError:  # errors without a position (rare)
        return None, [Problem(path, 1 + line_offset, 1, "error", "невалиден YAML — проверете "
                              "отстъпа, двоеточията и кавичките", "yaml")]
    finally:
        loader.dispose()
    problems = [
        Problem(path, line, col, "error", f"ключът „{key}“ е повторен (вече е на ред {first[0]}) "
                "— YAML пази само последната стойност; изтрийте единия или го преименувайте",
                "duplicate-key")
        for key, (line, col), first in loader.duplicate_keys
    ]
    return value, problems


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, path: str, line_offset: int) -> Problem:
    # Imported here: only a file with a syntax error needs the hints (and their regexes).
    from course.yamlhints import explain

    hint = explain(exc, text)
    return Problem(path, hint.line + 1 + line_offset, hint.col + 1, "error", hint.message,
                   hint.code)


def anchor_problems(text: str, path: str, line_offset: int = 0) -> list[Problem]:
    """Locate every anchor and alias in ``text``; a YAML syntax error is left to the parser."""
    # Neither can appear without its sign, and most sources have neither: skip the second parse.
    if "&" not in text and "*" not in text:
        return []
    problems: list[Problem] = []
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if len(problems) == MAX_ANCHOR_PROBLEMS:
                break
            if isinstance(event, yaml.AliasEvent):
                message, code = _ALIAS, "yaml-alias"
            elif isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                message, code = _ANCHOR, "yaml-anchor"
            else:
                continue
            mark = event.start_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problems.append(Problem(path, line + line_offset, col, "error",
                                    message.format(event.anchor), code))
    except yaml.YAMLError:
        return []
    return problems
