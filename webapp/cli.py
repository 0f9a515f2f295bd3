"""The ``dobro`` console script: the core's check and build, plus the web verbs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from course import cli as core_cli
from webapp import content, create_app, livebuild


def add_web_verbs(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add serve, db and demo to the core's parser."""
    p_serve = verbs.add_parser("serve", help="пусни уеб приложението")
    p_serve.add_argument("--host", default="127.0.0.1", help="адрес (по подразбиране 127.0.0.1)")
    p_serve.add_argument("--port", type=int, default=5000, help="порт (по подразбиране 5000)")
    p_serve.add_argument("--reload", action="store_true",
                         help="компилирай курса при всяка промяна и показвай грешките в страниците")
    p_serve.set_defaults(handler=run_serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dobro`` command."""
    return core_cli.main(argv, extend=add_web_verbs)


def run_serve(args: argparse.Namespace) -> int:
    """Serve the app with Flask's own server (a WSGI server such as gunicorn comes later)."""
    app = create_app({"LIVE_RELOAD": args.reload})
    if args.reload:
        watcher = livebuild.watcher(app)
        state = watcher.rebuild()
        if not state.ok:
            core_cli.print_problems(state.problems, strict=False)
            print("Курсът не е компилиран; страниците показват грешките.", file=sys.stderr)
        watcher.start()
    else:
        with app.app_context():
            if content.store().peek() is None:
                print(f"dobro: няма компилиран курс в {app.config['COURSE_BUILD']}; "
                      "изпълнете „dobro build“", file=sys.stderr)
    print(f"Dobro: http://{args.host}:{args.port}/", flush=True)
    try:
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)
    except OSError as exc:
        print(f"dobro: не мога да слушам на {args.host}:{args.port}: {exc}", file=sys.stderr)
        return core_cli.EXIT_USAGE
    return core_cli.EXIT_OK
