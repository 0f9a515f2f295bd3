"""``dobro check`` and ``dobro build``."""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from course.build import build, check
from course.commands.common import (
    EXIT_CONTENT,
    EXIT_OK,
    EXIT_USAGE,
    Verbs,
    course_root,
    print_problems,
)
from course.errors import ContentError
from course.wording import count


def add_verbs(verbs: Verbs) -> None:
    """Add ``check`` and ``build`` to the ``dobro`` parser."""
    p_check = verbs.add_parser("check", help="провери съдържанието на курса")
    p_check.add_argument("dir", nargs="?", type=Path, help="папката на курса (по подразбиране .)")
    p_check.add_argument("--strict", action="store_true", help="предупрежденията са грешки")
    p_check.add_argument("--on", type=_day, metavar="ГГГГ-ММ-ДД",
                         help="провери актуалността към тази дата (по подразбиране днес), "
                              "напр. към началото на следващия випуск")
    p_check.set_defaults(handler=run_check)
    p_build = verbs.add_parser("build", help="провери и компилирай курса")
    p_build.add_argument("dir", nargs="?", type=Path, help="папката на курса (по подразбиране .)")
    p_build.add_argument("--out", type=Path, help="къде да се запише (по подразбиране DIR/build)")
    p_build.add_argument("--strict", action="store_true", help="предупрежденията са грешки")
    p_build.add_argument("--jobs", type=int, default=None,
                         help="брой процеси (по подразбиране: ядрата)")
    p_build.set_defaults(handler=run_build)


def run_check(args: argparse.Namespace) -> int:
    """Check the course and print every problem."""
    root = course_root(args)
    if root is None:
        return EXIT_USAGE
    _, problems = check(root, today=args.on)
    print_problems(problems, args.strict)
    failed = any(p.is_error or args.strict for p in problems)
    return EXIT_CONTENT if failed else EXIT_OK


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"„{text}“ не е дата във вида ГГГГ-ММ-ДД (напр. 2027-09-01)") from None


def run_build(args: argparse.Namespace) -> int:
    """Check and compile the course; leave the output untouched on errors."""
    root = course_root(args)
    if root is None:
        return EXIT_USAGE
    out = args.out or root / "build"
    started = time.perf_counter()
    try:
        result = build(root, out, jobs=args.jobs, strict=args.strict)
    except ContentError as exc:
        print_problems(exc.problems, args.strict)
        print(f"Курсът не е компилиран; {out} е непроменена.")
        return EXIT_CONTENT
    for problem in result.problems:
        print(problem.format())
    elapsed = time.perf_counter() - started
    print(f"Компилирани {count(result.modules, 'модул', 'модула')} и "
          f"{count(result.quizzes, 'тест', 'теста')} в {out} "
          f"({count(result.written, 'записан файл', 'записани файла')}, {elapsed:.2f} с).")
    return EXIT_OK
