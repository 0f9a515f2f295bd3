"""Every authoring page passes axe-core (WCAG 2.1 A and AA) on a 360-px phone and a desktop.

The sweep takes the rules of the three authoring blueprints from ``app.url_map`` and fails
when one of them has no visit, so a new authoring page cannot escape the check. Besides the
GET pages, opened with real parameters of the test course, it reaches the pages a trainer
sees after sending a form: the refused save, the conflict, the read-only Windows-1251 file,
the confirmation before changing a test being taken, the refused course change, and forms
sent back with their errors. Forms are sent by a small script from the page already open
(with its CSRF token), so nothing depends on how the editor draws its text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import col, select

from tests.browser.conftest import (
    AXE,
    DESKTOP,
    PHONE,
    axe_violations,
    shot,
    sign_in,
    start_axe,
)
from tests.conftest import copy_course
from tests.webapp.conftest import MINI, People, login, submit
from webapp import db
from webapp.models import SourceVersion, User
from webapp.services import attempts, authoring

BLUEPRINTS = ("authoring", "authoring_course", "authoring_questions")
EDIT = "/trainer/authoring/edit?file="
COURSE = "/trainer/authoring/course"
QUESTIONS = "/trainer/authoring/questions"
MODULE = "modules/osnovi/01-obshtinata.md"  # saved once in the browser, with a refused draft
SAVETAT = "modules/osnovi/02-savetat.md"
KMETAT = "modules/osnovi/03-kmetat.md"  # linked by nothing; later saved as Windows-1251
QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"  # a learner has an open attempt on it
BAD = "\nВижте [липсващия модул](nyama.md).\n"
NO_SHA = "0" * 64
KMETAT_TEXT = """---
id: kmetat
title: Кметът
minutes: 20
objectives:
  - Описва правомощията на кмета.
---

## Правомощия {#pravomoshtiya}

Кметът е орган на изпълнителната власт в общината.
"""

# Rules (endpoint, method) with no page of their own: what a trainer sees instead.
NO_PAGE = {
    ("authoring.preview", "POST"): "JSON for the editor's script; its fragments "
                                   "(_preview, _problems) are in every editor page",
    ("authoring_questions.delete", "POST"): "deletes and goes back to the question list",
}


@dataclass(frozen=True)
class Visit:
    """A page of the sweep: opened (GET), or the answer to a form sent to ``path``."""

    name: str
    path: str
    form: Mapping[str, str | Sequence[str]] | None = None
    status: int = 200
    shows: str = "main h1"  # a selector the page must have: proof it is the page meant

    @property
    def method(self) -> str:
        return "GET" if self.form is None else "POST"


@dataclass(frozen=True)
class Phase:
    """Visits made after ``prepare`` changed the course (once, for both screen sizes)."""

    visits: list[Visit]
    prepare: Callable[[], None] = lambda: None


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """The mini course with a module nothing links to, and savetat requiring obshtinata."""
    root = copy_course(MINI, tmp_path)
    (root / KMETAT).write_text(KMETAT_TEXT, encoding="utf-8")
    manifest = root / "modules/course.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "      - savetat\n", "      - savetat\n      - kmetat\n"), encoding="utf-8")
    savetat = root / SAVETAT
    savetat.write_text(savetat.read_text(encoding="utf-8").replace(
        "minutes: 40\n", "minutes: 40\nrequires: [obshtinata]\n"), encoding="utf-8")
    return root


def trainer_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "trainer")
    return client


def save(client: FlaskClient, root: Path, rel: str, text: str, status: int) -> None:
    _old, sha = authoring.read(root, rel)
    response = submit(client, f"{EDIT}{rel}", {"text": text, "base": sha, "save": "1"},
                      page="/trainer/authoring/")
    assert response.status_code == status, response.get_data(as_text=True)[:2000]


def versions(app: Flask, rel: str) -> list[int]:
    """The ids of the file's versions, oldest first."""
    with app.app_context():
        found = db.session().exec(select(SourceVersion.id).where(SourceVersion.path == rel)
                                  .order_by(col(SourceVersion.id)))
        return [int(i) for i in found if i is not None]


def start_attempt(app: Flask, people: People, build_dir: Path) -> None:
    with app.app_context():
        database = db.session()
        learner = database.get(User, people.learner.id)
        assert learner is not None
        attempts.start(database, learner, attempts.load_quiz(build_dir, "obshtinata-proverka"))


def authoring_pages(root: Path, ids: list[int]) -> list[Visit]:
    """The editor, the history and the versions, and the answers to the editor's form."""
    baseline, saved, draft = ids
    module, module_sha = authoring.read(root, MODULE)
    quiz, quiz_sha = authoring.read(root, QUIZ)
    changed_quiz = quiz.replace("answer: true", "answer: false", 1)
    return [
        Visit("course sources", "/trainer/authoring/"),
        Visit("editor, a refused draft offered", f"{EDIT}{MODULE}", shows=".authoring-draft"),
        Visit("editor on the draft", f"{EDIT}{MODULE}&version={draft}"),
        Visit("editor, a module", f"{EDIT}{SAVETAT}"),
        Visit("editor, a page", f"{EDIT}modules/pages/vavedenie.md"),
        Visit("editor, the glossary", f"{EDIT}modules/glossary/osnovi.yaml"),
        Visit("editor, course.yaml", f"{EDIT}modules/course.yaml"),
        Visit("editor, a quiz", f"{EDIT}{QUIZ}"),
        Visit("save refused by the checks", f"{EDIT}{MODULE}",
              {"text": module + BAD, "base": module_sha, "save": "1"}, 422),
        Visit("save over a changed file", f"{EDIT}{MODULE}",
              {"text": module + "\nОще.\n", "base": NO_SHA, "save": "1"}, 409),
        Visit("editor form incomplete", f"{EDIT}{MODULE}", {"text": module, "check": "1"}, 400),
        Visit("image without a file", f"{EDIT}{MODULE}",
              {"text": module, "base": module_sha, "insert": "1"}, 400),
        Visit("confirm a change to a test being taken", f"{EDIT}{QUIZ}",
              {"text": changed_quiz, "base": quiz_sha, "save": "1"}, shows="[role=alert]"),
        Visit("the confirmation asked again", f"{EDIT}{QUIZ}",
              {"text": changed_quiz, "base": quiz_sha, "save": "1", "confirming": "1"},
              shows=".field-invalid"),
        Visit("history", f"/trainer/authoring/history?file={MODULE}",
              shows="table.authoring-history"),
        Visit("history, never edited", "/trainer/authoring/history?file=modules/course.yaml"),
        Visit("who changed what in a topic", "/trainer/authoring/topic/osnovi/history"),
        Visit("an earlier version, by words", f"/trainer/authoring/version/{baseline}",
              shows=".authoring-word-diff"),
        Visit("an earlier version, by lines", f"/trainer/authoring/version/{baseline}?diff=lines",
              shows="pre.authoring-diff"),
        Visit("the current version", f"/trainer/authoring/version/{saved}"),
        Visit("a refused draft", f"/trainer/authoring/version/{draft}"),
        Visit("restore over a changed file", f"/trainer/authoring/version/{baseline}/restore",
              {"base": NO_SHA, "restore": "1"}, 409),
        Visit("restore refused by the checks", f"/trainer/authoring/version/{draft}/restore",
              {"base": module_sha, "restore": "1"}, 422),
    ]


def course_pages() -> list[Visit]:
    """Placing and adding modules, tests and pages, and their refusals."""
    return [
        Visit("topics and modules", f"{COURSE}/"),
        Visit("move, form incomplete", f"{COURSE}/move", {"topic": "osnovi"}, shows=".flash-error"),
        Visit("new module", f"{COURSE}/new-module?topic=osnovi"),
        Visit("new module without a title", f"{COURSE}/new-module?topic=osnovi",
              {"minutes": "20", "position": "0"}, 422, ".field-invalid"),
        Visit("new module in no topic", f"{COURSE}/new-module?topic=nyama", status=404),
        Visit("new test", f"{COURSE}/new-quiz?topic=osnovi"),
        Visit("new final test without a pool", f"{COURSE}/new-quiz?topic=osnovi",
              {"kind": "final", "title": "Финал", "pool": ""}, 422, ".field-invalid"),
        Visit("new page", f"{COURSE}/new-page"),
        Visit("new page without a title", f"{COURSE}/new-page", {"title": ""}, 422,
              ".field-invalid"),
        Visit("who the topic is for", f"{COURSE}/tracks?topic=osnovi"),
        Visit("a group both required and optional", f"{COURSE}/tracks?topic=osnovi",
              {"required": ["councillors"], "optional": ["councillors"]}, 422,
              ".field-invalid"),
        Visit("place and groups", f"{COURSE}/module?module=savetat"),
        Visit("place and groups, no such place", f"{COURSE}/module?module=savetat",
              {"place": "nyama:0"}, 422, ".field-invalid"),
        Visit("change refused by the checks", f"{COURSE}/module?module=obshtinata",
              {"place": "osnovi:0", "requires": ["savetat"]}, 422, ".authoring-problems"),
        Visit("rename", f"{COURSE}/rename?module=savetat"),
        Visit("rename without a title", f"{COURSE}/rename?module=savetat", {"title": ""}, 422,
              ".field-invalid"),
        Visit("rename refused: linked", f"{COURSE}/rename?module=savetat",
              {"title": "Общинският съвет и комисиите", "new_id": "y"}, 409,
              ".authoring-problems"),
        Visit("remove", f"{COURSE}/remove?module=kmetat", shows="form button"),
        Visit("remove, linked", f"{COURSE}/remove?module=savetat", shows="[role=alert]"),
        Visit("remove refused: linked", f"{COURSE}/remove?module=savetat", {"remove": "1"}, 409,
              "[role=alert]"),
    ]


def question_pages() -> list[Visit]:
    """The questions of a quiz as forms, each type, and the forms sent back."""
    types = ("single", "multiple", "true-false", "text", "number", "match", "order")
    q1 = {"text": "Общината е юридическо лице.", "answer": "false",
          "explanation": "Така гласи Конституцията.", "ref": "obshtinata#kakvo-e"}
    single = {"text": "Кой приема бюджета?", "choices-0-text": "Съветът",
              "choices-1-text": "Кметът"}
    return [
        Visit("questions as forms", f"{QUESTIONS}/?file={QUIZ}"),
        Visit("move the last question down", f"{QUESTIONS}/move?file={QUIZ}&id=q1",
              {"down": "1"}, shows="#question-q1"),
        Visit("edit a question", f"{QUESTIONS}/edit?file={QUIZ}&id=q1"),
        *(Visit(f"new question: {t}", f"{QUESTIONS}/edit?file={QUIZ}&type={t}") for t in types),
        Visit("no correct answer marked", f"{QUESTIONS}/edit?file={QUIZ}&type=single", single,
              422, ".field-invalid"),
        Visit("an interval the wrong way round", f"{QUESTIONS}/edit?file={QUIZ}&type=number",
              {"text": "Колко?", "answers-0-low": "9", "answers-0-high": "1"}, 422,
              ".field-invalid"),
        Visit("a problem of the checks at its field", f"{QUESTIONS}/edit?file={QUIZ}&type=single",
              {**single, "choices-0-correct": "y", "ref": "obshtinata#nyama-takav"}, 422,
              ".field-invalid"),
        Visit("confirm a change to a question being answered",
              f"{QUESTIONS}/edit?file={QUIZ}&id=q1", q1, 422, "[role=alert] #confirm_change"),
        Visit("delete a question", f"{QUESTIONS}/delete?file={QUIZ}&id=q1"),
        Visit("questions of what is not a test", f"{QUESTIONS}/?file=modules/course.yaml",
              status=404),
    ]


def phases(app: Flask, root: Path, people: People, build_dir: Path) -> list[Phase]:
    """The sweep. First a real save, a refused one and a Windows-1251 file converted; then
    that file in Windows-1251 again, which the whole course reports; last, that file removed."""
    client = trainer_client(app)
    module, _sha = authoring.read(root, MODULE)
    save(client, root, MODULE, module.replace("Органите са", "Избраните органи са"), 302)
    save(client, root, MODULE, module + BAD, 422)  # kept as this trainer's refused draft
    start_attempt(app, people, build_dir)
    convert_from_1251(client, root)
    ids, (original, converted) = versions(app, MODULE), versions(app, KMETAT)

    def back_to_1251() -> None:
        (root / KMETAT).write_bytes(KMETAT_TEXT.encode("cp1251"))
        # And a git pull of a newer text of a file saved in the browser: git's text wins.
        (root / MODULE).write_text(module + "\nОт git.\n", encoding="utf-8")

    def removed() -> None:
        (root / KMETAT).write_text(KMETAT_TEXT, encoding="utf-8")
        response = submit(client, f"{COURSE}/remove?module=kmetat", {"remove": "1"},
                          page=f"{COURSE}/")
        assert response.status_code == 302 and not (root / KMETAT).exists()

    return [
        Phase([*authoring_pages(root, ids), *course_pages(), *question_pages(),
               Visit("history of a converted file", f"/trainer/authoring/history?file={KMETAT}"),
               Visit("the original of a converted file", f"/trainer/authoring/version/{original}",
                     shows="form .button-primary"),
               Visit("set a draft aside", f"/trainer/authoring/draft/{ids[2]}/discard", {},
                     shows=".flash-info")]),
        Phase([Visit("a Windows-1251 file, read-only", f"{EDIT}{KMETAT}",
                     shows=".authoring-undecodable"),
               Visit("a file changed in git after its web save", f"{EDIT}{MODULE}",
                     shows=".authoring-changed-outside"),
               Visit("convert a file that changed meanwhile",
                     f"/trainer/authoring/convert?file={KMETAT}", {"base": NO_SHA, "convert": "1"},
                     shows=".flash-error")],
              back_to_1251),
        Phase([Visit("history of a removed file", f"/trainer/authoring/history?file={KMETAT}",
                     shows="[role=status]"),
               Visit("a version of a removed file", f"/trainer/authoring/version/{converted}",
                     shows="form .button-primary"),
               # The first size brings the file back (its editor), the second is refused
               # (the file is there again: the topics and modules, with the message).
               Visit("bring a removed file back", f"{COURSE}/recreate/{converted}", {})],
              removed),
    ]


def convert_from_1251(client: FlaskClient, root: Path) -> None:
    """Save KMETAT as Windows-1251 and convert it in the browser: its original is a version."""
    data = KMETAT_TEXT.encode("cp1251")
    (root / KMETAT).write_bytes(data)
    response = submit(client, f"/trainer/authoring/convert?file={KMETAT}",
                      {"base": authoring.digest(data), "convert": "1"}, page="/trainer/authoring/")
    assert response.status_code == 302
    assert (root / KMETAT).read_text(encoding="utf-8") == KMETAT_TEXT


def visit(page: Any, base: str, step: Visit) -> int:
    """Open the page, or send the form from the page already open; the answer's status."""
    if step.form is None:
        response = page.goto(base + step.path)
        return int(response.status)
    fields = [[name, value] for name, values in step.form.items()
              for value in ([values] if isinstance(values, str) else values)]
    with page.expect_navigation() as navigation:
        page.evaluate("""([action, fields]) => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = action;
            const token = document.querySelector('meta[name=csrf-token]').content;
            for (const [name, value] of [['csrf_token', token], ...fields]) {
              const input = document.createElement('textarea');
              input.name = name;
              input.value = value;
              form.append(input);
            }
            form.hidden = true;
            document.body.append(form);
            form.submit();
        }""", [base + step.path, fields])
    return int(navigation.value.status)


def uncovered(app: Flask, steps: list[Visit]) -> list[str]:
    """The authoring rules (endpoint, method) that neither a visit nor ``NO_PAGE`` covers."""
    adapter = app.url_map.bind("localhost")
    covered = {(adapter.match(urlsplit(s.path).path, method=s.method)[0], s.method)
               for s in steps}
    wanted = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              if rule.endpoint.partition(".")[0] in BLUEPRINTS
              for method in (rule.methods or set()) & {"GET", "POST"}}
    return sorted(f"{endpoint} {method}" for endpoint, method in wanted - covered - set(NO_PAGE))


def test_every_authoring_page_passes_axe_on_a_phone_and_a_desktop(
        phone: Any, desktop: Any, live_server: str, app: Flask, people: People,
        course_root: Path, build_dir: Path) -> None:
    started = time.monotonic()
    sweep = phases(app, course_root, people, build_dir)
    missing = uncovered(app, [step for phase in sweep for step in phase.visits])
    assert not missing, f"authoring rules with no page in the sweep: {missing}"
    sizes = {f"{PHONE['width']}x{PHONE['height']}": phone,
             f"{DESKTOP['width']}x{DESKTOP['height']}": desktop}
    for page in sizes.values():
        page.context.add_init_script(path=str(AXE))
        sign_in(page, live_server, "trainer")
    problems: list[str] = []
    for phase in sweep:
        phase.prepare()
        for step in phase.visits:
            checked = []
            for size, page in sizes.items():  # the phone's check runs while the desktop loads
                where = f"{step.name} ({step.method} {step.path}) at {size}"
                status = visit(page, live_server, step)
                if status != step.status or page.locator(step.shows).count() == 0:
                    problems.append(f"{where}: status {status}, no {step.shows!r} — not the "
                                    f"page meant")
                    continue
                if step.shows == ".authoring-changed-outside":
                    shot(page, f"authoring-changed-outside-{size}", full_page=False)
                start_axe(page)
                checked.append((where, page))
            problems += [f"{where}: {v['id']} ({v['help']}) at {v['nodes']}"
                         for where, page in checked for v in axe_violations(page)]
    print(f"axe sweep: {sum(len(p.visits) for p in sweep)} pages × 2 sizes in "
          f"{time.monotonic() - started:.1f} s")
    assert not problems, "\n" + "\n".join(problems)
