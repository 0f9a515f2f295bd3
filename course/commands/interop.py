"""``dobro import gift|moodle-xml``, ``dobro export gift|moodle-xml``: banks to and from Moodle.

Import writes a quiz file in Dobro's format and reports what it imported and every
problem as ``FILE:line:col: error|warning: message``; on errors nothing is written
(exit 1); a Moodle XML import also writes its embedded images. Export writes the
quiz's questions as GIFT or Moodle XML and reports what the format or Moodle cannot
hold. The ``import`` group is made here and ``export`` shared with
``course.commands.publish`` (``common.verb_group``): other formats add their
sub-verbs next to ``gift``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from course.commands.common import PUBLICATIONS, Handler, Verbs, verb_group


def _later(name: str) -> Handler:
    """The handler ``name`` of ``course.commands.interop_run``, imported when it runs."""
    def run(args: argparse.Namespace) -> int:
        from course.commands import interop_run

        handler: Handler = getattr(interop_run, name)
        return handler(args)
    return run


def add_verbs(verbs: Verbs) -> None:
    """Add ``import gift|moodle-xml`` and ``export gift|moodle-xml`` to the ``dobro`` parser."""
    im_verbs = verb_group(verbs, "import", "внос на въпроси от други системи (Moodle)")
    p_im = im_verbs.add_parser(
        "gift", help="банка въпроси във формат GIFT (Moodle) → тест в quizzes/",
        description="Превръща GIFT файл (износ от банката с въпроси на Moodle) в YAML файл "
                    "на тест. Съобщава какво е внесено и всеки проблем с ред и колона; при "
                    "грешки не записва нищо.")
    add_import_arguments(p_im)
    p_im.set_defaults(handler=_later("run_import_gift"))
    ex_verbs = verb_group(verbs, "export", "износ на курса")
    p_ex = ex_verbs.add_parser(
        "gift", help="въпросите на тест във формат GIFT за Moodle",
        description="Записва въпросите на теста като GIFT файл, който Moodle внася "
                    "(Банка с въпроси → Внасяне → GIFT). Въпросите, които GIFT не може да "
                    "опише (подреждане), се изброяват.")
    add_export_arguments(p_ex, f"GIFT файлът (по подразбиране DIR/{PUBLICATIONS}/"
                               "QUIZ_ID.gift.txt)")
    p_ex.set_defaults(handler=_later("run_export_gift"))
    _add_moodle_xml(im_verbs, ex_verbs)


def _add_moodle_xml(im_verbs: Verbs, ex_verbs: Verbs) -> None:
    p_im = im_verbs.add_parser(
        "moodle-xml", help="банка въпроси във формат Moodle XML → тест в quizzes/",
        description="Превръща файл Moodle XML (износ от банката с въпроси на Moodle) в YAML "
                    "файл на тест, а вградените картинки – във файлове в modules/TOPIC/img/. "
                    "Съобщава какво е внесено и всеки проблем с ред и колона; при грешки не "
                    "записва нищо. Файл с DTD (<!DOCTYPE>) не се чете.")
    add_import_arguments(p_im)
    p_im.set_defaults(handler=_later("run_import_moodle_xml"))
    p_ex = ex_verbs.add_parser(
        "moodle-xml", help="въпросите на тест във формат Moodle XML",
        description="Записва въпросите на теста и картинките им като файл Moodle XML, който "
                    "Moodle внася (Банка с въпроси → Внасяне → Moodle XML). Каквото Moodle "
                    "може да не приеме (подреждане преди 4.4, необичайни тегла), се изброява.")
    add_export_arguments(p_ex, "файлът Moodle XML (по подразбиране "
                               f"DIR/{PUBLICATIONS}/QUIZ_ID.moodle.xml)")
    p_ex.set_defaults(handler=_later("run_export_moodle_xml"))


def add_export_arguments(parser: argparse.ArgumentParser, out_help: str) -> None:
    """The arguments every ``dobro export FORMAT`` takes; ``out_help`` says its default file."""
    parser.add_argument("quiz", metavar="QUIZ_ID", help="id на теста или банката")
    parser.add_argument("dir", nargs="?", type=Path, help="папката на курса (по подразбиране .)")
    parser.add_argument("--out", type=Path, help=out_help)


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every ``dobro import FORMAT`` takes."""
    parser.add_argument("file", type=Path, metavar="FILE", help="файлът за внасяне")
    parser.add_argument("--topic", required=True, help="темата (папка в quizzes/)")
    parser.add_argument("--id", dest="quiz_id", metavar="QUIZ_ID",
                        help="id на новия тест (по подразбиране: от името на файла)")
    parser.add_argument("--kind", choices=("pool", "self-check"), default="pool",
                        help="банка въпроси (pool, по подразбиране) или самопроверка")
    parser.add_argument("--title", help="заглавие на теста (по подразбиране: от категорията "
                                        "или името на файла)")
    parser.add_argument("--out", type=Path,
                        help="къде да се запише (по подразбиране ROOT/quizzes/TOPIC/QUIZ_ID.yaml)")
    parser.add_argument("--force", action="store_true", help="презапиши съществуващ файл")
    parser.add_argument("--root", type=Path,
                        help="папката на курса (по подразбиране DOBRO_CONTENT или .)")


