"""``dobro mail test ADDRESS``: send one message now, through the configured SMTP server.

For the administrator setting e-mail up: it talks to the server at once (not through the
outbox and the job runner) and prints the server's answer, so a wrong port, a refused
sign-in or an untrusted certificate shows in the terminal. The password is never printed.
"""

from __future__ import annotations

import argparse
import smtplib

from webapp.commands import configured_app, fail, one_line_errors
from webapp.services import mail_send, outbox


@one_line_errors
def run_mail_test(args: argparse.Namespace) -> int:
    """Send a test message to ``args.address``; 0 when the server accepted it."""
    with configured_app() as app, app.app_context():
        if not outbox.mail_enabled(app):
            return fail("имейлът е изключен: задайте DOBRO_SMTP_HOST и DOBRO_MAIL_FROM "
                        "(docs/administration.md, „E-mail“)")
        config = app.config
        server = f"{config['SMTP_HOST']}:{config['SMTP_PORT']} ({config['SMTP_SECURITY']})"
        try:
            mail_send.deliver(config, mail_send.test_message(app, args.address))
        except (mail_send.PermanentFailure, smtplib.SMTPException, OSError) as exc:
            return fail(f"писмото не е прието от {server}: {mail_send.describe(app, exc)}")
    print(f"Писмото до {args.address} е прието от {server}. Проверете пощенската кутия "
          "(и папката за нежелана поща).")
    return 0
