"""What every ``dobro`` command shares: exit codes, the course root, printing problems."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeAlias

from course.errors import Problem
from course.wording import problem_summary

PUBLICATIONS = "build/publications"  # where the Handbook, the offline copy and exports go
EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]
# What ``add_subparsers`` returns: argparse's class is private, generic only in typeshed.
Verbs: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def default_root() -> Path:
    """The course root: ``DOBRO_CONTENT`` or the current directory."""
    return Path(os.environ.get("DOBRO_CONTENT") or ".")


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


def verb_group(verbs: Verbs, name: str, help: str) -> Verbs:
    """The sub-verbs of ``dobro NAME …`` (``export``, ``import``), made on first use.

    Each command module adds its own sub-verb (``export offline``, ``export gift`` …) to
    the one group, whichever module asked for it first.
    """
    parser = verbs.choices.get(name)
    if parser is None:
        parser = verbs.add_parser(name, help=help)
        group = parser
        parser.set_defaults(handler=lambda _args: usage(group))
        return parser.add_subparsers(dest=f"{name}_verb", metavar="WHAT")
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return found[0]


def usage(parser: argparse.ArgumentParser) -> int:
    """Print a command group's help to stderr: it was called without its sub-command."""
    parser.print_help(sys.stderr)
    return EXIT_USAGE
