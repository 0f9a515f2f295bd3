"""``dobro export scorm``: the package's manifest, its files, its determinism, its errors."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from course.build import check
from course.cli import main
from course.interop.scorm import ADLCP, IMSCP, ScormOptions, final_test, scorm_zip
from tests.conftest import FIXTURES, REPO
from tests.course.test_publish import assert_links_resolve, parse

MINIMAL = FIXTURES / "courses" / "minimal"
NS = {"cp": IMSCP, "adlcp": ADLCP}
COURSE_YAML = "modules/course.yaml"
REAL_TOPICS = ("samoupravlenie", "resursi", "strategia", "evropa")


def export(tmp_path: Path, *args: str, root: Path = MINIMAL) -> tuple[int, Path]:
    out = tmp_path / "scorm.zip"
    topic, *options = args
    return main(["export", "scorm", topic, str(root), *options, "--out", str(out)]), out


def package(out: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def items(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """(title, launched file) of each item of the default organization, in order."""
    root = ET.fromstring(files["imsmanifest.xml"])
    hrefs = {r.get("identifier"): r.get("href") for r in root.iterfind(".//cp:resource", NS)}
    return [(str(i.findtext("cp:title", namespaces=NS)), str(hrefs[i.get("identifierref")]))
            for i in root.iterfind(".//cp:organization/cp:item", NS)]


@pytest.mark.parametrize("topic", REAL_TOPICS)
def test_manifest_has_one_item_per_module_in_the_topics_order(topic: str, tmp_path: Path) -> None:
    code, out = export(tmp_path, topic, root=REPO)
    assert code == 0
    files = package(out)
    course, _ = check(REPO)
    assert course.manifest is not None
    spec = next(t for t in course.manifest.topics if t.id == topic)
    titles = {d.id: d.title for d in course.modules}
    assert items(files) == [(titles[r.target], f"{r.target}.html") for r in spec.modules]
    root = ET.fromstring(files["imsmanifest.xml"])
    assert root.tag == f"{{{IMSCP}}}manifest"
    assert root.findtext("cp:metadata/cp:schema", namespaces=NS) == "ADL SCORM"
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.2"
    organizations = root.find("cp:organizations", NS)
    assert organizations is not None
    assert organizations.get("default") == organizations[0].get("identifier")
    scos = [r for r in root.iterfind(".//cp:resource", NS)
            if r.get(f"{{{ADLCP}}}scormtype") == "sco"]
    assert len(scos) == len(spec.modules)
    assert all(r.get("type") == "webcontent" for r in root.iterfind(".//cp:resource", NS))


def test_every_file_is_in_the_manifest_and_every_reference_in_the_zip(tmp_path: Path) -> None:
    code, out = export(tmp_path, "samoupravlenie", "--with-final", root=REPO)
    assert code == 0
    files = package(out)
    root = ET.fromstring(files["imsmanifest.xml"])
    listed = {str(f.get("href")) for f in root.iterfind(".//cp:file", NS)}
    assert listed == set(files) - {"imsmanifest.xml"}
    launched = {str(r.get("href")) for r in root.iterfind(".//cp:resource", NS) if r.get("href")}
    assert launched <= set(files)
    ids = {r.get("identifier") for r in root.iterfind(".//cp:resource", NS)}
    refs = {d.get("identifierref") for d in root.iterfind(".//cp:dependency", NS)}
    refs |= {i.get("identifierref") for i in root.iterfind(".//cp:item", NS)}
    assert refs <= ids


@pytest.mark.parametrize(("root", "topic"), [(MINIMAL, "t1"), (REPO, "samoupravlenie"),
                                             (REPO, "resursi"), (REPO, "evropa")])
def test_no_file_outside_the_package_is_referenced(root: Path, topic: str, tmp_path: Path) -> None:
    code, out = export(tmp_path, topic, "--with-final", root=root)
    assert code == 0
    files = package(out)
    pages = {name: parse(data.decode()) for name, data in files.items() if name.endswith(".html")}
    assert_links_resolve(pages, set(files))


def test_a_module_left_out_is_named_not_linked(tmp_path: Path) -> None:
    code, out = export(tmp_path, "t1", "--audience", "employees")
    assert code == 0
    files = package(out)
    assert items(files) == [("Общината и нейните органи", "first.html")]
    first = files["first.html"].decode()
    assert "second.html" not in first and ">бюджета<" not in first and "бюджета" in first


@pytest.mark.parametrize(("audience", "expected"), [("", ["first", "second"]),
                                                    ("employees", ["first"]),
                                                    ("councillors", ["first", "second"])])
def test_audience_chooses_the_modules_it_must_study(audience: str, expected: list[str],
                                                    tmp_path: Path) -> None:
    code, out = export(tmp_path, "t1", *(["--audience", audience] if audience else []))
    assert code == 0
    assert [href for _, href in items(package(out))] == [f"{m}.html" for m in expected]


def test_package_is_deterministic() -> None:
    options = ScormOptions("samoupravlenie", with_final=True)
    first, count = scorm_zip(REPO, options)
    second, _ = scorm_zip(REPO, options)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        info = archive.infolist()
    assert len(info) == count
    assert {i.date_time for i in info} == {(2026, 1, 1, 0, 0, 0)}
    assert [i.filename for i in info] == sorted(i.filename for i in info)


def test_the_final_tests_key_travels_only_with_with_final(tmp_path: Path) -> None:
    course, _ = check(MINIMAL)
    topic = next(t for t in course.manifest.topics if t.id == "t1")  # type: ignore[union-attr]
    quiz, questions = final_test(course, topic)
    assert len(questions) == 3  # the pool drawn at package time: draw: 3
    assert final_test(course, topic) == (quiz, questions)
    _, without = export(tmp_path, "t1")
    text = b"".join(package(without).values()).decode(errors="ignore")
    assert "t1-final" not in text
    assert not any(q.text in text for q in questions if q.text not in _self_checks(course))
    code, with_final = export(tmp_path, "t1", "--with-final")
    assert code == 0
    files = package(with_final)
    page = files["t1-final.html"].decode()
    assert 'id="key-t1-final"' in page and 'data-kind="test"' in page
    assert 'data-mastery="70"' in page
    assert page.count('class="question"') == 3
    assert items(files)[-1] == (quiz.title, "t1-final.html")
    mastery = ET.fromstring(files["imsmanifest.xml"]).find(".//adlcp:masteryscore", NS)
    assert mastery is not None and mastery.text == "70"


def _self_checks(course: object) -> str:
    return " ".join(q.text for quiz in course.quizzes  # type: ignore[attr-defined]
                    if quiz.kind == "self-check" for q in quiz.questions)


def test_module_pages_report_and_keep_the_offline_copys_markup(tmp_path: Path) -> None:
    _, out = export(tmp_path, "t1")
    first = package(out)["first.html"].decode()
    assert '<script src="assets/scorm.js" data-kind="module"></script>' in first
    assert first.index("assets/selfcheck.js") < first.index("assets/scorm.js")
    assert 'data-quiz="first-check"' in first
    assert 'href="index.html"' not in first  # the LMS gives the table of contents


def test_help_says_the_package_carries_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "scorm", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "ключа с верните отговори" in text
    assert "се тегли веднъж, при създаването на пакета" in text


def broken_copy(tmp_path: Path, *changes: tuple[str, str, str]) -> Path:
    """A copy of the minimal course with each (file, old, new) replacement made."""
    root = tmp_path / "course"
    shutil.copytree(MINIMAL, root)
    for path, old, new in changes:
        source = root / path
        text = source.read_text(encoding="utf-8")
        assert old in text
        source.write_text(text.replace(old, new), encoding="utf-8")
    return root


@pytest.mark.parametrize(("args", "message"), [
    (["nope"], "няма тема „nope“ (има: t1)"),
    (["t1", "--audience", "mayors"], "няма аудитория „mayors“"),
])
def test_bad_arguments_are_refused_in_bulgarian(args: list[str], message: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out = export(tmp_path, *args)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_topic_not_for_the_audience_is_refused(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = broken_copy(tmp_path, (COURSE_YAML, "    audiences: [employees, councillors]\n",
                                  "    audiences: [employees]\n"),
                       ("modules/t1/02-second.md", "audiences: [councillors]\n", ""))
    code, _ = export(tmp_path, "t1", "--audience", "councillors", root=root)
    assert code == 2
    assert "темата „t1“ не е за аудиторията „councillors“" in capsys.readouterr().err


def test_a_topic_without_a_final_test_refuses_with_final(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    root = broken_copy(tmp_path, (COURSE_YAML, "    final: t1-final\n", ""),
                       (COURSE_YAML, "      final: passed\n", "      final: none\n"))
    assert export(tmp_path, "t1", root=root)[0] == 0
    code, _ = export(tmp_path, "t1", "--with-final", root=root)
    assert code == 2
    assert "темата „t1“ няма заключителен тест" in capsys.readouterr().err


def test_a_course_with_errors_is_reported_like_check(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = broken_copy(tmp_path, ("modules/t1/01-first.md", "quiz: first-check",
                                  "quiz: no-such-quiz"))
    code, out = export(tmp_path, "t1", root=root)
    assert code == 1
    printed = capsys.readouterr().out
    assert "modules/t1/01-first.md:" in printed and ": error: " in printed
    assert "Пакетът не е създаден." in printed
    assert not out.exists()


@pytest.mark.parametrize("target", ["dir", "file-as-dir"])
def test_an_unwritable_out_is_refused_in_bulgarian(target: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "blocker").write_text("x")
    out = tmp_path if target == "dir" else tmp_path / "blocker" / "scorm.zip"
    code = main(["export", "scorm", "t1", str(MINIMAL), "--out", str(out)])
    assert code == 2
    assert "файлът не може да се запише" in capsys.readouterr().err
