"""``dobro worker``: background jobs in processes of their own; and ``dobro certificates
render``, the certificates' PDFs rendered from the command line (an upgrade, a new address).

For installations whose app servers leave the jobs alone (``DOBRO_JOBS=off``), or to
add rendering power: one worker process per core renders certificates in parallel
(threads of one process share one core for WeasyPrint's Python).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from flask import Flask
from sqlmodel import col, select

from course.commands.common import EXIT_OK, EXIT_USAGE
from webapp import jobs
from webapp.commands import configured_app, one_line_errors


@one_line_errors
def run_worker(args: argparse.Namespace) -> int:
    """Run jobs until stopped (SIGTERM, Ctrl+C); with ``--once``, until the queue is empty."""
    if not 1 <= args.threads <= 32:
        print("dobro: --threads трябва да е между 1 и 32 / --threads must be 1 to 32",
              file=sys.stderr)
        return EXIT_USAGE
    with configured_app() as app:
        if args.once:
            count = drain(app, args.threads)
            print(f"Изпълнени задачи: {count}. / Jobs run: {count}.", flush=True)
            return EXIT_OK
        stopping = threading.Event()

        def stop(_signum: int, _frame: FrameType | None) -> None:
            stopping.set()
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        runners = jobs.start(app, threads=args.threads)
        print(f"Dobro: изпълнител на задачи / job runner ({args.threads} × нишка)", flush=True)
        while not stopping.wait(1.0):
            if not any(r.is_alive() for r in runners):
                break
        for runner in runners:
            runner.stop(timeout=None)  # the job in hand is finished first
    return EXIT_OK


def drain(app: Flask, threads: int) -> int:
    """Run the ready jobs in ``threads`` threads until none is left; how many ran."""
    counts: list[int] = []

    def work() -> None:
        counts.append(jobs.run_pending(app, runner=jobs.runner_name()))
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts)


@one_line_errors
def run_certificates_render(args: argparse.Namespace) -> int:
    """Render and store the certificates' PDFs here: the missing ones, or all of them again."""
    from webapp import db
    from webapp.models import Certificate
    from webapp.services import certificate_pdf, certificates

    with configured_app() as app, app.app_context():
        session = db.session()
        found = (certificate_pdf.without_pdf(session) if args.missing
                 else list(session.exec(select(Certificate).order_by(col(Certificate.id)))))
        issuer = certificates.current_issuer()
        for number, cert in enumerate(found, start=1):
            if args.missing:
                certificate_pdf.stored_pdf(session, cert, issuer)
            else:
                certificate_pdf.render_again(session, cert, issuer)
            if number % 50 == 0:
                print(f"… {number}/{len(found)}", flush=True)
    print(f"Сертификати в PDF: изготвени и записани {len(found)}. / "
          f"Certificate PDFs rendered and stored: {len(found)}.")
    return EXIT_OK
