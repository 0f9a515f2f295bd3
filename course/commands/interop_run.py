"""What ``dobro import``/``dobro export`` of question banks do once chosen
(``course.commands.interop`` defines the verbs and loads this module only then: the
importers and the quiz writer load the Markdown parser, which ``dobro check`` on an
unchanged course never needs).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection
from pathlib import Path

from course.commands.common import (
    EXIT_CONTENT,
    EXIT_OK,
    EXIT_USAGE,
    PUBLICATIONS,
    default_root,
    print_problems,
)
from course.errors import Problem
from course.fields import ID_RE
from course.interop.common import MAX_BYTES, ImportResult, as_quiz, make_id
from course.interop.quizyaml import quiz_yaml
from course.load import decode
from course.model import Course, Quiz
from course.quizload import MAX_QUESTIONS
from course.wording import count, did_you_mean

TYPE_NAMES = {"single": "с един верен отговор", "multiple": "с няколко верни отговора",
              "true-false": "вярно/невярно", "text": "с кратък текстов отговор",
              "number": "с число", "match": "за съпоставяне", "order": "за подреждане"}
# An importer: the file's text, the path to name in problems and the course's sections
# (``module``, ``module#anchor``) in; questions and problems out.
ImportReader = Callable[[str, str, Collection[str] | None], ImportResult]
# An importer that reads the file itself (bytes, embedded images): its path, the new
# quiz's id (its images' folder) and the course's sections in.
FileReader = Callable[[Path, str, Collection[str] | None], ImportResult]


def read_input(path: Path) -> tuple[str | None, list[Problem]]:
    """The text of a file to import, or the problems that stop it (too big, not UTF-8)."""
    problems: list[Problem] = []
    size = path.stat().st_size
    if size > MAX_BYTES:
        problems.append(Problem(str(path), 1, 1, "error",
                                f"файлът е твърде голям ({size / 2**20:.1f} MB; най-много "
                                f"{MAX_BYTES // 2**20} MB) — разделете банката на няколко "
                                "файла (по категории) и ги внесете поотделно", "too-big"))
        return None, problems
    return decode(path.read_bytes(), str(path), problems), problems


def run_import_gift(args: argparse.Namespace) -> int:
    """Import a GIFT file as a quiz file."""
    from course.interop.gift import read_gift

    return run_import(args, read_gift)


def run_import(args: argparse.Namespace, reader: ImportReader) -> int:
    """Read ``args.file`` (UTF-8 text) with ``reader``, report, and write the quiz unless
    there are errors."""
    def read_text(path: Path, _quiz_id: str, refs: Collection[str] | None) -> ImportResult:
        text, problems = read_input(path)
        return reader(text, str(path), refs) if text is not None else ImportResult(
            problems=problems)

    return run_file_import(args, read_text)


def run_file_import(args: argparse.Namespace, reader: FileReader) -> int:
    """Read ``args.file`` with ``reader``; report, and write the quiz and its images unless
    there are errors."""
    root: Path = args.root or default_root()
    target = _target(args, root)
    if target is None:
        return EXIT_USAGE
    quiz_id, out = target
    if not args.file.is_file():
        print(f"dobro: {args.file}: няма такъв файл", file=sys.stderr)
        return EXIT_USAGE
    result = reader(args.file, quiz_id, sections(root))
    result.problems.extend(image_clashes(root, result.images, args.force))
    if len(result.questions) > MAX_QUESTIONS:
        result.report(str(args.file), 1, 1, "error",
                      f"{len(result.questions)} въпроса са повече от {MAX_QUESTIONS}, колкото "
                      "побира един тест — разделете файла (по категории)", "too-many")
    print(_summary(result, args.file))
    print_problems(result.problems, False)
    if result.has_errors or not result.questions:
        print("Нищо не е записано." if result.has_errors
              else "Няма въпроси за внасяне — нищо не е записано.")
        return EXIT_CONTENT
    title = args.title or _title(result, args.file)
    quiz = as_quiz(result.questions, quiz_id, title, args.kind, args.topic)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(quiz_yaml(quiz), encoding="utf-8")
    for rel, data in result.images.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    if result.images:
        print(f"{count(len(result.images), 'картинка е записана', 'картинки са записани')} в "
              f"{root / 'modules' / args.topic / 'img'}.")
    missing = sum(q.ref is None for q in quiz.questions)
    print(f"Записано в {out}. Проверете го с „dobro check“"
          + (f"; добавете „ref“ (раздела, който въпросът проверява) към "
             f"{count(missing, 'въпрос', 'въпроса')}." if missing else "."))
    return EXIT_OK


def image_clashes(root: Path, images: dict[str, bytes], force: bool) -> list[Problem]:
    """An error for each image that would land outside ``modules/`` or, without ``force``,
    replace a different file."""
    base = (root / "modules").resolve()
    problems = []
    for rel, data in images.items():
        path = (root / rel).resolve()
        if not path.is_relative_to(base):
            problems.append(Problem(rel, 1, 1, "error", "картинката би отишла извън modules/ — "
                                    "проверете --topic", "image-outside"))
        elif path.exists() and not force and path.read_bytes() != data:
            problems.append(Problem(rel, 1, 1, "error", "вече има такъв файл с друго "
                                    "съдържание — преместете го или добавете --force",
                                    "image-exists"))
    return problems


def sections(root: Path) -> set[str] | None:
    """What a ``ref`` may point at in the course under ``root``: each module and
    ``module#anchor``; None when ``root`` holds no modules."""
    from course.load import load_course

    if not (root / "modules").is_dir():
        return None
    course = load_course(root)[0]
    return {m.id for m in course.modules} | {
        f"{m.id}#{h.anchor}" for m in course.modules for h in m.rendered.headings}


def _target(args: argparse.Namespace, root: Path) -> tuple[str, Path] | None:
    """The new quiz's id and file, or None (said why) when they cannot be used."""
    topics = sorted(p.name for p in (root / "quizzes").glob("*") if p.is_dir())
    if args.topic not in topics and args.out is None:
        hint = did_you_mean(args.topic, topics) or f"темите са: {', '.join(topics) or 'няма'}"
        print(f"dobro: няма тема „{args.topic}“ в {root / 'quizzes'} ({hint})", file=sys.stderr)
        return None
    quiz_id = args.quiz_id or make_id(args.file.stem, set(), "vnos")
    if not ID_RE.match(quiz_id):
        print(f"dobro: „{quiz_id}“ не е id: малки латински букви, цифри и тирета",
              file=sys.stderr)
        return None
    out: Path = args.out or root / "quizzes" / args.topic / f"{quiz_id}.yaml"
    if out.exists() and not args.force:
        print(f"dobro: {out} вече съществува — изберете друг --id или --out, или добавете "
              "--force, за да го презапишете", file=sys.stderr)
        return None
    return quiz_id, out


def _summary(result: ImportResult, path: Path) -> str:
    kinds = result.by_type()
    parts = ", ".join(f"{n} {TYPE_NAMES.get(t, t)}" for t, n in sorted(kinds.items()))
    line = f"Прочетени {count(len(result.questions), 'въпрос', 'въпроса')} от {path}"
    line += f" ({parts})." if parts else "."
    if result.categories:
        line += f"\nКатегории в Moodle: {'; '.join(result.categories)}."
    return line


def _title(result: ImportResult, path: Path) -> str:
    if result.categories:
        return result.categories[-1].rstrip("/").rsplit("/", 1)[-1].strip() or path.stem
    return f"Въпроси от {path.name}"


def run_export_gift(args: argparse.Namespace) -> int:
    """Write a quiz's questions as a GIFT file."""
    from course.interop.giftexport import write_gift

    found = find_quiz(args)
    if isinstance(found, int):
        return found
    quiz = found[1]
    text, problems = write_gift(quiz)
    out: Path = args.out or (args.dir or default_root()) / PUBLICATIONS / f"{quiz.id}.gift.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print_problems(problems, False)
    written = len(quiz.questions) - sum(p.code == "gift-unsupported" for p in problems)
    print(f"{count(written, 'въпрос е записан', 'въпроса са записани')} в {out}.")
    return EXIT_OK


def find_quiz(args: argparse.Namespace) -> tuple[Course, Quiz] | int:
    """The course and its quiz ``args.quiz``, with its pool's questions; else an exit code."""
    from course.build import check

    root: Path = args.dir or default_root()
    if not (root / "quizzes").is_dir():
        print(f"dobro: {root} не е папка на курс (няма quizzes/)", file=sys.stderr)
        return EXIT_USAGE
    course, problems = check(root)
    quizzes = {q.id: q for q in course.quizzes}
    quiz = quizzes.get(args.quiz)
    if quiz is None:
        hint = did_you_mean(args.quiz, quizzes) or "вижте quizzes/"
        print(f"dobro: няма тест „{args.quiz}“ ({hint})", file=sys.stderr)
        return EXIT_USAGE
    if quiz.pool is not None and not quiz.questions and quiz.pool.target in quizzes:
        quiz = quizzes[quiz.pool.target]  # a test that draws from a pool: the pool's questions
    own = [p for p in problems if p.path == quiz.path and p.is_error]
    if own:
        print_problems(own, False)
        print("Тестът има грешки — поправете ги и опитайте отново.")
        return EXIT_CONTENT
    return course, quiz


def run_export_moodle_xml(args: argparse.Namespace) -> int:
    """Write a quiz's questions, with their images, as a Moodle XML file."""
    from course.interop.moodleexport import course_images, write_moodle_xml

    found = find_quiz(args)
    if isinstance(found, int):
        return found
    course, quiz = found
    root: Path = args.dir or default_root()
    topics = {t.id: t.title for t in course.manifest.topics} if course.manifest else {}
    text, problems = write_moodle_xml(quiz, topics.get(quiz.topic, quiz.topic),
                                      course_images(root, quiz.topic))
    out: Path = args.out or root / PUBLICATIONS / f"{quiz.id}.moodle.xml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print_problems(problems, False)
    print(f"{count(len(quiz.questions), 'въпрос е записан', 'въпроса са записани')} в {out}.")
    return EXIT_OK


def run_import_moodle_xml(args: argparse.Namespace) -> int:
    """Import a Moodle XML file as a quiz file and its images."""
    from course.interop.moodlexml import read_moodle_xml_file

    return run_file_import(args, lambda path, quiz_id, refs: read_moodle_xml_file(
        path, quiz_id, args.topic, str(path), refs))
