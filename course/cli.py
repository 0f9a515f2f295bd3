"""The ``dobro`` parser and dispatch; each command lives in ``course.commands``.

The web verbs (serve, db, demo, …) are added by ``webapp.cli``, which is the installed
``dobro`` console script; ``python -m course`` offers the core's verbs only.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from course.commands import build, interop, publish
from course.commands.common import EXIT_USAGE, Handler, Verbs


def make_parser() -> tuple[argparse.ArgumentParser, Verbs]:
    """Build the parser with the check, build, publication and import/export verbs."""
    parser = argparse.ArgumentParser(prog="dobro", description="Dobro: курсът като файлове.")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND")
    build.add_verbs(verbs)
    publish.add_verbs(verbs)
    interop.add_verbs(verbs)
    return parser, verbs


def main(argv: Sequence[str] | None = None,
         extend: Callable[[Verbs], None] | None = None) -> int:
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
