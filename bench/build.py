"""Benchmark ``dobro build`` against ``mkdocs build`` on the same synthetic Markdown.

What it measures
----------------
For each size (default 200 and 1,000 modules) the script generates a valid Dobro
course under ``bench/out/`` (git-ignored): ``modules/course.yaml`` with 10 topics,
modules of about 1,500 words of deterministic pseudo-Bulgarian text (headings,
some with explicit ``{#anchors}``, bullet and numbered lists, tables, a callout,
links to sections of other modules, a glossary link, a footnote) and one
self-check quiz per module, so that ``dobro check --strict`` is clean. It then
times, with ``time.perf_counter`` around subprocess runs of the real command
lines (interpreter start-up included, as a user would see it):

* ``mkdocs build -q`` on the same Markdown (``docs_dir`` = the modules folder);
* ``dobro build`` into an empty output folder (a *full* build);
* ``dobro build`` again right after, into the same folder (a *no-change* rebuild);
* ``dobro build`` after one module was edited (a *one-change* rebuild).

Each is run ``--repeat`` times and the median wall-clock time is reported (with the
spread, and the CPU time of the process and its workers, which a busy machine
inflates less), with the ratios against the goals of the issue: full build
≤ 0.5 × mkdocs, no-change rebuild ≤ 0.1 × full, one-change rebuild ≤ 0.15 × full.
The exit status is 1 when a goal is missed, so the script can gate CI.

Why the reference is measured in the same run
---------------------------------------------
Absolute times depend on the machine, its load, the CPU frequency and the disk
cache, so a fixed number of seconds would be meaningless in CI or on a laptop.
mkdocs is a well-known static-site generator doing comparable work (parse
CommonMark-ish Markdown, render HTML, build a search index), so its time on the
same files, measured in the same run and interleaved with Dobro's, is a
reference that moves with the machine. The goals are ratios to it.

Usage::

    .venv/bin/python bench/build.py [--sizes 200,1000] [--repeat 3] [--check]

The tables go to stdout, progress to stderr; ``--check`` also runs
``dobro check --strict`` on each generated course.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOBRO = BIN / "dobro"
MKDOCS = BIN / "mkdocs"
DEFAULT_WORKDIR = REPO / "bench" / "out"
OUT_DIR, SITE_DIR = "dobro-out", "mkdocs-site"  # inside each generated course

TOPICS = 10
FULL_VS_MKDOCS_GOAL = 0.5
NOCHANGE_VS_FULL_GOAL = 0.1
ONECHANGE_VS_FULL_GOAL = 0.15
SEED = 20240601
# The warm-up run byte-compiles both tools, as a user's first run does; a shell that
# forbids writing bytecode would make every timed run compile recently edited modules again.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

# Common Bulgarian words of the course's domain, so that word lengths, letters
# and UTF-8 byte counts look like the real modules.
WORDS = """
община общината общински общинския общинска общинско общински общинските съвет съвета
съветът съветници съветниците кмет кмета кметът кметство кметства администрация
администрацията служители служителите граждани гражданите население население
бюджет бюджета бюджетът приходи приходите разходи разходите данък данъци данъците
такса такси таксите собственост собствеността имот имоти имотите решение решения
решението наредба наредбата наредби закон закона законът разпоредба разпоредбите
член алинея точка правомощия правомощията орган органи органите местно местното
местни местните самоуправление самоуправлението управление управлението развитие
развитието стратегия стратегията план плана планове програма програмата програми
проект проекта проекти проектите финансиране финансирането средства средствата
европейски европейските фонд фондове фондовете договор договора договори процедура
процедурата процедури обществена обществени поръчка поръчки поръчката концесия
концесии партньорство прозрачност прозрачността отчетност отчетността контрол
контрола контролът одит одита проверка проверката мнение становище становището
заседание заседанието заседания комисия комисията комисии председател председателя
гласуване гласуването мнозинство мнозинството кворум кворума протокол протокола
срок срока срокове година годината месец месеца ден дни седмица период периода
изпълнение изпълнението мониторинг мониторинга оценка оценката показател показатели
резултат резултати резултатите цел цели целите мярка мерки мерките дейност дейности
дейностите услуга услуги услугите качество качеството достъп достъпа информация
информацията обсъждане обсъждането консултация консултации участие участието
интерес интереси конфликт конфликта риск рискове рисковете анализ анализа данни
данните практика практиката пример примера случай случая ред реда условия условията
и и и и и в в в във на на на на за за за от от от с със по по по при към до
след преди между според чрез без като че който която което които това този тази
тези там тук така също още само вече всяка всеки всички други друга друг трябва
може могат следва е е е са са е бъде бъдат се се се се да да да не не ще
""".split()

HEADING_WORDS = """
Правна рамка Основни понятия Правомощия Процедура Срокове Отговорности Примери
Контрол Отчетност Финансиране Участие Планиране Изпълнение Оценка Рискове Практика
Документи Гласуване Обсъждане Данни Показатели Стъпки Роли Решения Услуги
""".split()

GLOSSARY_TERMS = ["бюджет", "наредба", "кворум", "концесия", "обществена поръчка",
                  "мониторинг", "общински съвет", "местна такса"]

# Module layout: (heading level, explicit anchor or None). Explicit anchors are
# the link targets from other modules and from quiz questions.
SECTIONS: list[tuple[int, str | None]] = [
    (2, "osnovi"), (3, None), (2, "pravomoshtia"), (3, None),
    (2, "procedura"), (2, "kontrol"), (3, None), (2, None),
]
ANCHORS = [anchor for _, anchor in SECTIONS if anchor]


# --------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class Module:
    topic: str
    index: int  # within the topic, from 1
    id: str

    @property
    def path(self) -> str:
        """Path relative to ``modules/``."""
        return f"{self.topic}/{self.index:03d}-{self.id}.md"


class Text:
    """Deterministic pseudo-Bulgarian prose."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def words(self, low: int, high: int) -> list[str]:
        return self.rng.choices(WORDS, k=self.rng.randint(low, high))

    def sentence(self, low: int = 8, high: int = 18, plain: bool = False) -> str:
        words = self.words(low, high)
        if len(words) > 6 and self.rng.random() < 0.4:
            words[self.rng.randrange(2, len(words) - 2)] += ","
        if not plain and self.rng.random() < 0.15:
            i = self.rng.randrange(len(words))
            words[i] = f"**{words[i].rstrip(',')}**"
        return " ".join(words).capitalize() + "."

    def paragraph(self, sentences: int, extra: str = "") -> str:
        parts = [self.sentence() for _ in range(sentences)]
        if extra:
            parts.insert(self.rng.randrange(1, len(parts) + 1), extra)
        return " ".join(parts)  # one line per paragraph, as in the real modules

    def phrase(self, low: int = 2, high: int = 5) -> str:
        return " ".join(self.words(low, high))

    def heading(self) -> str:
        return (f"{self.rng.choice(HEADING_WORDS)} "
                f"{' '.join(self.rng.choices(WORDS, k=self.rng.randint(1, 3)))}")


def plan(size: int) -> list[Module]:
    """The modules of a course of ``size`` modules, spread over the topics."""
    modules = []
    for n in range(size):
        topic = f"tema-{n % TOPICS + 1:02d}"
        modules.append(Module(topic, n // TOPICS + 1, f"modul-{n + 1:04d}"))
    return modules


def module_markdown(module: Module, modules: list[Module], text: Text) -> str:
    """One module: front matter and about 1,500 words of body text."""
    rng = text.rng
    others = [m for m in modules if m != module]
    previous = [m for m in modules if m.topic == module.topic and m.index == module.index - 1]

    def cross_link() -> str:
        other = rng.choice(others)
        rel = other.path if other.topic != module.topic else other.path.split("/", 1)[1]
        rel = f"../{rel}" if other.topic != module.topic else rel
        return f"Вижте [{text.phrase(2, 4)}]({rel}#{rng.choice(ANCHORS)})."

    title = f"{text.phrase(3, 6).capitalize()} ({module.id})"
    front = [
        "---",
        f"id: {module.id}",
        f"title: {title}",
        f"minutes: {rng.choice([30, 40, 45, 60])}",
        "objectives:",
        f"  - {text.sentence(6, 12, plain=True)}",
        f"  - {text.sentence(6, 12, plain=True)}",
        f"quiz: {module.id}-proverka",
    ]
    if previous:
        front.append(f"requires: [{previous[0].id}]")
    front.append("---")
    body = [f"# {title}", text.paragraph(5)]
    for number, (level, anchor) in enumerate(SECTIONS):
        heading = f"{'#' * level} {text.heading()} {number + 1}"
        body.append(f"{heading} {{#{anchor}}}" if anchor else heading)
        body.append(text.paragraph(rng.randint(4, 6), cross_link()))
        body.append(text.paragraph(rng.randint(3, 5)))
        if number == 0:
            term = rng.choice(GLOSSARY_TERMS)
            body.append(text.paragraph(3, f"Понятието [{term}](glossary:{term.replace(' ', '-')})"
                                          " е в речника.[^1]"))
        elif number == 1:
            body.append("\n".join(f"- {text.phrase(4, 10)}" for _ in range(rng.randint(4, 6))))
            body.append(text.paragraph(3, cross_link()))
        elif number == 2:
            body.append(_table(text))
            body.append(text.paragraph(4))
        elif number == 3:
            body.append("\n".join(f"{i}. {text.sentence(5, 10)}"
                                  for i in range(1, rng.randint(4, 6) + 1)))
            body.append(text.paragraph(3, "Повече има [в раздела по-горе](#osnovi)."))
        elif number == 4:
            body.append(f"::: закон Чл. {rng.randint(1, 99)} от Закона за "
                        f"{text.phrase(2, 3)}\n{text.paragraph(3)}\n:::")
            body.append(text.paragraph(3, "Подробности: [портала](https://www.strategy.bg/)."))
        elif number == 6:
            body.append(_table(text))
            body.append(text.paragraph(3, cross_link()))
    body.append(f"[^1]: {text.sentence(6, 12)}")
    return "\n".join(front) + "\n\n" + "\n\n".join(body) + "\n"


def _table(text: Text) -> str:
    rows = ["| Показател | Описание | Срок |", "|---|---|---|"]
    for _ in range(text.rng.randint(4, 6)):
        rows.append(f"| {text.phrase(1, 2)} | {text.phrase(4, 9)} | "
                    f"{text.rng.randint(1, 30)} дни |")
    return "\n".join(rows)


def quiz_yaml(module: Module, text: Text) -> str:
    """A self-check quiz of five questions of different types on ``module``."""
    rng = text.rng

    def ref() -> str:
        return f"{module.id}#{rng.choice(ANCHORS)}"

    def q(s: str) -> str:
        return '"' + s.replace('"', "'") + '"'

    value = rng.randint(2, 40)
    left = [text.phrase(1, 2) + f" {i}" for i in range(3)]
    right = [text.phrase(2, 3) + f" {i}" for i in range(3)]
    return f"""schema: 1
id: {module.id}-proverka
title: {q("Самопроверка – " + module.id)}
kind: self-check
review:
  after_submit: [score, correctness, feedback, explanation, answers]
feedback:
  - {{min: 80, text: {q(text.sentence(4, 8))}}}
  - {{min: 0, text: {q(text.sentence(4, 8))}}}
questions:
  - id: q1
    type: single
    text: {q(text.sentence(8, 14)[:-1] + "?")}
    choices:
      - {{text: {q(text.phrase(2, 4) + " А")}, correct: true, feedback: {q(text.sentence(4, 8))}}}
      - {{text: {q(text.phrase(2, 4) + " Б")}, feedback: {q(text.sentence(4, 8))}}}
      - {{text: {q(text.phrase(2, 4) + " В")}}}
    explanation: {q(text.sentence())}
    ref: {ref()}
  - id: q2
    type: multiple
    text: {q(text.sentence(8, 14)[:-1] + "?")}
    choices:
      - {{text: {q(text.phrase(2, 4) + " А")}, correct: true}}
      - {{text: {q(text.phrase(2, 4) + " Б")}, correct: true}}
      - {{text: {q(text.phrase(2, 4) + " В")}}}
      - {{text: {q(text.phrase(2, 4) + " Г")}}}
    explanation: {q(text.sentence())}
    ref: {ref()}
  - id: q3
    type: true-false
    text: {q(text.sentence(8, 14))}
    answer: {rng.choice(["true", "false"])}
    explanation: {q(text.sentence())}
    ref: {ref()}
  - id: q4
    type: number
    text: {q(text.sentence(8, 14)[:-1] + "?")}
    answers:
      - {{value: {value}, tolerance: 0, weight: 100}}
      - {{min: {value - 2}, max: {value + 2}, weight: 50}}
    explanation: {q(text.sentence())}
    ref: {ref()}
  - id: q5
    type: match
    text: {q(text.sentence(6, 10))}
    points: 2
    pairs:
      - {{left: {q(left[0])}, right: {q(right[0])}}}
      - {{left: {q(left[1])}, right: {q(right[1])}}}
      - {{left: {q(left[2])}, right: {q(right[2])}}}
    distractors: [{q(text.phrase(2, 3) + " Д")}]
    explanation: {q(text.sentence())}
    ref: {module.id}
"""


def manifest_yaml(modules: list[Module]) -> str:
    lines = [
        "schema: 1",
        "id: bench-course",
        "title: Синтетичен курс за измерване на скоростта",
        "language: bg",
        "audiences:",
        "  - {id: employees, title: Общински служители}",
        "  - {id: councillors, title: Общински съветници}",
        "topics:",
    ]
    for t in range(1, TOPICS + 1):
        topic = f"tema-{t:02d}"
        ids = [m.id for m in modules if m.topic == topic]
        if not ids:
            continue
        lines += [
            f"  - id: {topic}",
            f"    title: Тема {t}",
            "    audiences: [employees, councillors]",
            "    hours: {in_person: 8, online: 6}",
            f"    modules: [{', '.join(ids)}]",
            "    completion: {attended_hours: 6, modules: required, final: none}",
        ]
    return "\n".join(lines) + "\n"


def glossary_yaml() -> str:
    return "".join(f"- term: {term}\n  definition: Определение на „{term}“ за целите на теста.\n"
                   for term in GLOSSARY_TERMS)


# mkdocs on the same Markdown: front matter becomes page meta, ``attr_list`` gives the
# explicit ``{#anchors}``, and the slugs keep Cyrillic letters as Dobro's do. The
# ``::: callout`` blocks have no mkdocs equivalent and render as plain paragraphs.
MKDOCS_YML = """\
site_name: Dobro benchmark
docs_dir: modules
use_directory_urls: false
theme:
  name: mkdocs
markdown_extensions:
  - tables
  - footnotes
  - attr_list
  - toc:
      slugify: !!python/name:markdown.extensions.toc.slugify_unicode
exclude_docs: |
  /course.yaml
  /glossary/
"""


def generate(root: Path, size: int) -> list[Module]:
    """Write a course of ``size`` modules under ``root``; return its modules."""
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(f"{SEED}-{size}")
    text = Text(rng)
    modules = plan(size)
    for module in modules:
        source = module_markdown(module, modules, text)
        path = root / "modules" / module.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        quiz = root / "quizzes" / module.topic / f"{module.id}-proverka.yaml"
        quiz.parent.mkdir(parents=True, exist_ok=True)
        quiz.write_text(quiz_yaml(module, text), encoding="utf-8")
    (root / "modules" / "course.yaml").write_text(manifest_yaml(modules), encoding="utf-8")
    (root / "modules" / "glossary").mkdir(exist_ok=True)
    (root / "modules" / "glossary" / "termini.yaml").write_text(glossary_yaml(),
                                                                 encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    return modules


def words_per_module(out: Path) -> float:
    """The mean words of text per module, as the compiled course counts them."""
    modules = json.loads((out / "course.json").read_text(encoding="utf-8"))["modules"]
    return statistics.mean(m["words"] for m in modules.values())


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds, time.perf_counter around the subprocess
    cpu: float  # user + system seconds of the process and the children it waited for


def run(cmd: list[str | Path], cwd: Path) -> Sample:
    """Run ``cmd`` and time it; fail loudly on a non-zero exit."""
    if hasattr(os, "sync"):
        os.sync()  # flush the previous run's writes so they do not slow this one down
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          env=ENV)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                 f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(elapsed, cpu)


@dataclass
class Series:
    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    def row(self) -> str:
        walls = [s.wall for s in self.samples]
        cpu = statistics.median(s.cpu for s in self.samples)
        return (f"  {self.name:34}{self.median:8.2f} s  {min(walls):6.2f} – {max(walls):<6.2f}"
                f"{cpu:8.2f} s")


@dataclass
class Timings:
    mkdocs: Series = field(default_factory=lambda: Series("mkdocs build"))
    full: Series = field(default_factory=lambda: Series("dobro build, full"))
    nochange: Series = field(default_factory=lambda: Series("dobro build, no change"))
    onechange: Series = field(default_factory=lambda: Series("dobro build, one module changed"))


def measure(root: Path, modules: list[Module], repeat: int, warmup: bool,
            log: Callable[[str], None]) -> Timings:
    """Interleave the runs so that drift in machine load affects both tools alike."""
    out, site = root / OUT_DIR, root / SITE_DIR
    dobro_build = [DOBRO, "build", root, "--out", out]
    mkdocs_build = [MKDOCS, "build", "-q", "-f", root / "mkdocs.yml", "-d", site]
    edited = root / "modules" / modules[len(modules) // 2].path
    original = edited.read_bytes()
    t = Timings()
    if warmup:  # byte-compile, fill the disk cache; not counted
        run(mkdocs_build, root)
        shutil.rmtree(out, ignore_errors=True)
        run(dobro_build, root)
    for n in range(1, repeat + 1):
        shutil.rmtree(site, ignore_errors=True)
        t.mkdocs.samples.append(run(mkdocs_build, root))
        shutil.rmtree(out, ignore_errors=True)
        t.full.samples.append(run(dobro_build, root))
        t.nochange.samples.append(run(dobro_build, root))
        edited.write_bytes(original.replace(b"\n\n## ", f"\n\nРедакция {n}.\n\n## ".encode(), 1))
        t.onechange.samples.append(run(dobro_build, root))
        edited.write_bytes(original)
        log(f"  run {n}/{repeat}: " + ", ".join(
            f"{series.name.removesuffix(' build').removeprefix('dobro build, ')} "
            f"{series.samples[-1].wall:.2f} s"
            for series in (t.mkdocs, t.full, t.nochange, t.onechange)))
    return t


# --------------------------------------------------------------------------- report


def verdict(ratio: float, goal: float) -> str:
    return "PASS" if ratio <= goal else "FAIL"


def report(size: int, words: float, t: Timings) -> tuple[str, bool]:
    r_full = t.full.median / t.mkdocs.median
    r_nochange = t.nochange.median / t.full.median
    r_onechange = t.onechange.median / t.full.median
    lines = [f"{size} modules, {words:.0f} words each on average; "
             f"{len(t.full.samples)} runs, wall-clock time:",
             f"  {'':34}{'median':>10}  {'min – max':^15}{'CPU':>10}",
             *(series.row() for series in (t.mkdocs, t.full, t.nochange, t.onechange)),
             f"  {'full / mkdocs':34}{r_full:8.3f}    goal ≤ {FULL_VS_MKDOCS_GOAL:<5}"
             f"{verdict(r_full, FULL_VS_MKDOCS_GOAL):>7}",
             f"  {'no-change / full':34}{r_nochange:8.3f}    goal ≤ {NOCHANGE_VS_FULL_GOAL:<5}"
             f"{verdict(r_nochange, NOCHANGE_VS_FULL_GOAL):>7}",
             f"  {'one-change / full':34}{r_onechange:8.3f}    goal ≤ {ONECHANGE_VS_FULL_GOAL:<5}"
             f"{verdict(r_onechange, ONECHANGE_VS_FULL_GOAL):>7}"]
    passed = (r_full <= FULL_VS_MKDOCS_GOAL and r_nochange <= NOCHANGE_VS_FULL_GOAL
              and r_onechange <= ONECHANGE_VS_FULL_GOAL)
    return "\n".join(lines), passed


def machine_info() -> str:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "?"

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    return (f"machine: {platform.machine()} {platform.system()} {platform.release()}, "
            f"nproc {os.cpu_count()} ({usable} usable), {platform.processor() or 'cpu ?'}\n"
            f"python {platform.python_version()} ({platform.python_implementation()}), "
            f"mkdocs {version('mkdocs')}, markdown {version('markdown')}, "
            f"markdown-it-py {version('markdown-it-py')}, dobro @ {commit}\n"
            f"load average before the run: {load_average()}")


def load_average() -> str:
    """The 1-minute load average: a busy machine makes every time longer."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,1000",
                        help="comma-separated numbers of modules (default 200,1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                        help="where the synthetic courses are written (default bench/out)")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the untimed first run of each tool")
    parser.add_argument("--check", action="store_true",
                        help="also run `dobro check --strict` on each generated course")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.repeat < 1 or not sizes or min(sizes) < 1:
        parser.error("--repeat and --sizes must be positive")
    for tool in (DOBRO, MKDOCS):
        if not tool.exists():
            parser.error(f"{tool} not found: run with the project's venv Python")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    print(machine_info())
    all_passed = True
    for size in sizes:
        root = args.workdir / f"course-{size}"
        log(f"generating {size} modules in {root} …")
        modules = generate(root, size)
        if args.check:
            run([DOBRO, "check", root, "--strict"], root)
            log("  dobro check --strict: no problems")
        timings = measure(root, modules, args.repeat, not args.no_warmup, log)
        table, passed = report(size, words_per_module(root / OUT_DIR), timings)
        print()
        print(table)
        print(f"  (load average after: {load_average()})", flush=True)
        all_passed &= passed
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
