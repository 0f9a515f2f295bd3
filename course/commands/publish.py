"""``dobro handbook``, ``dobro bulletin``, ``dobro export offline`` and ``export scorm``.

Exit codes as ``check`` and ``build``: 0 done, 1 content errors (printed as the
same ``path:line:col`` lines), 2 usage errors. WeasyPrint is imported only when
a verb runs, so ``dobro check`` starts as fast as before.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from course.commands.common import (
    EXIT_CONTENT,
    EXIT_OK,
    EXIT_USAGE,
    PUBLICATIONS,
    Verbs,
    course_root,
    print_problems,
    verb_group,
)
from course.errors import ContentError, UsageError


def add_verbs(verbs: Verbs) -> None:
    """Add the publication verbs to the ``dobro`` parser."""
    p_hb = verbs.add_parser("handbook", help="наръчникът като PDF (или един HTML файл)")
    p_hb.add_argument("dir", nargs="?", type=Path, help="папката на курса (по подразбиране .)")
    p_hb.add_argument("--topics", nargs="+", default=[], metavar="TOPIC",
                      help="само тези теми (id, разделени с интервал или запетая)")
    p_hb.add_argument("--format", choices=("a4", "a5"), default="a4", help="размер на страницата")
    p_hb.add_argument("--out", type=Path,
                      help=f"файлът: .pdf или .html (по подразбиране DIR/{PUBLICATIONS}/"
                           "handbook-FORMAT.pdf)")
    p_hb.set_defaults(handler=run_handbook)
    p_bu = verbs.add_parser("bulletin", help="брой на информационния бюлетин като PDF и HTML")
    p_bu.add_argument("number", type=int, help="номерът на броя")
    p_bu.add_argument("dir", nargs="?", type=Path, help="папката на курса (по подразбиране .)")
    p_bu.add_argument("--out", type=Path,
                      help=f"папка за файловете (по подразбиране DIR/{PUBLICATIONS})")
    p_bu.set_defaults(handler=run_bulletin)
    ex_verbs = verb_group(verbs, "export", "износ на курса")
    p_off = ex_verbs.add_parser("offline", help="статично HTML копие на курса в един ZIP")
    p_off.add_argument("dir", nargs="?", type=Path, help="папката на курса (по подразбиране .)")
    p_off.add_argument("--out", type=Path,
                       help=f"ZIP файлът (по подразбиране DIR/{PUBLICATIONS}/dobro-offline.zip)")
    p_off.set_defaults(handler=run_export_offline)
    add_scorm_verb(ex_verbs)


SCORM_HELP = (
    "тема като SCORM 1.2 пакет за друга система за обучение (Moodle и др.): по един SCO за "
    "модул, със самопроверката му. С --with-final и заключителният тест, оценяван в "
    "браузъра: пакетът носи ключа с верните отговори и всеки, който има файла, може да го "
    "прочете (тестовете на самото Добро се оценяват на сървъра и никога не го изпращат). "
    "Тест, който тегли въпроси от банка, се тегли веднъж, при създаването на пакета: всички "
    "получават едни и същи въпроси.")


def add_scorm_verb(ex_verbs: Verbs) -> None:
    """Add ``dobro export scorm`` to the ``export`` group."""
    p_sc = ex_verbs.add_parser("scorm", help="тема като SCORM 1.2 пакет (ZIP)",
                               description=SCORM_HELP)
    p_sc.add_argument("topic", metavar="TOPIC", help="id на темата (от modules/course.yaml)")
    p_sc.add_argument("dir", nargs="?", type=Path, help="папката на курса (по подразбиране .)")
    p_sc.add_argument("--audience", default="", metavar="A",
                      help="само модулите, задължителни за тази аудитория (по подразбиране "
                           "всички модули на темата)")
    p_sc.add_argument("--with-final", action="store_true",
                      help="и заключителният тест, оценяван в браузъра (ВНИМАНИЕ: ключът с "
                           "верните отговори е в пакета)")
    p_sc.add_argument("--out", type=Path, required=True, help="ZIP файлът на пакета")
    p_sc.set_defaults(handler=run_export_scorm)


def run_export_scorm(args: argparse.Namespace) -> int:
    """Write one topic as a SCORM 1.2 package."""
    from course.interop.scorm import ScormOptions, scorm_zip

    root = course_root(args)
    if root is None:
        return EXIT_USAGE
    if args.out.is_dir():
        print(f"dobro: {args.out}: файлът не може да се запише (това е папка)", file=sys.stderr)
        return EXIT_USAGE
    options = ScormOptions(args.topic, args.audience, args.with_final)
    try:
        data, files = scorm_zip(root, options)
    except ContentError as exc:
        print_problems(exc.problems, False)
        print("Пакетът не е създаден.")
        return EXIT_CONTENT
    except UsageError as exc:
        print(f"dobro: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        _write(args.out, data)
    except OSError:
        print(f"dobro: {args.out}: файлът не може да се запише (няма достъп до папката)",
              file=sys.stderr)
        return EXIT_USAGE
    print(f"SCORM пакетът е записан в {args.out} ({files} файла, {len(data) // 1024} KB). "
          "Качете го в системата за обучение като дейност „SCORM пакет“.")
    if args.with_final:
        print("Внимание: пакетът съдържа ключа на заключителния тест.")
    return EXIT_OK


def run_handbook(args: argparse.Namespace) -> int:
    """Write the Handbook as a PDF or one HTML file."""
    from course.publish.handbook import HandbookOptions, handbook_html, handbook_pdf, load

    root = course_root(args)
    if root is None:
        return EXIT_USAGE
    out: Path = args.out or root / PUBLICATIONS / f"handbook-{args.format}.pdf"
    if out.suffix.lower() not in (".pdf", ".html"):
        print(f"dobro: {out}: файлът трябва да е .pdf или .html", file=sys.stderr)
        return EXIT_USAGE
    topics = tuple(t for item in args.topics for t in item.split(",") if t)
    started = time.perf_counter()
    try:
        course, laws, problems = load(root)
        options = HandbookOptions(topics=topics, page_size=args.format)
        if out.suffix.lower() == ".html":
            data = handbook_html(course, root, laws, options, standalone=True).encode()
        else:
            data = handbook_pdf(course, root, laws, options)
    except ContentError as exc:
        print_problems(exc.problems, False)
        print("Наръчникът не е създаден.")
        return EXIT_CONTENT
    except UsageError as exc:
        print(f"dobro: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for problem in problems:
        print(problem.format())
    _write(out, data)
    print(f"Наръчникът е записан в {out} ({len(data) // 1024} KB, "
          f"{time.perf_counter() - started:.1f} с).")
    return EXIT_OK


def run_bulletin(args: argparse.Namespace) -> int:
    """Write one issue of the Bulletin as a PDF and as HTML."""
    from course.publish.bulletin import bulletin_html, bulletin_pdf, load_bulletins

    root = course_root(args)
    if root is None:
        return EXIT_USAGE
    bulletins, problems = load_bulletins(root)
    if any(p.is_error for p in problems):
        print_problems(problems, False)
        print("Бюлетинът не е създаден.")
        return EXIT_CONTENT
    issue = next((b for b in bulletins if b.number == args.number), None)
    if issue is None:
        have = ", ".join(str(b.number) for b in bulletins) or "няма"
        print(f"dobro: няма брой {args.number} в bulletins/ (има: {have})", file=sys.stderr)
        return EXIT_USAGE
    for problem in problems:
        print(problem.format())
    out: Path = args.out or root / PUBLICATIONS
    stem = f"bulletin-{issue.number:02d}"
    _write(out / f"{stem}.html", bulletin_html(issue).encode())
    _write(out / f"{stem}.pdf", bulletin_pdf(issue))
    print(f"Брой {issue.number} „{issue.title}“ е записан в {out / stem}.pdf и .html.")
    return EXIT_OK


def run_export_offline(args: argparse.Namespace) -> int:
    """Write the static offline copy of the course as one ZIP."""
    from course.publish.offline import offline_zip

    root = course_root(args)
    if root is None:
        return EXIT_USAGE
    out: Path = args.out or root / PUBLICATIONS / "dobro-offline.zip"
    try:
        data, files = offline_zip(root)
    except ContentError as exc:
        print_problems(exc.problems, False)
        print("Копието не е създадено.")
        return EXIT_CONTENT
    _write(out, data)
    print(f"Копието за работа без връзка е записано в {out} ({files} файла, "
          f"{len(data) // 1024} KB). Разархивирайте го и отворете index.html.")
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
