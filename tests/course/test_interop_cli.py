"""``dobro import gift`` and ``dobro export gift``, run as a trainer runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course.build import check
from course.cli import main
from course.interop.gift import read_gift

ROOT = Path(__file__).resolve().parents[2]

BANK = """// Банка от Moodle
$CATEGORY: $course$/top/По подразбиране/Бюджет

::Бюджет 1::Кой приема бюджета на общината?{
=Общинският съвет#Да.
~Кметът#Кметът го внася.
####Съветът приема бюджета с решение.
}

// [id:tf-1]
// [tag:бюджет]
::Вярно::Кметът внася проекта на бюджета.{TRUE#Не, внася го кметът.#Точно.}

::Данъци::Кои са местни данъци?{~%50%Данък върху недвижимите имоти
~%50%Туристически данък ~%-100%ДДС}

::Срок::Бюджетът се приема до {=31 декември ~1 март} на годината.

::Брой::Колко общини има в България?{#265}

::Кратко::Кой орган приема бюджета?{=общинският съвет =%50%съветът#Почти.}

::Свържи::Свържете.{=Кмет -> Изпълнителна власт =Съвет -> Решения = -> Съд}

::Есе::Опишете бюджетния процес.{}
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the repository's course, safe to write into."""
    course = tmp_path / "course"
    for folder in ("modules", "quizzes"):
        shutil.copytree(ROOT / folder, course / folder)
    return course


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    path = tmp_path / "budzhet.gift.txt"
    path.write_text(BANK, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_writes_a_quiz_the_real_checker_accepts(root: Path, bank: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "import", "gift", bank, "--topic", "resursi", "--root", root)
    assert code == 0, out
    written = root / "quizzes/resursi/budzhet-gift.yaml"
    assert f"Записано в {written}" in out
    assert out.startswith(f"Прочетени 7 въпроса от {bank} (1 за съпоставяне, 1 с няколко верни "
                          "отговора, 1 с число, 2 с един верен отговор, 1 с кратък текстов "
                          "отговор, 1 вярно/невярно).\nКатегории в Moodle: $course$/top/По "
                          "подразбиране/Бюджет.\n")
    assert f"{bank}:25:1: warning: есе" in out
    assert f"{bank}:11:1: warning: етикетите" in out
    text = written.read_text(encoding="utf-8")
    assert text.startswith("schema: 1\nid: budzhet-gift\ntitle: Бюджет\nkind: pool\n")
    assert "- id: byudzhet-1\n" in text and "- id: tf-1\n" in text
    course, problems = check(root)
    assert [p.format() for p in problems if p.is_error] == []
    ours = {p.code for p in problems if p.path == "quizzes/resursi/budzhet-gift.yaml"}
    assert ours <= {"no-ref", "no-reviewed", "unused-quiz", "no-explanation"}
    quiz = next(q for q in course.quizzes if q.id == "budzhet-gift")
    assert [q.type for q in quiz.questions] == ["single", "true-false", "multiple", "single",
                                                "number", "text", "match"]


def test_import_with_id_kind_title_and_out(root: Path, bank: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "elsewhere" / "moy.yaml"
    code, out, _ = run(capsys, "import", "gift", bank, "--topic", "resursi", "--root", root,
                       "--id", "budzhet-proverka", "--kind", "self-check", "--title",
                       "Самопроверка – бюджет", "--out", out_file)
    assert code == 0, out
    text = out_file.read_text(encoding="utf-8")
    assert text.startswith("schema: 1\nid: budzhet-proverka\ntitle: Самопроверка – бюджет\n"
                           "kind: self-check\npass_mark: 0\nattempts: 0\nquestions:\n")
    assert not (root / "quizzes/resursi/budzhet-gift.yaml").exists()


def test_import_refuses_to_overwrite_without_force(root: Path, bank: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    target = root / "quizzes/resursi/resursi-banka.yaml"
    before = target.read_bytes()
    code, _, err = run(capsys, "import", "gift", bank, "--topic", "resursi", "--root", root,
                       "--id", "resursi-banka")
    assert code == 2 and "вече съществува" in err and "--force" in err
    assert target.read_bytes() == before
    code, _, _ = run(capsys, "import", "gift", bank, "--topic", "resursi", "--root", root,
                     "--id", "resursi-banka", "--force")
    assert code == 0 and target.read_bytes() != before


def test_import_of_a_missing_file(root: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import", "gift", tmp_path / "nyama.txt", "--topic", "resursi",
                       "--root", root)
    assert code == 2 and "nyama.txt: няма такъв файл" in err


def test_import_of_a_file_not_in_utf8(root: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ansi.txt"
    path.write_bytes("::В::Вярно ли е?{T}\n".encode("cp1251"))
    code, out, _ = run(capsys, "import", "gift", path, "--topic", "resursi", "--root", root)
    assert code == 1
    assert f"{path}:1:3: error: файлът не е в кодировка UTF-8" in out
    assert "Windows-1251" in out and "Нищо не е записано." in out
    assert not (root / "quizzes/resursi/ansi.yaml").exists()


def test_import_of_a_file_over_the_size_limit(root: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "golyam.txt"
    path.write_bytes(("Вярно?{T}\n\n" * 400_000).encode()[:5 * 2**20])
    code, out, _ = run(capsys, "import", "gift", path, "--topic", "resursi", "--root", root)
    assert code == 1
    assert f"{path}:1:1: error: файлът е твърде голям (5.0 MB; най-много 4 MB)" in out
    assert not (root / "quizzes/resursi/golyam.yaml").exists()


def test_import_errors_exit_1_and_write_nothing(root: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.txt"
    path.write_text("Добро?{T}\n\n::Лошо::Колко?{#3,5}\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "gift", path, "--topic", "resursi", "--root", root)
    assert code == 1
    assert (f"{path}:3:17: error: „3,5“ не е число (десетичната запетая се пише с точка) "
            "[bad-number]") in out
    assert "1 грешка, 0 предупреждения\nНищо не е записано." in out
    assert not (root / "quizzes/resursi/broken.yaml").exists()


def test_import_into_an_unknown_topic(root: Path, bank: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import", "gift", bank, "--topic", "resurs", "--root", root)
    assert code == 2 and "няма тема „resurs“" in err and "resursi" in err


def test_a_ref_the_course_does_not_have_is_dropped(root: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "refs.txt"
    path.write_text("// [ref:obshtinskiyat-byudzhet]\n::a::Вярно?{T}\n\n"
                    "// [ref:nyama-takav#razdel]\n::b::Невярно?{F}\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "gift", path, "--topic", "resursi", "--root", root)
    assert code == 0, out
    assert f"{path}:4:1: warning: „nyama-takav#razdel“ не е модул или раздел" in out
    text = (root / "quizzes/resursi/refs.yaml").read_text(encoding="utf-8")
    assert "ref: obshtinskiyat-byudzhet\n" in text and "nyama-takav" not in text
    assert not [p for p in check(root)[1] if p.is_error]


def test_export_writes_gift_and_names_what_it_cannot(root: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "evropa.gift.txt"
    code, out, _ = run(capsys, "export", "gift", "evropa-banka", root, "--out", out_file)
    assert code == 0, out
    assert ("quizzes/evropa/evropa-banka.yaml:259:3: warning: въпрос „b18“: подреждане няма "
            "съответствие в GIFT — въпросът не е записан [gift-unsupported]") in out
    assert f"46 въпроса са записани в {out_file}." in out
    back = read_gift(out_file.read_text(encoding="utf-8"), "x")
    assert len(back.questions) == 46 and back.problems == []


def test_export_then_import_gives_the_same_pool(root: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    gift = tmp_path / "strategia.txt"
    assert run(capsys, "export", "gift", "strategia-banka", root, "--out", gift)[0] == 0
    code, out, _ = run(capsys, "import", "gift", gift, "--topic", "strategia", "--root", root,
                       "--id", "strategia-obratno")
    assert code == 0, out
    course, problems = check(root)
    assert not [p for p in problems if p.is_error]
    quizzes = {q.id: q for q in course.quizzes}
    before = [q for q in quizzes["strategia-banka"].questions if q.type != "order"]
    after = quizzes["strategia-obratno"].questions
    assert [(q.id, q.type, q.points, q.ref and q.ref.target) for q in after] == [
        (q.id, q.type, q.points, q.ref and q.ref.target) for q in before]


def test_export_default_path_and_a_final_gives_its_pool(root: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    code, out, _ = run(capsys, "export", "gift", "evropa-final", root)
    assert code == 0, out
    written = root / "build/publications/evropa-banka.gift.txt"
    assert "::b01::" in written.read_text(encoding="utf-8")


def test_export_of_an_unknown_quiz(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "export", "gift", "evropa-bank", root)
    assert code == 2 and "няма тест „evropa-bank“" in err and "evropa-banka" in err


def test_groups_without_a_format_print_their_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import"]) == 2
    assert "gift" in capsys.readouterr().err
    assert main(["export"]) == 2
    err = capsys.readouterr().err
    assert "gift" in err and "offline" in err
