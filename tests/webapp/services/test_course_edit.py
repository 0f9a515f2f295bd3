"""New modules, quizzes and pages, and module order, as texts; and one checked change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, select

from course.build import build, check
from course.render import render_markdown
from course.sources import MANIFEST
from tests.conftest import REPO
from webapp.models import SourceVersion, User
from webapp.services import course_changes, course_plans
from webapp.services.authoring import Paths
from webapp.services.course_edit import (
    EditError,
    FrontMatter,
    Manifest,
    QuizPlan,
    clean_title,
    links_to,
    module_text,
    next_file_name,
    quiz_text,
    relink,
    slugify,
)

REAL_MANIFEST = (REPO / MANIFEST).read_text(encoding="utf-8")


@pytest.fixture
def real(tmp_path: Path) -> Paths:
    """A copy of the real course (modules and quizzes), built."""
    root = tmp_path / "course"
    for folder in ("modules", "quizzes"):
        shutil.copytree(REPO / folder, root / folder)
    build(root, root / "build", jobs=1)
    return Paths(root, root / "build", tmp_path / "authoring.lock")


@pytest.mark.parametrize(("title", "slug"), [
    ("Общинският съвет", "obshtinskiyat-savet"),
    ("Местни данъци и такси", "mestni-danaci-i-taksi"),
    ("Концесии и ПЧП", "koncesii-i-pchp"),
    ("Общински дълг", "obshtinski-dalg"),
    ("Устройствено планиране", "ustroystveno-planirane"),
    ("Програми 2021–2027", "programi-2021-2027"),
    ("Щъркел, жаба и юрист!", "shtarkel-zhaba-i-yurist"),
    ("../../etc/passwd", "etc-passwd"),
])
def test_slugify_transliterates_as_the_file_names_do(title: str, slug: str) -> None:
    assert slugify(title) == slug


@pytest.mark.parametrize(("title", "code"), [("", "empty-title"), ("   ", "empty-title"),
                                             ("я" * 10_000, "long-title"),
                                             ("!!! ???", "no-letters")])
def test_bad_titles_are_refused(title: str, code: str) -> None:
    with pytest.raises(EditError) as raised:
        clean_title(title)
    assert raised.value.code == code


def test_a_long_title_gives_a_bounded_slug() -> None:
    assert len(slugify("дълго заглавие " * 40)) <= 60


def test_next_file_name_numbers_after_the_last_file() -> None:
    names = ["01-a.md", "02-b.md", "05-c.md", "notes.md"]
    assert next_file_name(names, "nov-modul") == "06-nov-modul.md"
    assert next_file_name([], "parvi") == "01-parvi.md"


def test_the_real_manifest_round_trips_byte_for_byte() -> None:
    assert Manifest(REAL_MANIFEST).dump() == REAL_MANIFEST


def test_a_reorder_keeps_comments_and_key_order_and_back_gives_the_same_file() -> None:
    manifest = Manifest(REAL_MANIFEST)
    manifest.shift("samoupravlenie", "obshtinskiyat-savet", -1)
    moved = manifest.dump()
    assert moved != REAL_MANIFEST
    assert moved.splitlines()[:2] == REAL_MANIFEST.splitlines()[:2]  # the comment
    assert "title: >-\n      Стратегическо управление" in moved  # the folded title
    assert "hours: {in_person: 8, online: 6}" in moved  # flow maps stay flow maps
    block = moved[moved.index("- id: samoupravlenie"):moved.index("- id: resursi")]
    assert block.index("obshtinskiyat-savet") < block.index("osnovi-na-samoupravlenieto")
    keys = [line.split(":")[0].strip() for line in block.splitlines() if line.startswith("    ")
            and not line.startswith("      ")]
    assert keys == ["title", "audiences", "hours", "modules", "pretest", "final", "surveys",
                    "completion"]
    again = Manifest(moved)
    again.shift("samoupravlenie", "obshtinskiyat-savet", +1)
    assert again.dump() == REAL_MANIFEST


def test_moving_a_module_between_topics_and_back_gives_the_same_file() -> None:
    manifest = Manifest(REAL_MANIFEST)
    index = manifest.remove("evropa", "proektniyat-cikal")
    manifest.insert("resursi", "proektniyat-cikal", 1)
    assert manifest.topic_of("proektniyat-cikal") == "resursi"
    back = Manifest(manifest.dump())
    back.remove("resursi", "proektniyat-cikal")
    back.insert("evropa", "proektniyat-cikal", index)
    assert back.dump() == REAL_MANIFEST


def test_tracks_are_written_as_flow_lists() -> None:
    manifest = Manifest(REAL_MANIFEST)
    manifest.set_tracks("resursi", ["employees"], ["ngo"])
    text = manifest.dump()
    assert "    audiences: [employees]\n    optional_for: [ngo]\n" in text
    manifest.set_tracks("resursi", ["employees", "councillors", "ngo", "regional"], [])
    assert manifest.dump() == REAL_MANIFEST
    with pytest.raises(EditError):
        manifest.set_tracks("resursi", [], ["ngo"])


@pytest.mark.parametrize("topic", ["nyama", "../samoupravlenie", ""])
def test_an_unknown_topic_is_refused(topic: str) -> None:
    with pytest.raises(EditError, match="unknown-topic"):
        Manifest(REAL_MANIFEST).insert(topic, "x", 0)


def test_front_matter_edits_keep_the_body_and_the_other_keys() -> None:
    text = (REPO / "modules/samoupravlenie/02-obshtinskiyat-savet.md").read_text(encoding="utf-8")
    matter = FrontMatter(text)
    matter.set_list("audiences", ["councillors"])
    matter.set_list("requires", ["osnovi-na-samoupravlenieto"], after="quiz")
    edited = matter.dump()
    assert "minutes: 50\naudiences: [councillors]\nobjectives:" in edited
    assert "quiz: obshtinskiyat-savet-proverka\nrequires: [osnovi-na-samoupravlenieto]\n---\n" \
        in edited
    assert edited.split("\n---\n", 1)[1] == text.split("\n---\n", 1)[1]
    undo = FrontMatter(edited)
    undo.set_list("audiences", [])
    undo.set_list("requires", [])
    assert undo.dump() == text


def test_a_new_module_and_its_self_check_pass_the_checks(real: Paths) -> None:
    title = 'Нов модул: "кавички" и #знаци'
    manifest = Manifest((real.root / MANIFEST).read_text(encoding="utf-8"))
    manifest.insert("samoupravlenie", "nov-modul", 1)
    rel = "modules/samoupravlenie/06-nov-modul.md"
    changes: dict[str, str | None] = {
        rel: module_text("nov-modul", title, 30, ["councillors"]),
        MANIFEST: manifest.dump()}
    course, added = course_changes.check_change(real, changes)
    assert added == []
    doc = next(d for d in course.modules if d.id == "nov-modul")
    assert doc.title == title and doc.audiences == ("councillors",) and doc.minutes == 30
    assert [h.anchor for h in doc.rendered.headings] == [
        "parvi-razdel", "obobshtenie", "pravni-osnovaniya"]
    matter = FrontMatter(changes[rel] or "")
    matter.set("quiz", "nov-modul-proverka")
    changes[rel] = matter.dump()
    changes["quizzes/samoupravlenie/nov-modul-proverka.yaml"] = quiz_text(
        QuizPlan("nov-modul-proverka", "Самопроверка – Нов модул", "self-check", doc))
    assert course_changes.check_change(real, changes)[1] == []


@pytest.mark.parametrize("kind", ["pre-test", "final", "pool"])
def test_new_tests_of_every_kind_pass_the_checks(real: Paths, kind: str) -> None:
    plan = QuizPlan("nov-test", "Нов тест", kind, pool_id="samoupravlenie-banka", pool_size=25)
    changes: dict[str, str | None] = {"quizzes/samoupravlenie/nov-test.yaml": quiz_text(plan)}
    assert course_changes.check_change(real, changes)[1] == []


def test_a_change_that_breaks_a_link_is_refused(real: Paths) -> None:
    course, _ = check(real.root, jobs=1)
    savet = next(d for d in course.modules if d.id == "obshtinskiyat-savet")
    incoming = links_to(course, savet)
    assert {i.what for i in incoming} >= {"question"}
    manifest = Manifest((real.root / MANIFEST).read_text(encoding="utf-8"))
    manifest.remove("samoupravlenie", "obshtinskiyat-savet")
    _, added = course_changes.check_change(real, {savet.path: None, MANIFEST: manifest.dump()})
    assert {p.path for p in added} >= {i.path for i in incoming}


@pytest.mark.parametrize("rel", ["modules/../x.md", "modules/a/b/c.md", "build/x.md",
                                 "modules/samoupravlenie/01-osnovi-na-samoupravlenieto.md.bak",
                                 "quizzes/samoupravlenie/Nov.yaml"])
def test_new_files_only_where_the_service_makes_them(real: Paths, rel: str) -> None:
    with pytest.raises(course_changes.BadPath):
        course_changes.check_change(real, {rel: "---\nid: x\ntitle: x\n---\n"})


def test_apply_writes_every_file_and_records_versions(db: Session, real: Paths,
                                                      learner: User) -> None:
    manifest = Manifest((real.root / MANIFEST).read_text(encoding="utf-8"))
    manifest.insert("resursi", "nov-modul", 0)
    rel = "modules/resursi/07-nov-modul.md"
    result = course_changes.apply(db, real, {rel: module_text("nov-modul", "Нов", 20, []),
                                             MANIFEST: manifest.dump()}, learner, "нов модул")
    assert result.written and (real.root / rel).is_file()
    rows = db.exec(select(SourceVersion).order_by(SourceVersion.id)).all()  # type: ignore[arg-type]
    assert [(r.path, r.status) for r in rows] == [
        (rel, "saved"), (MANIFEST, "baseline"), (MANIFEST, "saved")]
    assert all(r.author_id == learner.id for r in rows if r.status == "saved")


def test_apply_writes_nothing_when_the_change_adds_an_error(db: Session, real: Paths,
                                                           learner: User) -> None:
    rel = "modules/resursi/07-nov-modul.md"  # not listed in course.yaml: unlisted-module
    result = course_changes.apply(db, real, {rel: module_text("nov-modul", "Нов", 20, [])},
                                  learner, "")
    assert not result.written and {p.code for p in result.problems} == {"unlisted-module"}
    assert not (real.root / rel).exists() and db.exec(select(SourceVersion)).all() == []


def test_a_manifest_not_in_utf8_is_refused_not_garbled(real: Paths) -> None:
    manifest = real.root / MANIFEST
    manifest.write_bytes(REAL_MANIFEST.encode("cp1251"))
    with pytest.raises(EditError) as raised:
        course_plans.shift(real, "samoupravlenie", "obshtinskiyat-savet", -1)
    assert raised.value.code == "not-utf8" and raised.value.value == MANIFEST
    assert manifest.read_bytes() == REAL_MANIFEST.encode("cp1251")


OLD, NEW = "modules/osnovi", "modules/vtora"


def moved(body: str, files: dict[str, str] | None = None, old: str = OLD,
          new: str = NEW) -> str:
    links = render_markdown(body, base_dir=old).links
    return relink(body, links, old, new, files or {})


@pytest.mark.parametrize("body, expected", [
    ("[x](02-other.md)\n", "[x](../osnovi/02-other.md)\n"),
    ("[x](02-other.md#kvorum) и ![a](img/a.png)\n",
     "[x](../osnovi/02-other.md#kvorum) и ![a](../osnovi/img/a.png)\n"),
    ("[x](<02-other.md>)\n", "[x](<../osnovi/02-other.md>)\n"),
    ("[x](../vtora/01-b.md)\n", "[x](01-b.md)\n"),
    ("[x](#kvorum) [y](glossary:обс) [z](https://example.org/a.md)\n",
     "[x](#kvorum) [y](glossary:обс) [z](https://example.org/a.md)\n"),
    ("[x][r]\n\n[r]: 02-other.md\n", "[x][r]\n\n[r]: ../osnovi/02-other.md\n"),
])
def test_the_moved_module_points_where_it_did(body: str, expected: str) -> None:
    assert moved(body) == expected


def test_code_and_plain_text_stay_as_written() -> None:
    body = "Пишете `[x](02-other.md)` така.\n\n```\n![a](img/a.png)\n```\n"
    assert moved(body) == body


def test_a_link_to_the_moved_file_follows_it() -> None:
    body = "[първия](01-obshtinata.md#kakvo-e) и [втория](02-savetat.md).\n"
    files = {"modules/osnovi/01-obshtinata.md": "modules/vtora/03-obshtinata.md"}
    assert moved(body, files, OLD, OLD) == (
        "[първия](../vtora/03-obshtinata.md#kakvo-e) и [втория](02-savetat.md).\n")
