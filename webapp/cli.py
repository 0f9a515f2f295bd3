"""The ``dobro`` console script: the core's check and build, plus the web verbs.

Only argparse and the pure core are imported here; a web verb imports the app
(``webapp.commands``) when it runs, so ``dobro check`` and ``dobro build`` start fast.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from course import cli as core_cli
from course.commands.common import Handler, Verbs, usage


def web(name: str, module: str = "commands") -> Handler:
    """A handler that imports ``webapp.<module>`` (Flask, the database) only when it runs."""
    def handler(args: argparse.Namespace) -> int:
        verbs = importlib.import_module(f"webapp.{module}")
        result: int = getattr(verbs, name)(args)
        return result
    return handler


def add_web_verbs(verbs: Verbs) -> None:
    """Add serve, db upgrade, demo, organisations, participants, backup, restore and
    authoring export to the core's parser."""
    p_serve = verbs.add_parser("serve", help="пусни уеб приложението")
    p_serve.add_argument("--host", default="127.0.0.1", help="адрес (по подразбиране 127.0.0.1)")
    p_serve.add_argument("--port", type=int, default=5000, help="порт (по подразбиране 5000)")
    p_serve.add_argument("--reload", action="store_true",
                         help="компилирай курса при всяка промяна и показвай грешките в страниците "
                              "(сървърът на Flask за разработка)")
    p_serve.add_argument("--dev", action="store_true",
                         help="сървърът на Flask за разработка вместо gunicorn")
    p_serve.add_argument("--workers", type=int, default=None, metavar="N",
                         help="процеси на gunicorn (по подразбиране: по един на ядро, от 2 до 8)")
    p_serve.add_argument("--threads", type=int, default=4, metavar="N",
                         help="нишки във всеки процес (по подразбиране 4)")
    p_serve.add_argument("--timeout", type=int, default=60, metavar="S",
                         help="процес, зает с една заявка повече от S секунди, се подменя "
                              "(по подразбиране 60)")
    p_serve.add_argument("--json-logs", action="store_true",
                         help="журнал на заявките като JSON, по един обект на ред")
    p_serve.add_argument("--no-access-log", action="store_true",
                         help="без журнал на заявките (зад nginx, който води свой)")
    p_serve.set_defaults(handler=web("run_serve"))
    p_worker = verbs.add_parser("worker", help="изпълнявай фоновите задачи (сертификати в PDF, "
                                "наръчника) в отделен процес; за сървъри с DOBRO_JOBS=off")
    p_worker.add_argument("--once", action="store_true",
                          help="изпълни чакащите задачи и спри")
    p_worker.add_argument("--threads", type=int, default=1, metavar="N",
                          help="нишки (по подразбиране 1; за повече мощност пуснете по един "
                               "процес на ядро)")
    p_worker.set_defaults(handler=web("run_worker", "worker"))
    p_certs = verbs.add_parser("certificates", help="сертификатите")
    p_certs.set_defaults(handler=lambda _args: usage(p_certs))
    cert_verbs = p_certs.add_subparsers(dest="certificates_verb", metavar="COMMAND")
    p_render = cert_verbs.add_parser(
        "render", help="изготви и запиши сертификатите в PDF тук (напр. след промяна на адреса "
        "на сайта, който е в QR кода им)")
    p_render.add_argument("--missing", action="store_true",
                          help="само тези, които още нямат записан PDF (след обновяване)")
    p_render.set_defaults(handler=web("run_certificates_render", "worker"))
    p_db = verbs.add_parser("db", help="базата данни")
    p_db.set_defaults(handler=lambda _args: usage(p_db))
    db_verbs = p_db.add_subparsers(dest="db_verb", metavar="COMMAND")
    db_verbs.add_parser("upgrade", help="обнови схемата на базата данни (Alembic, до последната "
                        "версия)").set_defaults(handler=web("run_db_upgrade"))
    p_demo = verbs.add_parser("demo", help="създай демо профили и демо група (идемпотентно)")
    p_demo.add_argument("--force", action="store_true",
                        help="и при DOBRO_BASE_URL с https:// (публичен сайт с известна парола!)")
    p_demo.set_defaults(handler=web("run_demo"))
    verbs.add_parser("organisations", help="добави общините членки и областните администрации "
                     "(идемпотентно)").set_defaults(handler=web("run_organisations"))
    p_authoring = verbs.add_parser("authoring", help="текстовете, редактирани през браузъра")
    p_authoring.set_defaults(handler=lambda _args: usage(p_authoring))
    authoring_verbs = p_authoring.add_subparsers(dest="authoring_verb", metavar="COMMAND")
    p_export = authoring_verbs.add_parser(
        "export", help="запиши последната уеб версия на всеки файл в работното копие на курса "
        "(за преглед и git commit)")
    p_export.add_argument("--to", default="", metavar="DIR",
                          help="папка на курса (по подразбиране DOBRO_CONTENT)")
    p_export.add_argument("--since", default="", metavar="DATE",
                          help="само файловете, записани през браузъра от тази дата (UTC), "
                               "напр. 2027-03-01")
    p_export.set_defaults(handler=web("run_authoring_export"))
    p_people = verbs.add_parser("participants", help="участници (обучаеми)")
    p_people.set_defaults(handler=lambda _args: usage(p_people))
    people_verbs = p_people.add_subparsers(dest="participants_verb", metavar="COMMAND")
    p_import = people_verbs.add_parser(
        "import", help="внеси участници от CSV или XLSX (без дубликати при повторен внос)")
    p_import.add_argument("file", metavar="FILE", help="файл .csv или .xlsx")
    p_import.add_argument("--group", default="",
                          help="група за редовете без колона „Група“ (създава се, ако липсва)")
    p_import.add_argument("--dry-run", action="store_true",
                          help="само покажи какво ще се промени, без да записваш")
    p_import.set_defaults(handler=web("run_participants_import"))
    p_backup = verbs.add_parser("backup", help="резервно копие: базата данни и ключовете на "
                                "инстанцията в един архив .tar.gz с контролни суми")
    p_backup.add_argument("--out", default=None, metavar="FILE",
                          help="файл или папка (по подразбиране DOBRO_BACKUP_DIR или текущата)")
    p_backup.add_argument("--keep", type=int, default=None, metavar="N",
                          help="запази само последните N архива в папката, по-старите изтрий")
    p_backup.set_defaults(handler=web("run_backup", "backup_commands"))
    p_restore = verbs.add_parser("restore", help="възстанови архив от „dobro backup“ в празна "
                                 "инстанция и обнови схемата")
    p_restore.add_argument("file", metavar="FILE", help="архив dobro-backup-….tar.gz")
    p_restore.add_argument("--force", action="store_true",
                           help="и в база данни с потребители (съдържанието ѝ се заменя)")
    p_restore.set_defaults(handler=web("run_restore", "backup_commands"))
    p_audit = verbs.add_parser("audit", help="журналът на достъпа до лични данни")
    p_audit.set_defaults(handler=lambda _args: usage(p_audit))
    audit_verbs = p_audit.add_subparsers(dest="audit_verb", metavar="COMMAND")
    p_prune = audit_verbs.add_parser("prune", help="изтрий записите, по-стари от срока за "
                                     "съхранение (DOBRO_AUDIT_KEEP_MONTHS, 24 месеца)")
    p_prune.add_argument("--months", type=int, default=0, metavar="N",
                         help="друг срок в месеци (по подразбиране DOBRO_AUDIT_KEEP_MONTHS)")
    p_prune.set_defaults(handler=web("run_audit_prune", "audit_commands"))
    p_bnew = verbs.add_parser("bulletin-new", help="нов брой на бюлетина с числата на "
                              "програмата от базата данни (bulletins/NN-broi.md)")
    p_bnew.add_argument("number", type=int, help="номерът на броя (1–5)")
    p_bnew.add_argument("dir", nargs="?", default="",
                        help="папката на курса (по подразбиране DOBRO_CONTENT)")
    p_bnew.add_argument("--date", default="", metavar="ГГГГ-ММ-ДД",
                        help="към коя дата са числата (по подразбиране днес)")
    p_bnew.set_defaults(handler=web("run_bulletin_new", "bulletin_commands"))
    p_mail = verbs.add_parser("mail", help="имейлът")
    p_mail.set_defaults(handler=lambda _args: usage(p_mail))
    mail_verbs = p_mail.add_subparsers(dest="mail_verb", metavar="COMMAND")
    p_mail_test = mail_verbs.add_parser(
        "test", help="изпрати пробно писмо сега през зададения SMTP сървър и покажи отговора му")
    p_mail_test.add_argument("address", metavar="ADDRESS", help="до кого, напр. вие@example.org")
    p_mail_test.set_defaults(handler=web("run_mail_test", "mail_commands"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dobro`` command."""
    return core_cli.main(argv, extend=add_web_verbs)


