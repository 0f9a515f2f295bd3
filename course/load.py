"""Stage 1 of the pipeline: read every source file into the typed model.

Loading never raises for bad content: each file contributes what it could
read and a list of located problems. Markdown bodies are parsed (and so
rendered) here, once, because link targets can only be known from the parsed
document; the expensive per-file work runs on every core for large courses
and is cached by content hash between builds (``course.cache``).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.encoding import encoding_name, guess_encoding
from course.errors import Problem
from course.fields import Fields, as_map
from course.model import (
    Audience,
    CompletionRule,
    Course,
    Document,
    GlossaryEntry,
    Manifest,
    Quiz,
    Reading,
    Ref,
    Specialism,
    Topic,
)
from course.quizload import parse_quiz_file
from course.render import render_markdown
from course.sources import IMAGE_SUFFIXES, MANIFEST, source_files
from course.surveymodel import Survey
from course.yamlsrc import Map, Seq, parse_yaml

PARALLEL_THRESHOLD = 64  # below this many files a process pool costs more than it saves


@dataclass(frozen=True)
class FileResult:
    """What loading one file produced: an object (or None) and its problems."""

    path: str
    digest: str
    value: Document | Quiz | Survey | tuple[GlossaryEntry, ...] | Manifest | None
    problems: tuple[Problem, ...]


Cache = dict[tuple[str, str], FileResult]


def load_course(root: Path, cache: Cache | None = None, jobs: int | None = None,
                digests: dict[str, str] | None = None,
                overrides: Mapping[str, bytes] | None = None,
                listing: list[str] | None = None,
                ) -> tuple[Course, list[Problem], Cache]:
    """Load the course under ``root``; return it, its problems and the updated cache.

    ``digests`` (path → SHA-256, from ``course.build.source_stamp``) spares reading a
    file again just to find its cached result. ``overrides`` (path → bytes) stand in
    for existing source files, so a candidate edit can be checked before it is written.
    ``listing`` (``source_files`` with the manifest and images, as the build stamp listed
    them) spares walking the folders again.
    """
    cache = cache if cache is not None else {}
    overrides = overrides or {}
    problems: list[Problem] = []
    new_cache: Cache = {}
    manifest = _cached_manifest(root, problems, cache, new_cache, (digests or {}).get(MANIFEST),
                                overrides.get(MANIFEST))
    if listing is None or not all((root / d).is_dir() for d in ("modules", "quizzes")):
        sources, listing = source_files(root, problems), None
    else:
        sources = [rel for rel in listing if rel != MANIFEST and not _is_image(rel)]
    jobs_todo: list[tuple[str, str, bytes]] = []
    results: list[FileResult] = []
    for rel in sources:
        override = overrides.get(rel)
        known = None if override is not None else (digests or {}).get(rel)
        hit = cache.get((rel, known)) if known else None
        if hit is not None:
            results.append(hit)
            continue
        data = override if override is not None else (root / rel).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        hit = cache.get((rel, digest))
        if hit is not None:
            results.append(hit)
        else:
            jobs_todo.append((rel, digest, data))
    results.extend(_run(load_file, jobs_todo, jobs))
    for result in results:
        new_cache[(result.path, result.digest)] = result
        problems.extend(result.problems)
    results.sort(key=lambda r: r.path)
    course = Course(
        root=str(root),
        manifest=manifest,
        modules=tuple(r.value for r in results
                      if isinstance(r.value, Document) and r.value.topic),
        pages=tuple(r.value for r in results
                    if isinstance(r.value, Document) and not r.value.topic),
        quizzes=tuple(r.value for r in results if isinstance(r.value, Quiz)),
        glossary=tuple(e for r in results if isinstance(r.value, tuple) for e in r.value),
        images=_images(root, digests or {}, listing),
        surveys=tuple(r.value for r in results if isinstance(r.value, Survey)),
    )
    return course, problems, new_cache


def _run(func: Callable[[str, str, bytes], FileResult], todo: list[tuple[str, str, bytes]],
         jobs: int | None) -> Iterable[FileResult]:
    jobs = jobs or os.cpu_count() or 1
    if jobs < 2 or len(todo) < PARALLEL_THRESHOLD:
        return [func(*item) for item in todo]
    # Imported here: a rebuild of a few files runs in this process and need not pay for it.
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        chunk = max(1, len(todo) // (jobs * 4))
        return list(pool.map(func, *zip(*todo, strict=True), chunksize=chunk))


def _is_image(rel: str) -> bool:
    return posixpath.splitext(rel)[1].lower() in IMAGE_SUFFIXES


def _images(root: Path, digests: dict[str, str], listing: list[str] | None) -> dict[str, str]:
    """Each image's SHA-256 (taken from ``digests`` when the build stamp already hashed it)."""
    if listing is not None:
        return {rel: digests.get(rel) or hashlib.sha256((root / rel).read_bytes()).hexdigest()
                for rel in listing if rel.startswith("modules/") and _is_image(rel)}
    images = {}
    for path in sorted((root / "modules").rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            rel = path.relative_to(root).as_posix()
            images[rel] = digests.get(rel) or hashlib.sha256(path.read_bytes()).hexdigest()
    return images


def load_file(rel: str, digest: str, data: bytes) -> FileResult:
    """Load one source file (a module, page, glossary or quiz) from its bytes."""
    problems: list[Problem] = []
    text = decode(data, rel, problems)
    value: Any = None
    if text is not None:
        if rel.endswith(".md"):
            value = _load_document(rel, digest, text, problems)
        elif rel.startswith("modules/glossary/"):
            value = _load_glossary(rel, text, problems)
        elif rel.startswith("quizzes/"):
            value = parse_quiz_file(rel, digest, text, problems)
        else:
            problems.append(Problem(rel, 1, 1, "warning",
                                    "непознат YAML файл в modules/ — пропуснат", "stray-file"))
    return FileResult(rel, digest, value, tuple(problems))


def decode(data: bytes, path: str, problems: list[Problem]) -> str | None:
    """Decode UTF-8 (a BOM allowed); record where it fails, and empty files."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(Problem(path, line, col, "error", _not_utf8(data, exc.start), "encoding"))
        return None
    if not text.strip():
        problems.append(Problem(path, 1, 1, "error", "файлът е празен", "empty-file"))
        return None
    return text


def _not_utf8(data: bytes, start: int) -> str:
    """Say that a file is not UTF-8, which encoding it seems to be in, and what to do."""
    guess = guess_encoding(data)
    seems = (f"изглежда е записан в {encoding_name(guess)}" if guess
             else "кодировката му не е разпозната")
    return (f"файлът не е в кодировка UTF-8 (байт 0x{data[start]:02x}): {seems} — запишете го "
            "като UTF-8 (в Notepad: „Запиши като“ → Кодиране: UTF-8) или го отворете в "
            "уеб редактора, който предлага да го преобразува")


def split_front_matter(text: str, path: str, problems: list[Problem]) -> tuple[str, str, int]:
    """Split ``---`` front matter from the body; return (yaml, body, body's first line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(path, 1, 1, "error",
                                "липсва заглавна част: файлът трябва да започва с ред „---“, "
                                "следван от полетата (id, title …) и още един ред „---“",
                                "front-matter"))
        return "", text, 0
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 1
    problems.append(Problem(path, 1, 1, "error",
                            "заглавната част не е затворена с ред „---“", "front-matter"))
    return "", "", len(lines)


def _load_document(rel: str, digest: str, text: str, problems: list[Problem]) -> Document | None:
    parts = rel.split("/")
    is_page = len(parts) == 3 and parts[1] == "pages"
    if len(parts) != 3:
        problems.append(Problem(rel, 1, 1, "error",
                                "модулите трябва да са в папка на тема: modules/<тема>/<файл>.md",
                                "misplaced-file"))
        return None
    before = len(problems)
    front, body, body_line = split_front_matter(text, rel, problems)
    if len(problems) > before:
        return None
    data, yaml_problems = parse_yaml(front, rel, line_offset=1)
    problems.extend(yaml_problems)
    if yaml_problems:
        return None
    fm = as_map(data, rel, (2, 1), problems, "заглавната част")
    if fm is None:
        return None
    what = "страницата" if is_page else "модулът"
    fields = Fields(fm, rel, problems, what)
    doc_id, title = fields.ident("id"), fields.text("title", required=True)
    rendered = render_markdown(body, base_dir=posixpath_dir(rel), line_offset=body_line)
    problems.extend(Problem(rel, *p) for p in rendered.problems)  # type: ignore[arg-type]
    extra: dict[str, Any] = {"reviewed": fields.calendar_date("reviewed"),
                             "review_by": fields.calendar_date("review_by")}
    if not is_page:
        extra |= {
            "minutes": fields.integer("minutes", 0, low=1, high=600),
            "audiences": fields.texts("audiences"),
            "objectives": fields.texts("objectives"),
            "quiz": fields.ref("quiz"),
            "requires": fields.refs("requires"),
        }
        if "minutes" not in fm:
            fields.report(fm.pos, "модулът няма „minutes“ (очаквано време за изучаване)",
                          "no-minutes", "warning")
        if not extra["objectives"]:
            fields.report(fm.pos, "модулът няма учебни цели („objectives“)", "no-objectives",
                          "warning")
    fields.done()
    if not doc_id:
        return None
    return Document(id=doc_id, title=title, path=rel, topic="" if is_page else parts[1],
                    rendered=rendered, version=digest[:16], pos=fm.pos,
                    positions=dict(fm.value_pos), **extra)


def posixpath_dir(rel: str) -> str:
    """The directory part of a posix path."""
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def _load_glossary(rel: str, text: str, problems: list[Problem]) -> tuple[GlossaryEntry, ...]:
    data, yaml_problems = parse_yaml(text, rel)
    problems.extend(yaml_problems)
    if yaml_problems or data is None:
        return ()
    if not isinstance(data, list):
        problems.append(Problem(rel, 1, 1, "error",
                                "речникът трябва да е списък от термини (- term: …)", "wrong-type"))
        return ()
    entries = []
    for index, item in enumerate(data):
        entry = as_map(item, rel, data.at(index), problems, "терминът")  # type: ignore[attr-defined]
        if entry is None:
            continue
        fields = Fields(entry, rel, problems, "терминът")
        term, definition = fields.text("term", True), fields.text("definition", True)
        aliases, see = fields.texts("aliases"), fields.refs("see")
        fields.done()
        if term:
            entries.append(GlossaryEntry(term, definition, aliases, see, rel, entry.pos))
    return tuple(entries)


def _cached_manifest(root: Path, problems: list[Problem], cache: Cache, new_cache: Cache,
                     digest: str | None, override: bytes | None) -> Manifest | None:
    """Load ``course.yaml``, or reuse its last result when its bytes did not change."""
    if override is not None or digest is None:
        return _load_manifest(root, problems, override)
    hit = cache.get((MANIFEST, digest))
    if hit is None or not isinstance(hit.value, Manifest):
        found: list[Problem] = []
        hit = FileResult(MANIFEST, digest, _load_manifest(root, found), tuple(found))
    new_cache[(MANIFEST, digest)] = hit
    problems.extend(hit.problems)
    return hit.value if isinstance(hit.value, Manifest) else None


def _load_manifest(root: Path, problems: list[Problem],
                   override: bytes | None = None) -> Manifest | None:
    path = root / MANIFEST
    if override is None and not path.is_file():
        problems.append(Problem(MANIFEST, 1, 1, "error", "липсва описанието на курса",
                                "no-manifest"))
        return None
    text = decode(path.read_bytes() if override is None else override, MANIFEST, problems)
    if text is None:
        return None
    data, yaml_problems = parse_yaml(text, MANIFEST)
    problems.extend(yaml_problems)
    top = None if yaml_problems else as_map(data, MANIFEST, (1, 1), problems, "course.yaml")
    if top is None:
        return None
    fields = Fields(top, MANIFEST, problems, "course.yaml")
    fields.integer("schema", 1, low=1, high=1)
    manifest_id, title = fields.ident("id"), fields.text("title", True)
    language = fields.text("language", default="bg")
    introduction = fields.ref("introduction")
    fresh_months = fields.integer("fresh_months", 12, low=1, high=120)
    funders = fields.text("funders")
    handbook = fields.map("handbook")
    audiences = _audiences(fields)
    topics = tuple(t for t in (_topic(item, fields, index) for index, item in
                               enumerate(fields.seq("topics", required=True))) if t)
    handbook_title, front = "", tuple[Ref, ...]()
    if handbook is not None:
        hb = Fields(handbook, MANIFEST, problems, "handbook")
        handbook_title, front = hb.text("title", True), hb.refs("front_matter")
        hb.done()
    fields.done()
    return Manifest(manifest_id, title, language, audiences, topics, introduction,
                    handbook_title, front, fresh_months=fresh_months, funders=funders)


def _audiences(fields: Fields) -> tuple[Audience, ...]:
    items = fields.seq("audiences", required=True)
    result = []
    for index, item in enumerate(items):
        data = as_map(item, fields.path, items.at(index), fields.problems, "аудиторията")
        if data is None:
            continue
        sub = Fields(data, fields.path, fields.problems, "аудиторията")
        audience_id, title = sub.ident("id"), sub.text("title", True)
        specialisms = _specialisms(sub)
        sub.done()
        result.append(Audience(audience_id, title, specialisms))
    return tuple(result)


def _specialisms(fields: Fields) -> tuple[Specialism, ...]:
    """An audience's ``specialisms``: each with the modules to study first and extra reading."""
    items = fields.seq("specialisms")
    result = []
    for index, item in enumerate(items):
        data = as_map(item, fields.path, items.at(index), fields.problems, "специалността")
        if data is None:
            continue
        sub = Fields(data, fields.path, fields.problems, "специалността")
        specialism_id, title = sub.ident("id"), sub.text("title", True)
        description = sub.text("description")
        first = sub.refs("first")
        if data.get("first") is None:
            sub.report(data.pos, f"специалността „{specialism_id}“ няма „first“ (модулите, които "
                       "да се изучат първо)", "missing-key")
        elif isinstance(data["first"], Seq) and not first:
            sub.report(data.at("first"), f"специалността „{specialism_id}“ няма модули в „first“",
                       "no-modules")
        reading = _reading(sub)
        sub.done()
        if specialism_id:
            result.append(Specialism(specialism_id, title, description, first, reading,
                                     data.pos, dict(data.value_pos)))
    return tuple(result)


def _reading(fields: Fields) -> tuple[Reading, ...]:
    """A specialism's ``reading``: module or page ids (``id#anchor``), or {title, url}."""
    items = fields.seq("reading")
    result = []
    for index, item in enumerate(items):
        pos = items.at(index)
        if isinstance(item, str) and item.strip():
            result.append(Reading(ref=Ref(item.strip(), fields.path, pos)))
            continue
        if not isinstance(item, Map):
            fields.report(pos, "елементите на „reading“ трябва да са id на модул или страница "
                          "(може с #раздел) или {title: …, url: https://…}", "wrong-type")
            continue
        sub = Fields(item, fields.path, fields.problems, "четивото")
        title, url = sub.text("title", True), sub.text("url", True)
        sub.done()
        if url and not url.lower().startswith(("https://", "http://")):
            sub.report(item.at("url"), f"„url“ трябва да е уеб адрес, започващ с https://, "
                       f"а е „{url}“", "bad-url")
            continue
        if title and url:
            result.append(Reading(title=title, url=url))
    return tuple(result)


def _topic(item: Any, parent: Fields, index: int) -> Topic | None:
    topics = parent.data["topics"]
    data = as_map(item, parent.path, topics.at(index), parent.problems, "темата")
    if data is None:
        return None
    fields = Fields(data, parent.path, parent.problems, "темата")
    topic_id, title = fields.ident("id"), fields.text("title", True)
    audiences, optional = fields.texts("audiences", required=True), fields.texts("optional_for")
    hours = fields.map("hours")
    in_person = online = 0.0
    if hours is not None:
        hf = Fields(hours, parent.path, parent.problems, "hours")
        in_person, online = hf.number("in_person", 0, 0, 1000), hf.number("online", 0, 0, 1000)
        hf.done()
    modules = fields.refs("modules")
    if not modules:
        fields.report(data.at("modules"), f"темата „{topic_id}“ няма модули", "no-modules")
    pretest, final = fields.ref("pretest"), fields.ref("final")
    rule, by_audience = _completion(fields)
    session_survey, topic_survey = _surveys(fields)
    fields.done()
    return Topic(topic_id, title, audiences, optional, in_person, online, modules, pretest, final,
                 rule, by_audience, data.pos, dict(data.value_pos), session_survey, topic_survey)


def _surveys(fields: Fields) -> tuple[Ref | None, Ref | None]:
    """A topic's ``surveys``: ``session`` (after each in-person session), ``topic``."""
    data = fields.map("surveys")
    if data is None:
        return None, None
    sub = Fields(data, fields.path, fields.problems, "surveys")
    session, topic = sub.ref("session"), sub.ref("topic")
    sub.done()
    return session, topic


def _completion(fields: Fields) -> tuple[CompletionRule, dict[str, CompletionRule]]:
    data = fields.map("completion")
    if data is None:
        return CompletionRule(), {}
    base = _rule(Fields(data, fields.path, fields.problems, "completion"), CompletionRule(), True)
    by_audience: dict[str, CompletionRule] = {}
    overrides = data.get("by_audience")
    if isinstance(overrides, Map):
        for audience in overrides:
            sub = as_map(overrides[audience], fields.path, overrides.at(audience), fields.problems,
                         "by_audience")
            if sub is not None:
                by_audience[audience] = _rule(Fields(sub, fields.path, fields.problems,
                                                     f"by_audience.{audience}"), base, False)
    elif overrides is not None:
        fields.report(data.at("by_audience"), "„by_audience“ трябва да е речник", "wrong-type")
    return base, by_audience


def _rule(fields: Fields, base: CompletionRule, top: bool) -> CompletionRule:
    if top:
        fields.seen.add("by_audience")
    rule = CompletionRule(
        attended_hours=fields.number("attended_hours", base.attended_hours, 0, 1000),
        modules=fields.choice("modules", ("required", "all", "none"), base.modules),
        final=fields.choice("final", ("passed", "none"), base.final),
    )
    fields.done()
    return rule
