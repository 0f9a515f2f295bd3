"""``dobro check`` and ``dobro build``: the pure half of the command line.

The web verbs (serve, db, demo) are added by ``webapp.cli``, which is the
installed ``dobro`` console script; ``python -m course`` offers just these two.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from course.build import build, check
from course.errors import ContentError, Problem
from course.publish.verbs import add_publish_verbs
from course.wording import count, problem_summary

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def default_root() -> Path:
    """The course root: ``DOBRO_CONTENT`` or the current directory."""
    return Path(os.environ.get("DOBRO_CONTENT") or ".")


def make_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:  # type: ignore[type-arg]
    """Build the parser with the check, build and publication verbs."""
    parser = argparse.ArgumentParser(prog="dobro", description="Dobro: курсът като файлове.")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    p_check = verbs.add_parser("check", help="провери съдържанието на курса")
    p_check.add_argument("dir", nargs="?", type=Path, help="папката на курса (по подразбиране .)")
    p_check.add_argument("--strict", action="store_true", help="предупрежденията са грешки")
    p_check.set_defaults(handler=run_check)
    p_build = verbs.add_parser("build", help="провери и компилирай курса")
    p_build.add_argument("dir", nargs="?", type=Path, help="папката на курса (по подразбиране .)")
    p_build.add_argument("--out", type=Path, help="къде да се запише (по подразбиране DIR/build)")
    p_build.add_argument("--strict", action="store_true", help="предупрежденията са грешки")
    p_build.add_argument("--jobs", type=int, default=None,
                         help="брой процеси (по подразбиране: ядрата)")
    p_build.set_defaults(handler=run_build)
    add_publish_verbs(verbs)
    return parser, verbs


def course_root(args: argparse.Namespace) -> Path | None:
    """The course directory named on the command line, if it looks like one."""
    root: Path = args.dir or default_root()
    if not (root / "modules").is_dir() and not (root / "quizzes").is_dir():
        print(f"dobro: {root} не е папка на курс (няма modules/ и quizzes/)", file=sys.stderr)
        return None
    return root


def print_problems(problems: Sequence[Problem], strict: bool) -> None:
    """Print one line per problem, then a summary line."""
    for problem in problems:
        print(problem.format())
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if strict and warnings:
        print(f"{problem_summary(errors, warnings)} (--strict: предупрежденията са грешки)")
    elif problems:
        print(problem_summary(errors, warnings))
    else:
        print("Няма проблеми.")


def run_check(args: argparse.Namespace) -> int:
    root = course_root(args)
    if root is None:
        return EXIT_USAGE
    _, problems = check(root)
    print_problems(problems, args.strict)
    failed = any(p.is_error or args.strict for p in problems)
    return EXIT_CONTENT if failed else EXIT_OK


def run_build(args: argparse.Namespace) -> int:
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


def main(argv: Sequence[str] | None = None,
         extend: Callable[[argparse._SubParsersAction], None] | None = None) -> int:  # type: ignore[type-arg]
    """Run the command line; ``extend`` may add more verbs."""
    parser, verbs = make_parser()
    if extend is not None:
        extend(verbs)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    handler: Handler = args.handler
    return handler(args)
