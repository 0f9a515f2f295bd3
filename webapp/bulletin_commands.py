"""``dobro bulletin-new N``: issue N of the Bulletin, scaffolded from the programme's data.

A web verb (it reads the database), next to the core's ``dobro bulletin N`` that lays
an issue out as PDF and HTML. It writes ``bulletins/NN-broi.md`` (published: false)
and its chart ``bulletins/img/NN-obucheni.svg`` into the course folder, and never
overwrites an issue that is already there.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from course.commands.common import EXIT_OK, EXIT_USAGE
from course.compiled import CourseUnavailable
from webapp import content, db
from webapp.commands import configured_app, fail, one_line_errors
from webapp.localtime import SOFIA
from webapp.models import utcnow
from webapp.services import bulletins


@one_line_errors
def run_bulletin_new(args: argparse.Namespace) -> int:
    """Write issue ``args.number``'s scaffold with the figures as at ``args.date``."""
    try:
        on = date.fromisoformat(args.date) if args.date else utcnow().astimezone(SOFIA).date()
    except ValueError:
        print(f"dobro: „{args.date}“ не е дата във вида ГГГГ-ММ-ДД (напр. 2027-03-01)",
              file=sys.stderr)
        return EXIT_USAGE
    with configured_app() as app, app.app_context():
        root = Path(args.dir) if args.dir else Path(app.config["CONTENT_ROOT"])
        if not (root / "modules").is_dir():
            print(f"dobro: {root} не е курс (няма папка modules/)", file=sys.stderr)
            return EXIT_USAGE
        try:
            course = content.current_course()
        except CourseUnavailable:
            return fail("няма компилиран курс (целевите групи идват от него); изпълнете "
                        "„dobro build“")
        found = bulletins.figures(db.session(), course, content.store().build_dir, on)
        try:
            path = bulletins.write_issue(root, args.number, found)
        except (bulletins.IssueExists, ValueError) as exc:
            print(f"dobro: {exc}; нищо не е записано", file=sys.stderr)
            return EXIT_USAGE
    print(f"Брой {args.number} е записан в {path} (с графика в "
          f"{path.parent / bulletins.IMAGES / bulletins.chart_name(args.number)}). "
          "Допишете местата „Напишете тук …“, проверете с „dobro check“ и сложете "
          "published: true, когато броят е готов.")
    return EXIT_OK
