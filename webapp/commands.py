"""What the web verbs of ``dobro`` do (serve, db upgrade, demo, organisations, participants).

Kept apart from ``webapp.cli`` so that ``dobro check`` and ``dobro build`` start
without importing Flask, SQLAlchemy and the app.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from course.commands.common import EXIT_OK, EXIT_USAGE, print_problems
from course.compiled import CourseUnavailable
from webapp import content, create_app, db, i18n, jobs, livebuild, websync, wsgiserver
from webapp.services import audit, mail_messages, participants, seed, web_versions
from webapp.services.participant_files import ParticipantFileError, read_table

EXIT_FAILURE = 1  # the command could not be carried out (usage errors are EXIT_USAGE)
Handler = Callable[[argparse.Namespace], int]
ROLE_NAMES = {"learner": "обучаем / learner", "trainer": "обучител / trainer",
              "coordinator": "координатор / coordinator", "admin": "администратор / admin"}


def run_serve(args: argparse.Namespace) -> int:
    """Serve the app: gunicorn (``webapp.wsgiserver``), or Flask's development server with
    ``--reload`` (which also rebuilds the course on every change) or ``--dev``."""
    if not (args.reload or args.dev):
        wsgiserver.metrics_folder()  # before the app: workers' metrics in one folder
    app = create_app({"LIVE_RELOAD": args.reload})
    if not catalogs_ready(app):
        return EXIT_USAGE
    if args.reload:
        watcher = livebuild.watcher(app)
        state = watcher.rebuild()
        if not state.ok:
            print_problems(state.problems, strict=False)
            print("Курсът не е компилиран; страниците показват грешките.", file=sys.stderr)
        watcher.start()
    else:
        with app.app_context():
            if content.store().peek() is None:
                print(f"dobro: няма компилиран курс в {app.config['COURSE_BUILD']}; "
                      "изпълнете „dobro build“", file=sys.stderr)
    if not port_free(args.host, args.port):
        return EXIT_USAGE
    if args.reload or args.dev:
        print(f"Dobro: http://{args.host}:{args.port}/ (сървър за разработка / development "
              "server)", flush=True)
        websync.start(app)  # this server follows the web-authored versions in the database
        jobs.serve_jobs(app)  # background jobs in a thread, unless DOBRO_JOBS=off
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)
        return EXIT_OK
    for name in ("workers", "threads", "timeout"):
        value = getattr(args, name)
        if value is not None and not 1 <= value <= 3600:
            print(f"dobro: --{name} трябва да е между 1 и 3600", file=sys.stderr)
            return EXIT_USAGE
    why = wsgiserver.available()
    if why:
        print(f"dobro: {why}", file=sys.stderr)
        return EXIT_USAGE
    # The checks' app goes: each worker creates its own after the fork.
    app.extensions["dobro.engine"].dispose()
    workers = args.workers or wsgiserver.workers_for(os.cpu_count())
    print(f"Dobro: http://{args.host}:{args.port}/ (gunicorn: {workers} × {args.threads})",
          flush=True)
    # Each worker follows the web-authored versions in the database (webapp.websync).
    wsgiserver.serve(lambda: websync.start(create_app({"LIVE_RELOAD": False})), args.host,
                     args.port,
                     workers=workers, threads=args.threads, timeout=args.timeout,
                     json_logs=args.json_logs,
                     access_log=None if args.no_access_log else "-")
    return EXIT_OK


def port_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be listened on; if not, say so."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            print(f"dobro: не мога да слушам на {host}:{port}: {exc}", file=sys.stderr)
            return False
    return True


def catalogs_ready(app: Flask) -> bool:
    """Whether the default language has its compiled catalog; say what is missing."""
    missing = i18n.missing_catalogs(app)
    default = app.config["BABEL_DEFAULT_LOCALE"]
    for code in missing:
        level = "грешка / error" if code == default else "предупреждение / warning"
        print(f"dobro: {level}: няма компилиран превод на интерфейса за „{code}“ "
              f"(translations/{code}/LC_MESSAGES/messages.mo); страниците ще са на английски. "
              "Изпълнете „make translations“ или инсталирайте от wheel (pip install .). "
              f"/ No compiled message catalog for '{code}': the pages would be in English.",
              file=sys.stderr)
    return default not in missing


def fail(message: str) -> int:
    print(f"dobro: {message}", file=sys.stderr)
    return EXIT_FAILURE


def one_line_errors(handler: Handler) -> Handler:
    """Report any failure (database unreachable, folder not writable …) in one line, exit 1."""
    @wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except Exception as exc:  # the command line shows one line, never a traceback
            return fail(describe(exc))
    return run


def describe(exc: Exception) -> str:
    """One line on what went wrong, starting with what it means for the user."""
    if isinstance(exc, OperationalError):
        what = "базата данни не отговаря / database unreachable"
    elif isinstance(exc, (ArgumentError, NoSuchModuleError, ImportError)):
        what = "неправилен DOBRO_DATABASE_URL / bad database URL"
    elif isinstance(exc, OSError):
        what = "файлова грешка / file error"
    else:
        what = type(exc).__name__
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{what}: {lines[0]}" if lines else what


def shown_url(url: str) -> str:
    """The database URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


def migrate(app: Flask) -> None:
    """Bring the app's database to the latest schema and say what changed."""
    url = app.config["DATABASE_URL"]
    before = current_revision(app)
    db.upgrade(url)
    after = current_revision(app)
    if before == after:
        print(f"База данни {shown_url(url)}: вече е обновена (версия {after}). "
              f"/ Database already up to date.")
    else:
        print(f"База данни {shown_url(url)}: обновена от {before or 'празна'} до {after}. "
              f"/ Database upgraded from {before or 'empty'} to {after}.")


def current_revision(app: Flask) -> str | None:
    with app.app_context(), db.engine().connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def configured_app() -> Iterator[Flask]:
    """The app as ``dobro serve`` would configure it; its connections are closed at the end."""
    app = create_app()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine().dispose()


@one_line_errors
def run_db_upgrade(_args: argparse.Namespace) -> int:
    """Create the instance folder and bring the database to the latest schema."""
    with configured_app() as app:
        print(f"Папка на инстанцията / Instance folder: {app.instance_path}")
        migrate(app)
    return EXIT_OK


@one_line_errors
def run_organisations(_args: argparse.Namespace) -> int:
    """Add the member municipalities and regional administrations (for production too)."""
    with configured_app() as app, app.app_context():
        if not inspect(db.engine()).has_table("organisation"):
            return fail("базата данни няма таблици; изпълнете първо „dobro db upgrade“")
        database = db.session()
        added = seed.seed_organisations(database)
        database.commit()
    print(f"Организации: добавени {added}, общо в списъка {len(seed.ORGANISATIONS)}. "
          f"/ Organisations: {added} added, {len(seed.ORGANISATIONS)} in the list.")
    return EXIT_OK


@one_line_errors
def run_demo(args: argparse.Namespace) -> int:
    """Migrate, seed the organisations and the demo accounts, and print how to sign in."""
    with configured_app() as app:
        base_url = app.config["BASE_URL"]
        if not seed.demo_allowed(base_url, args.force):
            return fail(f"отказвам демо профили с известна парола на {base_url} (https: "
                        "публичен сайт); добавете --force, ако наистина го искате / refusing "
                        "demo accounts on an https:// site without --force")
        migrate(app)
        with app.app_context():
            database = db.session()
            seed.seed_organisations(database)
            course = content.store().peek()
            logins = seed.seed_demo(database, [t.id for t in course.topics] if course else [])
            database.commit()
    print_logins(logins, base_url.rstrip("/"))
    return EXIT_OK


def print_logins(logins: Sequence[seed.DemoLogin], base_url: str) -> None:
    """A table of the demo logins, in Bulgarian and English."""
    rows = [("Роля / Role", "Потребител / User name", "Име / Name")]
    rows += [(ROLE_NAMES.get(login.role, login.role) + audience_note(login), login.username,
              login.name) for login in logins]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    print()
    print("Демо профили / Demo logins")
    for number, row in enumerate(rows):
        print(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
        if number == 0:
            print(f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(row[2])}")
    passwords = sorted({login.password for login in logins})
    print()
    print(f"Парола за всички / Password for all: {', '.join(passwords)}")
    print(f"Вход / Sign in:  {base_url}/login")
    print(f"Обучители / Trainers:  {base_url}/trainer/")
    print("Демо данните са само за опит; не ги създавайте на публичен сайт. "
          "/ Demo data is for trying Dobro out, never for a public site.")


def audience_note(login: seed.DemoLogin) -> str:
    return f" ({login.audience})" if login.audience else ""


@one_line_errors
def run_participants_import(args: argparse.Namespace) -> int:
    """Preview a participants file and, unless --dry-run and if it has no errors, import it."""
    path = Path(args.file)
    if not path.is_file():
        print(f"dobro: няма такъв файл: {path} / no such file", file=sys.stderr)
        return EXIT_USAGE
    # The file's and the rows' errors are translated when printed: in Bulgarian here.
    with configured_app() as app, app.app_context(), force_locale("bg"):
        try:
            table = read_table(path.name, path.read_bytes())
        except ParticipantFileError as exc:
            print(f"{path}: error: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        try:
            course = content.current_course()
            audiences, specialisms = course.audiences, course.specialisms
        except CourseUnavailable:
            return fail("няма компилиран курс (целевите групи идват от него); изпълнете "
                        "„dobro build“ / no compiled course")
        database = db.session()
        plan = participants.preview(database, table, audiences, args.group.strip(),
                                    specialisms=specialisms)
        print_preview(path, plan)
        if not plan.ok:
            return EXIT_FAILURE
        if args.dry_run:
            print("Пробен внос: нищо не е записано. / Dry run: nothing was saved.")
            return EXIT_OK
        _plan, summary = participants.apply(database, table, audiences, args.group.strip(),
                                            specialisms=specialisms)
        audit.record(database, None, "participants_imported", target="cli:import",
                     count=summary.created + summary.updated)
        for learner in summary.joined:  # the group's sessions to come, with their .ics
            mail_messages.joined_group(database, learner, None)
        database.commit()
    print(f"Внесено: {summary.created} нови, {summary.updated} променени, {summary.unchanged} "
          f"без промяна, {summary.groups_created} нови групи. / Imported.")
    return EXIT_OK


def print_preview(path: Path, plan: participants.Preview) -> None:
    """The preview in lines: errors as ``FILE:row:col: error: message`` on stderr."""
    if plan.whole_database:
        print("Съвпадения се търсят сред всички обучаеми в базата данни. / "
              "Rows are matched against every learner in the database.")
    for error in plan.errors:
        named = f"{error.column_name}: " if error.column_name else ""
        print(f"{path}:{error.row}:{error.column or '-'}: error: {named}{error.message}",
              file=sys.stderr)
    for name in plan.groups_to_create:
        print(f"нова група / new group: {name}")
    for item in plan.creates:
        print(f"ред {item.row}: нов / new: {item.values['name']} ({item.values['organisation']})")
    for item in plan.updates:
        changes = [f"{c.label}: {c.old or '—'} → {c.new}" for c in item.changes]
        if item.joins_group:
            changes.append(f"влиза в група / joins {item.group_name}")
        print(f"ред {item.row}: промяна / update: {item.values['name']}: " + "; ".join(changes))
    print(f"Нови / new: {len(plan.creates)}, промени / updates: {len(plan.updates)}, "
          f"без промяна / unchanged: {len(plan.unchanged)}, грешки / errors: {len(plan.errors)}")


@one_line_errors
def run_authoring_export(args: argparse.Namespace) -> int:
    """Write the latest web-authored version of each file into a working tree to commit."""
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            print(f"dobro: --since иска дата като 2027-03-01 или 2027-03-01T14:30, не "
                  f"„{args.since}“ / --since needs an ISO date", file=sys.stderr)
            return EXIT_USAGE
    with configured_app() as app, app.app_context():
        target = Path(args.to) if args.to else Path(app.config["CONTENT_ROOT"])
        if not (target / "modules").is_dir():
            print(f"dobro: {target} не е курс (няма папка modules/) / not a course folder",
                  file=sys.stderr)
            return EXIT_USAGE
        report = web_versions.export(db.session(), target, since)
    for rel in report.written:
        print(f"записан / written: {rel}")
    for rel in report.removed:
        print(f"премахнат / removed: {rel}")
    for rel in report.kept:
        print(f"запазен (в git има по-нов текст) / kept, git has a newer text: {rel}",
              file=sys.stderr)
    print(f"Уеб версии до № {report.upto}: записани {len(report.written)}, премахнати "
          f"{len(report.removed)}, запазени {len(report.kept)} в {target}. Прегледайте с "
          f"„git -C {target} status“ и ги запишете с git commit. / {len(report.written)} "
          f"written, {len(report.removed)} removed, {len(report.kept)} kept.")
    return EXIT_OK
