"""Moodle XML in and out: every feature, every broken input at its line, the round trips."""

from __future__ import annotations

import base64
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.build import check
from course.cli import main
from course.errors import Problem
from course.interop import moodlexml
from course.interop.common import as_quiz
from course.interop.moodleexport import write_moodle_xml
from course.interop.moodlefiles import MAX_IMAGE_BYTES
from course.interop.moodlexml import MoodleImport, read_moodle_xml
from course.interop.quizyaml import quiz_yaml
from course.model import Choice, Question, Quiz, Ref, TextAnswer
from course.quizload import parse_quiz

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parent / "data" / "moodle" / "sample.xml"
POOLS = sorted(ROOT.glob("quizzes/*/*-banka.yaml"))
# A 2×2 red PNG, as Moodle embeds it.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGM4IScHRAwQCgAf"
                       "JgQRoo8irwAAAABJRU5ErkJggg==")
COMPARED = ("id", "type", "text", "points", "explanation", "choices", "answer", "feedback_true",
            "feedback_false", "text_answers", "number_answers", "feedback_other", "pairs",
            "distractors", "items", "shuffle")


def read(xml: str | bytes, quiz_id: str = "banka", topic: str = "samoupravlenie"
         ) -> MoodleImport:
    data = xml.encode() if isinstance(xml, str) else xml
    return read_moodle_xml(data, "bank.xml", quiz_id, topic)


@pytest.fixture(scope="module")
def sample() -> MoodleImport:
    return read_moodle_xml(SAMPLE.read_bytes(), "sample.xml", "kvorum", "samoupravlenie")


def by_id(result: MoodleImport, qid: str) -> Question:
    return next(q for q in result.questions if q.id == qid)


def codes(result: MoodleImport) -> list[tuple[int, str, str]]:
    return [(p.line, p.severity, p.code) for p in result.problems]


def question(body: str, qtype: str = "multichoice", text: str = "Въпрос?") -> str:
    """A file with one question of ``qtype`` whose type-specific part is ``body``."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'
            f'  <question type="{qtype}">\n'
            "    <name><text>Въпрос</text></name>\n"
            f'    <questiontext format="html"><text>{text}</text></questiontext>\n'
            f"{body}"
            "  </question>\n</quiz>\n")


# --- Each feature of the sample (a realistic Moodle 4 export, written by hand) -----------


def test_the_sample_imports_every_question_dobro_can_hold(sample: MoodleImport) -> None:
    assert not sample.has_errors
    assert [q.type for q in sample.questions] == [
        "single", "multiple", "true-false", "text", "number", "match", "order"]


def test_single_choice_from_html_with_points_and_feedback(sample: MoodleImport) -> None:
    q = by_id(sample, "kvorum-29")
    assert q.text.startswith("Общински съвет има **29** съветници. Колко най-малко")
    assert q.points == 2
    assert q.explanation == "Повече от половината от *общия брой* (14,5), т.е. 15."
    assert [(c.text, c.weight, c.feedback) for c in q.choices] == [
        ("15", 100, "Да – повече от половината от 29."),
        ("14", 0, "14 е по-малко от половината."), ("20", 0, "")]


def test_multiple_choice_thirds_and_negative_fractions(sample: MoodleImport) -> None:
    q = by_id(sample, "motivi-kam-naredba")  # no idnumber: the id comes from the name
    assert [c.weight for c in q.choices] == [100 / 3, 100 / 3, 100 / 3, -50]
    assert q.choices[3].feedback == "Мотивите не предвиждат гласуването."
    assert q.shuffle is False  # <shuffleanswers>false</shuffleanswers>


def test_true_false_keeps_the_feedback_of_each_answer(sample: MoodleImport) -> None:
    q = by_id(sample, "mandat")
    assert (q.answer, q.feedback_true, q.feedback_false) == (
        True, "Правилно – мандатът е 4 години.", "Не – мандатът е 4 години.")
    assert q.text == "Общинският съвет се избира за срок от 4 години."  # plain_text


def test_short_answer_weights_catch_all_and_case(sample: MoodleImport) -> None:
    q = by_id(sample, "kmetski-namestnik")
    assert [(a.text, a.weight) for a in q.text_answers] == [
        ("кметски наместник", 100), ("наместник", 50)]
    assert q.feedback_other == "Терминът е „кметски наместник“."  # Moodle's "*" answer
    assert q.text.startswith("Как се нарича служителят, когото **кметът**")  # markdown as is
    assert (162, "warning", "case-ignored") in codes(sample)
    assert (148, "warning", "hidden-question") in codes(sample)


def test_numerical_tolerance_and_several_answers(sample: MoodleImport) -> None:
    q = by_id(sample, "srok")
    assert [(a.low, a.high, a.weight) for a in q.number_answers] == [
        (7, 7, 100), (7, 8, 50)]
    assert q.number_answers[1].feedback == "Близо, но срокът е в цели дни."


def test_matching_with_an_empty_subquestion_as_distractor(sample: MoodleImport) -> None:
    q = by_id(sample, "ponyatiya")
    assert [left for left, _ in q.pairs] == ["Субсидиарност", "Децентрализация"]
    assert q.distractors == ("Събиране на решенията в центъра",)
    assert q.points == 3


def test_ordering_keeps_the_order_of_its_answers(sample: MoodleImport) -> None:
    q = by_id(sample, "stapki-pri-vrashtane-na-reshenie")
    assert q.items == ("Съветът приема решението", "Кметът го връща",
                       "Съветът го обсъжда отново")


def test_types_dobro_lacks_are_warnings_at_their_line(sample: MoodleImport) -> None:
    skipped = [(p.line, p.message) for p in sample.problems if p.code == "unsupported-type"]
    assert [line for line, _ in skipped] == [255, 308]
    assert "плъзгане на думи" in skipped[0][1] and "есе" in skipped[1][1]


def test_category_names_tags_and_penalty_are_reported(sample: MoodleImport) -> None:
    assert sample.categories == ["$course$/top/Общински съвет/Кворум и мнозинства"]
    assert sample.names["kvorum-29"] == "Кворум на заседание"
    found = codes(sample)
    assert (65, "warning", "tags-ignored") in found
    assert (62, "warning", "hints-ignored") in found
    assert (34, "warning", "combined-feedback-ignored") in found
    assert [c for c in found if c[2] == "penalty-ignored"] == [(27, "warning",
                                                                 "penalty-ignored")]


def test_an_embedded_image_becomes_a_file_next_to_the_topic(sample: MoodleImport) -> None:
    assert sample.images == {"modules/samoupravlenie/img/kvorum/shema-1.png": PNG}
    assert by_id(sample, "kvorum-29").text.endswith(
        "![Схема на залата](img/kvorum/shema-1.png)")
    assert (21, "warning", "image-in-question") in codes(sample)


def test_every_problem_is_formatted_file_line_col() -> None:
    result = read(question('<answer fraction="сто"><text>a</text></answer>\n'))
    assert result.problems[0].format().startswith("bank.xml:6:1: error: ")


# --- Broken input, each at its line -------------------------------------------------------

BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        "<quiz>&lol2;</quiz>\n")
ANSWERS = ('<answer fraction="100"><text>да</text></answer>\n'
           '<answer fraction="0"><text>не</text></answer>\n')


@pytest.mark.parametrize(("xml", "line", "code"), [
    ('<?xml version="1.0"?>\n<quiz>\n  <question type="truefalse">\n</quiz>\n', 4,
     "xml-syntax"),
    (BOMB, 2, "xml-dtd"),
    ('<?xml version="1.0"?>\n<quiz>\n<question type="ddmarker"><name><text>x</text></name>'
     "</question>\n</quiz>", 3, "unsupported-type"),
    (question('<answer fraction="сто"><text>a</text></answer>\n' + ANSWERS), 6,
     "not-a-number"),
    (question('<answer fraction="50"><text>a</text></answer>\n'
              '<answer fraction="0"><text>b</text></answer>\n'), 3, "no-correct-answer"),
    (question('<answer fraction="100"><text>1</text></answer>\n', "shortanswer"
              ).replace("<text>1</text>", "<text>1</text><feedback><text>x</text>"
                        '<file name="a.png" encoding="base64">@@@не е base64@@@</file>'
                        "</feedback>"), 6, "bad-file"),
    (question("<defaultgrade>две</defaultgrade>\n" + ANSWERS), 6, "not-a-number"),
    (question('<answer fraction="100"><text>пет</text></answer>\n', "numerical"), 6,
     "not-a-number"),
    ('<?xml version="1.0"?>\n<questions/>\n', 2, "not-moodle-xml"),
    ('<?xml version="1.0"?>\n<quiz>\n</quiz>\n', 2, "no-questions"),
])
def test_broken_input_is_reported_at_its_line(xml: str, line: int, code: str) -> None:
    result = read(xml)
    found = [(p.line, p.code) for p in result.problems]
    assert (line, code) in found, found
    assert not result.questions


def test_an_entity_bomb_is_refused_before_any_expansion() -> None:
    result = read(BOMB)
    (problem,) = result.problems
    assert problem.is_error and "DTD" in problem.message and problem.line == 2


def test_a_huge_file_is_refused_unread() -> None:
    result = read(b"<quiz>" + b" " * moodlexml.MAX_XML_BYTES + b"</quiz>")
    assert [(p.line, p.code) for p in result.problems] == [(1, "too-big")]


def test_an_svg_a_huge_image_and_a_sound_are_refused_the_question_kept() -> None:
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')
    big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * MAX_IMAGE_BYTES)
    mp3 = base64.b64encode(b"ID3\x03\x00\x00\x00\x00\x00\x10TCON")
    for data, name, words in ((svg, "a.svg", "SVG"), (big, "a.png", "MB"),
                              (mp3, "a.mp3", "не е картинка")):
        xml = question("<defaultgrade>1</defaultgrade>\n" + ANSWERS).replace(
            "<text>Въпрос?</text>",
            f'<text>&lt;p&gt;Въпрос? &lt;img src="@@PLUGINFILE@@/{name}" alt="схема"&gt;'
            f'&lt;/p&gt;</text><file name="{name}" encoding="base64">{data.decode()}</file>')
        result = read(xml)
        assert [(p.line, p.severity, p.code) for p in result.problems] == [
            (5, "warning", "file-refused")]
        assert words in result.problems[0].message
        assert result.questions[0].text == "Въпрос? схема"  # its description stays
        assert not result.images


def test_a_question_with_an_error_is_left_out_and_the_rest_imported() -> None:
    bad = question('<answer fraction="x"><text>a</text></answer>\n')
    good = question(ANSWERS).split("<quiz>\n", 1)[1]
    result = read(bad.replace("</quiz>\n", good))
    assert len(result.questions) == 1 and result.has_errors


# --- Round trips ----------------------------------------------------------------------------


def load(path: Path) -> Quiz:
    problems: list[Problem] = []
    quiz = parse_quiz(path.relative_to(ROOT).as_posix(), "0" * 16, path.read_text(), problems)
    assert quiz is not None and not problems
    return quiz


def assert_same(before: Question, after: Question) -> None:
    for name in COMPARED:
        assert getattr(after, name) == getattr(before, name), (before.id, name)
    assert (after.ref and after.ref.target) == (before.ref and before.ref.target)


@pytest.mark.parametrize("pool", POOLS, ids=[p.parent.name for p in POOLS])
def test_round_trip_dobro_moodle_dobro_on_every_pool(pool: Path) -> None:
    quiz = load(pool)
    xml, problems = write_moodle_xml(quiz, "Тема", lambda link: None)
    assert {p.code for p in problems} <= {"moodle-ordering"}
    back = read_moodle_xml(xml.encode(), "bank.xml", quiz.id, quiz.topic)
    assert not back.has_errors, back.problems
    assert len(back.questions) == len(quiz.questions)
    for before, after in zip(quiz.questions, back.questions, strict=True):
        assert_same(before, after)
    # … and through the YAML a trainer gets: the loader reads back the same questions.
    text = quiz_yaml(as_quiz(back.questions, quiz.id, quiz.title, "pool", quiz.topic))
    again = parse_quiz(quiz.path, "0" * 16, text, [])
    assert again is not None
    for before, after in zip(quiz.questions, again.questions, strict=True):
        assert_same(before, after)


def test_images_round_trip_byte_identical() -> None:
    text = "Коя схема е вярна? ![Схема на ПИРО](img/piro-shema.png)"
    quiz = replace(load(POOLS[0]), questions=(Question(
        id="q--1", type="true-false", text=text, points=1, answer=True,
        feedback_true="Да ![Малка](img/dop/mini.png)"),))
    files = {"img/piro-shema.png": PNG, "img/dop/mini.png": PNG[:-1] + b"\x83"}
    xml, problems = write_moodle_xml(quiz, "Тема", files.get)
    assert not problems
    assert '<file name="piro-shema.png" path="/img/" encoding="base64">' in xml
    back = read_moodle_xml(xml.encode(), "bank.xml", quiz.id, quiz.topic)
    assert back.questions[0].text == text
    assert back.questions[0].feedback_true == "Да ![Малка](img/dop/mini.png)"
    assert back.images == {f"modules/{quiz.topic}/{k}": v for k, v in files.items()}


def test_export_names_category_idnumber_tags_and_what_moodle_lacks() -> None:
    quiz = load(ROOT / "quizzes/samoupravlenie/samoupravlenie-banka.yaml")
    odd = Question(id="odd", type="single", text="?", points=1, choices=(
        replace(quiz.questions[0].choices[0], weight=100),
        replace(quiz.questions[0].choices[1], weight=37)), pos=(9, 3))
    quiz = replace(quiz, questions=quiz.questions + (odd,))
    xml, problems = write_moodle_xml(quiz, "Успешно местно самоуправление",
                                     lambda link: None)
    assert "<text>$course$/top/Успешно местно самоуправление/Банка въпроси" in xml
    assert "<idnumber>b01</idnumber>" in xml
    assert "<tag><text>dobro-ref:osnovi-na-samoupravlenieto#konstituciya</text></tag>" in xml
    assert '<question type="ordering">' in xml
    found = {(p.line, p.code) for p in problems}
    assert (9, "moodle-grade") in found
    assert any(code == "moodle-ordering" for _, code in found)


def test_an_unknown_ref_tag_is_dropped_when_the_modules_are_known() -> None:
    quiz = load(POOLS[0])
    xml, _ = write_moodle_xml(quiz, "Тема", lambda link: None)
    back = read_moodle_xml(xml.encode(), "bank.xml", quiz.id, quiz.topic, refs=set())
    assert all(q.ref is None for q in back.questions)
    assert {p.code for p in back.problems} == {"unknown-ref"}


def test_the_imported_sample_passes_the_real_dobro_check(tmp_path: Path,
                                                         sample: MoodleImport) -> None:
    root = tmp_path / "course"
    for folder in ("modules", "quizzes"):
        shutil.copytree(ROOT / folder, root / folder)
    quiz = as_quiz(sample.questions, "kvorum", "Кворум (от Moodle)", "pool", "samoupravlenie")
    (root / quiz.path).write_text(quiz_yaml(quiz), encoding="utf-8")
    for rel, data in sample.images.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    course, problems = check(root)
    ours = [p for p in problems if p.path == quiz.path]
    assert not [p for p in problems if p.is_error], problems
    # Only the reminders every new pool gets, and that an image shows as its description.
    assert {p.code for p in ours} <= {"question-markdown", "no-explanation", "no-ref",
                                      "no-reviewed", "unused-quiz"}
    assert any(p.code == "question-markdown" and "картинка" in p.message for p in ours)
    assert any(q.id == "kvorum" and len(q.questions) == 7 for q in course.quizzes)


def test_a_question_with_a_ref_keeps_it_through_the_round_trip() -> None:
    quiz = load(POOLS[0])
    first = quiz.questions[0]
    assert isinstance(first.ref, Ref)
    xml, _ = write_moodle_xml(replace(quiz, questions=(first,)), "Тема", lambda link: None)
    back = read_moodle_xml(xml.encode(), "bank.xml", quiz.id, quiz.topic,
                           refs={first.ref.target})
    assert back.questions[0].ref is not None
    assert back.questions[0].ref.target == first.ref.target


def test_an_image_the_file_does_not_carry_is_its_description_and_said() -> None:
    xml = question("<defaultgrade>1</defaultgrade>\n" + ANSWERS,
                   text='&lt;p&gt;Вижте &lt;img src="https://example.org/a.png" alt="карта"&gt;'
                        "&lt;/p&gt;")
    result = read(xml)
    assert result.questions[0].text == "Вижте карта"
    assert [(p.line, p.code) for p in result.problems] == [(5, "image-missing")]


# --- The commands, as a trainer runs them ---------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the repository's course, safe to write into."""
    course = tmp_path / "course"
    for folder in ("modules", "quizzes"):
        shutil.copytree(ROOT / folder, course / folder)
    return course


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out + err


def test_import_command_writes_the_quiz_and_its_image(root: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "import", "moodle-xml", SAMPLE, "--topic", "samoupravlenie",
                    "--id", "kvorum", "--root", root)
    assert code == 0, out
    assert out.startswith(f"Прочетени 7 въпроса от {SAMPLE} (")
    assert "Категории в Moodle: $course$/top/Общински съвет/Кворум и мнозинства." in out
    assert f"{SAMPLE}:255:3: warning: въпросът „Плъзнете думите“" in out
    assert (root / "modules/samoupravlenie/img/kvorum/shema-1.png").read_bytes() == PNG
    text = (root / "quizzes/samoupravlenie/kvorum.yaml").read_text(encoding="utf-8")
    assert text.startswith("schema: 1\nid: kvorum\ntitle: Кворум и мнозинства\nkind: pool\n")
    code, out = run(capsys, "check", root)
    assert code == 0 and out.splitlines()[-1].startswith("0 грешки, "), out


def test_import_command_with_an_error_writes_nothing(root: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(SAMPLE.read_bytes().replace(b'fraction="-50"', b'fraction="minus"'))
    code, out = run(capsys, "import", "moodle-xml", broken, "--topic", "samoupravlenie",
                    "--root", root)
    assert code == 1
    assert f"{broken}:110:5: error: въпросът „Мотиви към наредба“: тежестта" in out
    assert out.rstrip().endswith("Нищо не е записано.")
    assert not (root / "quizzes/samoupravlenie/broken.yaml").exists()
    assert not (root / "modules/samoupravlenie/img/broken").exists()


def test_an_image_is_not_written_over_a_different_file(root: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    taken = root / "modules/samoupravlenie/img/kvorum/shema-1.png"
    taken.parent.mkdir(parents=True)
    taken.write_bytes(b"\x89PNG\r\n\x1a\nanother picture")
    code, out = run(capsys, "import", "moodle-xml", SAMPLE, "--topic", "samoupravlenie",
                    "--id", "kvorum", "--root", root)
    assert code == 1 and "вече има такъв файл с друго съдържание" in out
    assert taken.read_bytes().endswith(b"another picture")
    code, out = run(capsys, "import", "moodle-xml", SAMPLE, "--topic", "samoupravlenie",
                    "--id", "kvorum", "--root", root, "--force")
    assert code == 0 and taken.read_bytes() == PNG


def test_export_command_and_back_gives_the_same_quiz_and_image(
        root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "import", "moodle-xml", SAMPLE, "--topic", "samoupravlenie", "--id",
               "kvorum", "--root", root)[0] == 0
    out_file = tmp_path / "kvorum.xml"
    code, out = run(capsys, "export", "moodle-xml", "kvorum", root, "--out", out_file)
    assert code == 0 and f"7 въпроса са записани в {out_file}." in out
    xml = out_file.read_text(encoding="utf-8")
    assert "$course$/top/Успешно местно самоуправление/Кворум и мнозинства" in xml
    assert base64.b64encode(PNG).decode() in xml
    code, out = run(capsys, "import", "moodle-xml", out_file, "--topic", "samoupravlenie",
                    "--id", "kvorum-2", "--root", root)
    assert code == 0, out
    first = parse_quiz("a.yaml", "0" * 16, (root / "quizzes/samoupravlenie/kvorum.yaml")
                       .read_text(encoding="utf-8"), [])
    again = parse_quiz("b.yaml", "0" * 16, (root / "quizzes/samoupravlenie/kvorum-2.yaml")
                       .read_text(encoding="utf-8"), [])
    assert first is not None and again is not None
    for before, after in zip(first.questions, again.questions, strict=True):
        assert_same(before, after)  # the image links too: the same file, not a copy
    assert sorted(p.name for p in (root / "modules/samoupravlenie/img").rglob("*.png")) == [
        "shema-1.png"]


def test_export_default_path_and_an_unknown_quiz(root: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "export", "moodle-xml", "resursi-banka", root)
    assert code == 0
    assert (root / "build/publications/resursi-banka.moodle.xml").is_file()
    code, out = run(capsys, "export", "moodle-xml", "resursi-bank", root)
    assert code == 2 and "може би „resursi-banka“" in out


# --- Properties -------------------------------------------------------------------------------

_CHARS = "аб АБ xy<>&\"']]>*_`[]()!@/#\n"
_texts = st.text(alphabet=_CHARS, min_size=1, max_size=14).map(str.strip).filter(
    lambda t: bool(t) and t != "*")


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_any_damaged_file_gives_problems_never_an_exception(at: int, byte: int) -> None:
    data = bytearray(SAMPLE.read_bytes())
    data[at % len(data)] = byte
    result = read(bytes(data))
    lines = data.count(b"\n") + 1
    assert all(1 <= p.line <= lines and p.col >= 1 for p in result.problems)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_texts, _texts), min_size=2, max_size=4, unique_by=lambda c: c[0]),
       _texts, _texts, st.lists(_texts, min_size=1, max_size=3))
def test_any_texts_round_trip(choices: list[tuple[str, str]], text: str, explanation: str,
                              answers: list[str]) -> None:
    single = Question(id="s", type="single", text=text, points=1.5, explanation=explanation,
                      choices=tuple(Choice(t, 100 if i == 0 else 0, f)
                                    for i, (t, f) in enumerate(choices)))
    short = Question(id="t", type="text", text=explanation, points=1,
                     text_answers=tuple(TextAnswer(a.replace("*", "x"), 100) for a in answers),
                     feedback_other=text)
    quiz = replace(load(POOLS[0]), questions=(single, short))
    xml, _ = write_moodle_xml(quiz, "Тема", lambda link: None)
    back = read_moodle_xml(xml.encode(), "bank.xml", quiz.id, quiz.topic)
    assert not back.has_errors, back.problems
    for before, after in zip(quiz.questions, back.questions, strict=True):
        assert_same(before, after)


def test_a_control_character_xml_cannot_hold_is_left_out_of_the_export() -> None:
    q = Question(id="c", type="true-false", text="Вярно\x01?", points=1, answer=True)
    xml, _ = write_moodle_xml(replace(load(POOLS[0]), questions=(q,)), "Тема", lambda link: None)
    assert read(xml).questions[0].text == "Вярно?"
