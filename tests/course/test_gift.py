"""course.interop.gift and giftexport: GIFT in and out, by Moodle's rules."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.errors import Problem
from course.interop.gift import read_gift
from course.interop.giftexport import escape, moodle_accepts, write_gift
from course.model import Choice, NumberAnswer, Question, Quiz, Ref, TextAnswer
from course.quizload import parse_quiz

ROOT = Path(__file__).resolve().parents[2]
POOLS = sorted(ROOT.glob("quizzes/*/*-banka.yaml"))


def read(text: str) -> tuple[list[Question], list[str]]:
    result = read_gift(text, "bank.gift")
    return result.questions, [p.format() for p in result.problems]


def one(text: str) -> Question:
    questions, problems = read(text)
    assert problems == []
    assert len(questions) == 1
    return questions[0]


def problem(text: str) -> str:
    questions, problems = read(text)
    assert questions == [] and len(problems) == 1, problems
    return problems[0]


# Moodle's own examples (format.php's docblock and the GIFT documentation) -------------------

def test_moodle_examples() -> None:
    questions, problems = read("""// Moodle's examples
Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}

Grant is {~buried =entombed ~living} in Grant's tomb.

Grant is buried in Grant's tomb.{FALSE}

Who's buried in Grant's tomb?{=no one =nobody}

When was Ulysses S. Grant born?{#1822:5}

Match the following countries with their corresponding capitals.{=Canada->Ottawa
=Italy->Rome =Japan->Tokyo}
""")
    assert problems == []
    assert [q.type for q in questions] == ["single", "single", "true-false", "text", "number",
                                           "match"]
    assert questions[0].choices[2] == Choice("no one", 100)
    assert questions[1].text == "Grant is _____ in Grant's tomb."
    assert questions[2].answer is False
    assert [a.text for a in questions[3].text_answers] == ["no one", "nobody"]
    assert questions[4].number_answers == (NumberAnswer(1817, 1827, 100),)
    assert questions[5].pairs == (("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo"))


# Shaped like Moodle's tests/fixtures (questions.gift.txt, questions_in_category.gift.txt):
# names with spaces after "::", answers indented, " # " around feedback, a format per
# answer, escaped "=" and ":" inside HTML attributes, an empty feedback after "#".
MOODLE_LIKE = """// question: 0  name: switch category to $course$/Default for Нови
$CATEGORY: $course$/Default for Нови

// question: 2  name: Дейности
::Дейности::[html]Свържете <b>дейността</b> с описанието.{
    =[html]Обсъждане по <i>всяко</i> време. -> Форум
    =[moodle]Учителят задава въпрос с избор. -> Избор
    =[plain]Записи, които всеки добавя *сам*. -> База данни
    =[markdown]Страници, които **всеки** редактира. -> Уики
    = -> Чат
}

::Q2:: Кое е между оранжево и зелено?
{
    =жълто # вярно; браво!
    ~червено # [html]<b>не</b>, жълто е
    ~[plain]синьо # не, жълто е
}

::Q5:: Число от 1 до 5? {#3:2~#Съвсем не}

::Поздрав::[html]<a href\\="https\\://example.org/bonjour.mp3">Чуйте поздрава\\:</a><br />Кой език?{
\t~Английски#Слушайте пак.
\t=Френски#Браво!
}

::Потребител::[html]Който ползва Moodle, е ...{
\t=%100%Moodler#
}
"""


def test_moodle_fixture_like_bank() -> None:
    result = read_gift(MOODLE_LIKE, "bank.gift")
    assert result.problems == []
    assert result.categories == ["$course$/Default for Нови"]
    match, single, number, link, short = result.questions
    assert match.text == "Свържете **дейността** с описанието."
    assert match.pairs == (("Обсъждане по *всяко* време.", "Форум"),
                           ("Учителят задава въпрос с избор.", "Избор"),
                           ("Записи, които всеки добавя \\*сам\\*.", "База данни"),
                           ("Страници, които **всеки** редактира.", "Уики"))
    assert match.distractors == ("Чат",)
    assert single.choices == (Choice("жълто", 100, "вярно; браво!"),
                              Choice("червено", 0, "**не**, жълто е"),
                              Choice("синьо", 0, "не, жълто е"))
    assert (number.number_answers, number.feedback_other) == ((NumberAnswer(1, 5, 100),),
                                                             "Съвсем не")
    assert link.id == "pozdrav"
    assert link.text == "[Чуйте поздрава:](https://example.org/bonjour.mp3) Кой език?"
    assert short.text_answers == (TextAnswer("Moodler", 100),)


def test_name_becomes_the_id_cyrillic_transliterated() -> None:
    q = one("::Столица на България::Коя е столицата?{=София ~Пловдив}")
    assert q.id == "stolitsa-na-balgariya"
    assert q.text == "Коя е столицата?"
    assert q.choices[0] == Choice("София", 100)


def test_ids_unique_and_made_from_text_without_name() -> None:
    questions, _ = read("::A::X?{T}\n\n::a!::Y?{F}\n\nКой е кметът?{=Иван ~Петър}")
    assert [q.id for q in questions] == ["a", "a-2", "koy-e-kmetat"]


def test_category_lines_are_kept_for_the_report() -> None:
    result = read_gift("$CATEGORY: $course$/top/Общини\n\nA?{T}\n\n$CATEGORY: tom/x\n", "b")
    assert result.categories == ["$course$/top/Общини", "tom/x"]
    assert len(result.questions) == 1 and not result.problems


@pytest.mark.parametrize(("text", "expected"), [
    ("[markdown]Кой е **кметът**?{T}", "Кой е **кметът**?"),
    ("[html]<p>Кой е <strong>кметът</strong>?</p>{T}", "Кой е **кметът**?"),
    ("[plain]5 * 3 = **15**{T}", "5 \\* 3 = \\*\\*15\\*\\*"),
    ("[moodle]Кой е <b>кметът</b>?{T}", "Кой е **кметът**?"),
    ("Кой е <i>кметът</i>?{T}", "Кой е *кметът*?"),
])
def test_text_formats(text: str, expected: str) -> None:
    assert one(text.replace("=", "\\=")).text == expected


def test_answers_and_feedback_take_the_question_format() -> None:
    q = one("[html]Кое?{=<b>А</b>#<i>Да</i> ~Б}")
    assert q.choices[0] == Choice("**А**", 100, "*Да*")


def test_multiple_choice_with_feedback() -> None:
    q = one("Кое?{\n=Вярно#Браво\n~Грешно#Не\n~Друго\n}")
    assert q.type == "single"
    assert q.choices == (Choice("Вярно", 100, "Браво"), Choice("Грешно", 0, "Не"),
                         Choice("Друго", 0))


def test_weights_make_multiple_answers_negative_too() -> None:
    q = one("Кои?{~%50%А#половин ~%50%Б ~%-100%В ~%-33.33333%Г}")
    assert q.type == "multiple"
    assert [c.weight for c in q.choices] == [50, 50, -100, -33.33333]
    assert q.choices[0].feedback == "половин"


def test_single_choice_with_partial_credit() -> None:
    q = one("Кое?{=А ~%50%Б ~В}")
    assert q.type == "single" and [c.weight for c in q.choices] == [100, 50, 0]


@pytest.mark.parametrize(("answer", "right", "true_fb", "false_fb"), [
    ("T", True, "", ""),
    ("TRUE", True, "", ""),
    ("F", False, "", ""),
    ("FALSE#Грешно#Правилно", False, "Грешно", "Правилно"),
    ("TRUE#Грешно#Правилно", True, "Правилно", "Грешно"),
    ("T##Само при верен", True, "Само при верен", ""),
])
def test_true_false_feedback_per_answer(answer: str, right: bool, true_fb: str,
                                        false_fb: str) -> None:
    q = one(f"Твърдение.{{{answer}}}")
    assert q.type == "true-false" and q.answer is right
    assert (q.feedback_true, q.feedback_false) == (true_fb, false_fb)


def test_short_answer_with_weights_and_other() -> None:
    q = one("Кой?{=НСОРБ =%50%АРО#Почти =%0%*#Помислете пак}")
    assert q.type == "text"
    assert q.text_answers == (TextAnswer("НСОРБ", 100), TextAnswer("АРО", 50, "Почти"))
    assert q.feedback_other == "Помислете пак"


@pytest.mark.parametrize(("answers", "expected"), [
    ("#13", [(13, 13, 100)]),
    ("#1822:5", [(1817, 1827, 100)]),
    ("#3.14..3.15", [(3.14, 3.15, 100)]),
    ("#-5..-1", [(-5, -1, 100)]),
    ("#=13:0 =%50%12:1", [(13, 13, 100), (11, 13, 50)]),
    ("#\n=%100%2e3:0\n=%-25%0", [(2000, 2000, 100), (0, 0, -25)]),
])
def test_numeric_forms(answers: str, expected: list[tuple[float, float, float]]) -> None:
    q = one(f"Колко?{{{answers}}}")
    assert [(a.low, a.high, a.weight) for a in q.number_answers] == expected


def test_numeric_feedback_and_wrong_answer_feedback() -> None:
    q = one("Колко?{#=13#Точно =%50%12#Близо ~#Пребройте пак}")
    assert [a.feedback for a in q.number_answers] == ["Точно", "Близо"]
    assert q.feedback_other == "Пребройте пак"


def test_matching_with_distractors_as_moodle_writes_them() -> None:
    q = one("Свържете.{\n=Кмет -> Изпълнителна власт\n=Съвет -> Решения\n= -> Съд\n}")
    assert q.type == "match"
    assert q.pairs == (("Кмет", "Изпълнителна власт"), ("Съвет", "Решения"))
    assert q.distractors == ("Съд",)


def test_missing_word_shows_the_blank() -> None:
    q = one("Кметът се избира за {=четири ~пет ~три} години.")
    assert q.text == "Кметът се избира за _____ години."
    assert q.type == "single"


def test_general_feedback_is_the_explanation() -> None:
    q = one("[markdown]Кое?{=А ~Б####Защото **А**.}")
    assert q.explanation == "Защото **А**."
    assert len(q.choices) == 2


def test_escapes() -> None:
    q = one("::a\\:b::1 \\= 1\\: \\{x\\} \\~ \\#1{=a\\#b#c\\~d ~e\\=f}")
    assert q.id == "a-b"
    assert q.text == "1 = 1: {x} \\~ #1"  # a plain "~" is Markdown strike-through: escaped
    assert q.choices[0] == Choice("a#b", 100, "c\\~d")
    assert q.choices[1].text == "e=f"


def test_newline_escape_and_multiline_text() -> None:
    q = one("[markdown]Ред едно\\nред две\nи три{T}")
    assert q.text == "Ред едно\nред две\nи три"


def test_comments_are_skipped() -> None:
    questions, problems = read("// начало\n// още\n\n// преди\nВъпрос?{T}\n// след\n")
    assert problems == [] and len(questions) == 1 and questions[0].text == "Въпрос?"


def test_moodle_4_id_and_tag_comments() -> None:
    result = read_gift("// question: 5  name: Q\n// [id:Въпрос-1]\n// [tag:закон] [tag:б]\n"
                       "::Q::Текст?{T}\n\n// [id:x2]\n::R::Още?{F}\n", "bank.gift")
    assert [q.id for q in result.questions] == ["vapros-1", "x2"]
    assert [p.format() for p in result.problems] == [
        "bank.gift:3:1: warning: етикетите ([tag:…]) не се пренасят: в Dobro въпросите "
        "нямат етикети [gift-tags]"]


def test_dobro_comments_keep_points_ref_and_shuffle() -> None:
    q = one("// [points:2.5]\n// [ref:modul#razdel]\n// [shuffle:false]\n::q::Т?{=а ~б}")
    assert q.points == 2.5 and q.ref is not None and q.ref.target == "modul#razdel"
    assert q.shuffle is False


def test_cyrillic_throughout() -> None:
    q = one("::Въпрос::Кой град е столица?{=София#Да, София. ~Варна#Не.####Столицата е София.}")
    assert (q.id, q.choices[0].feedback, q.explanation) == ("vapros", "Да, София.",
                                                           "Столицата е София.")


def test_essay_and_description_are_warned_the_rest_imported() -> None:
    questions, problems = read("Опишете бюджета.{}\n\nСамо текст за четене.\n\n"
                               "::ok::Вярно?{T}\n\nЕсе с обратна връзка{####Благодарим}\n")
    assert [q.id for q in questions] == ["ok"]
    assert problems == [
        "bank.gift:1:1: warning: есе (празни „{}“) — в Dobro няма такъв вид въпрос; "
        "пропуснато [gift-essay]",
        "bank.gift:3:1: warning: описание (текст без „{…}“) — в Dobro няма такъв вид "
        "въпрос; пропуснато [gift-description]",
        "bank.gift:7:1: warning: есе (празни „{}“) — в Dobro няма такъв вид въпрос; "
        "пропуснато [gift-essay]",
    ]


# Broken input: each at its line and column ---------------------------------------------------

@pytest.mark.parametrize(("text", "where", "code"), [
    ("::a::Текст {=да ~не", "1:12", "gift-brace"),
    ("Текст } и {=да}", "1:7", "gift-brace"),
    ("Текст =да}", "1:10", "gift-brace"),
    ("А {=да ~не} и {=x}", "1:15", "gift-brace"),
    ("::без край Текст{T}", "1:1", "gift-name"),
    ("Кое?{\n~%abc%А\n=Б}", "2:2", "bad-weight"),
    ("Кое?{\n~%150%А\n=Б}", "2:2", "bad-weight"),
    ("Кое?{=%50%А ~Б}", "1:7", "bad-weight"),
    ("Колко?{#\n=13\n=1x3}", "3:2", "bad-number"),
    ("Колко?{#3,14}", "1:9", "bad-number"),
    ("Колко?{#5..1}", "1:9", "bad-range"),
    ("Колко?{#5:-1}", "1:9", "bad-number"),
    ("Колко?{#}", "1:7", "gift-empty"),
    ("Кое?{=А ~}", "1:9", "gift-empty"),
    ("Кое?{~А}", "1:5", "few-choices"),
    ("Кой?{=}", "1:6", "gift-empty"),
    ("Свържете.{=А -> 1 = -> 2}", "1:10", "few-pairs"),
    ("Свържете.{=А -> 1 =Б}", "1:19", "gift-match"),
    ("Кое?{текст ~А =Б}", "1:6", "gift-answer"),
    ("// [points:0]\nКое?{=А ~Б}", "1:1", "bad-value"),
    ("::без-текст::{T}", "1:1", "gift-empty"),
])
def test_broken_input_at_line_and_column(text: str, where: str, code: str) -> None:
    found = [p for p in read_gift(text, "bank.gift").problems if p.is_error]
    assert len(found) == 1, [p.format() for p in found]
    assert f"bank.gift:{where}: error: " in found[0].format()
    assert found[0].code == code


def test_broken_messages_are_bulgarian() -> None:
    assert "„{“ не е затворена с „}“" in problem("Текст {=да ~не")
    assert "не е число (десетичната запетая се пише с точка)" in problem("Колко?{#3,14}")


def test_duplicate_name_and_id() -> None:
    result = read_gift("::Q::А?{T}\n\n::Q::Б?{F}\n\n// [id:x]\nВ?{T}\n\n// [id:x]\nГ?{T}\n",
                       "b.gift")
    assert [p.format() for p in result.problems] == [
        "b.gift:3:3: error: името „Q“ вече е използвано на ред 1 [duplicate-name]",
        "b.gift:8:1: error: „[id:x]“ вече е използвано на ред 5 [duplicate-id]",
    ]
    assert len(result.questions) == 2


def test_a_broken_question_does_not_stop_the_rest() -> None:
    questions, problems = read("Едно?{T}\n\nДве {=а\n\nТри?{F}\n")
    assert [q.text for q in questions] == ["Едно?", "Три?"]
    assert problems == ["bank.gift:3:5: error: „{“ не е затворена с „}“ (ако е част от "
                        "текста, напишете „\\{“) [gift-brace]"]


def test_unscorable_question_is_an_error_like_dobro_check() -> None:
    questions, problems = read("Кои?{~%30%А ~%30%Б ~В}")
    assert len(questions) == 1
    assert problems == ["bank.gift:1:1: error: въпрос „koi“: верните отговори не дават пълен "
                        "брой точки (теглата им трябва да са общо 100) [no-full-marks]"]


# Export ---------------------------------------------------------------------------------

def load_pool(path: Path) -> Quiz:
    problems: list[Problem] = []
    quiz = parse_quiz(path.relative_to(ROOT).as_posix(), "0" * 64,
                      path.read_text(encoding="utf-8"), problems)
    assert quiz is not None
    return quiz


def plain(q: Question) -> Question:
    return dataclasses.replace(q, pos=(0, 0), ref=q.ref and Ref(q.ref.target, "", (0, 0)))


@pytest.mark.parametrize("path", POOLS, ids=lambda p: p.name)
def test_round_trip_dobro_gift_dobro(path: Path) -> None:
    quiz = load_pool(path)
    text, problems = write_gift(quiz)
    back = read_gift(text, "x.gift")
    assert back.problems == []
    kept = [plain(q) for q in quiz.questions if q.type != "order"]
    assert [plain(q) for q in back.questions] == kept  # points, weights, feedback included
    ordering = [q for q in quiz.questions if q.type == "order"]
    assert ordering, "every pool has ordering questions: they must be reported"
    reported = {p.message.split("“")[0] + "“" for p in problems if p.code == "gift-unsupported"}
    assert reported == {f"въпрос „{q.id}“" for q in ordering}
    for q in ordering:
        assert f"// Dobro: въпросът „{q.id}“ (подреждане) не може да се запише в GIFT" in text


def test_pools_exist() -> None:
    assert len(POOLS) == 4


def make_quiz(*questions: Question) -> Quiz:
    return Quiz(id="t", title="Т", kind="pool", path="quizzes/t/t.yaml", topic="t", version="",
                questions=questions)


def test_export_reports_points_and_weights_moodle_refuses() -> None:
    q = Question(id="a", type="multiple", text="Кои?", points=2, pos=(7, 3),
                 choices=(Choice("А", 45), Choice("Б", 55), Choice("В", -100)))
    text, problems = write_gift(make_quiz(q))
    assert "// [points:2]" in text and "~%45%А" in text and "~%-100%В" in text
    assert [(p.line, p.code) for p in problems] == [(7, "gift-points"), (7, "gift-weight"),
                                                    (7, "gift-weight")]
    assert all(p.severity == "warning" and p.path == "quizzes/t/t.yaml" for p in problems)


def test_export_layout_is_moodles() -> None:
    q = Question(id="b", type="true-false", text="Т: {x} = #1 ~ \\", points=1, answer=True,
                 feedback_false="Не", explanation="Да.")
    text, problems = write_gift(make_quiz(q))
    assert problems == []
    assert ("// [id:b]\n::b::[markdown]Т\\: \\{x\\} \\= \\#1 \\~ \\\\{\n\tTRUE#Не\n\t####Да.\n}"
            in text)
    assert "$CATEGORY: $course$/top/t\n" in text
    assert one(text.split("\n\n", 2)[2]) == dataclasses.replace(q, pos=(2, 1))


def test_escape_and_moodle_grades() -> None:
    assert escape("a:b#c=d~e{f}g\\h\ni") == "a\\:b\\#c\\=d\\~e\\{f\\}g\\\\h\\ni"
    assert moodle_accepts(100) and moodle_accepts(-33.33333) and moodle_accepts(12.5)
    assert not moodle_accepts(45) and not moodle_accepts(101)


def test_export_of_every_type_reads_back() -> None:
    questions = (
        Question(id="s", type="single", text="С?", points=1,
                 choices=(Choice("а", 100, "да"), Choice("б", 50), Choice("в", 0, "не"))),
        Question(id="t", type="text", text="Т?", points=1, feedback_other="друго",
                 text_answers=(TextAnswer("x", 100), TextAnswer("y", 50, "почти"))),
        Question(id="n", type="number", text="Ч?", points=3, feedback_other="не",
                 number_answers=(NumberAnswer(3.14, 3.15, 100, "да"),
                                 NumberAnswer(2, 4, 50))),
        Question(id="m", type="match", text="М?", points=1, shuffle=False,
                 pairs=(("а", "1"), ("б", "2")), distractors=("3",)),
    )
    text, _ = write_gift(make_quiz(*questions))
    assert "3.14..3.15" in text and "=%50%3:1" in text and "= -> 3" in text
    back = read_gift(text, "x").questions
    assert [plain(q) for q in back] == [plain(q) for q in questions]


def test_a_star_in_a_short_answer_is_moodles_wildcard() -> None:
    questions, problems = read("Колко е 5 по 3?{=5\\*3 е 15 =%50%15*}")
    assert [a.text for a in questions[0].text_answers] == ["5*3 е 15", "15*"]
    assert problems == ["bank.gift:1:28: warning: „*“ в „15*“: в Moodle е заместващ знак, "
                        "Dobro сравнява отговора буквално [gift-wildcard]"]
    q = Question(id="z", type="text", text="Т?", points=1, text_answers=(TextAnswer("5*3", 100),))
    text, _ = write_gift(make_quiz(q))
    assert "=%100%5\\\\*3\n" in text
    assert read_gift(text, "x").questions[0].text_answers == (TextAnswer("5*3", 100),)


# Properties -----------------------------------------------------------------------------

_CHARS = "аб АБ xy{}=~#:\\*[]%->_/\n"
_texts = st.text(alphabet=_CHARS, min_size=1, max_size=12).map(str.strip).filter(
    lambda t: bool(t) and not t.startswith("//") and t != "*")
_weights = st.sampled_from([100.0, 50.0, 0.0, -50.0, 33.333333333333336, -100.0])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_CHARS + "TF\t", max_size=80))
def test_any_text_gives_problems_never_an_exception(text: str) -> None:
    result = read_gift(text, "f")
    lines = max(1, len(text.splitlines()))
    assert all(1 <= p.line <= lines and p.col >= 1 for p in result.problems)


def _one_line(answer: str) -> str:
    """A short answer GIFT can hold: "->" would make Moodle read a matching question (the
    export leaves such a question out and says so: test_export_leaves_out_an_arrow_answer)."""
    return answer.replace("\n", " ").replace("->", "- >")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_texts, _weights, _texts), min_size=2, max_size=4,
                unique_by=lambda c: c[0]),
       _texts, st.lists(st.tuples(_texts, _weights), min_size=1, max_size=3))
def test_any_question_round_trips(choices: list[tuple[str, float, str]], text: str,
                                  answers: list[tuple[str, float]]) -> None:
    choice_q = Question(id="c", type="multiple", text=text, points=1,
                        choices=tuple(Choice(t, w, f) for t, w, f in choices))
    text_q = Question(id="t", type="text", text=text, points=2, explanation=text,
                      text_answers=tuple(TextAnswer(_one_line(t), w) for t, w in answers))
    gift, _ = write_gift(make_quiz(choice_q, text_q))
    back = read_gift(gift, "x")
    assert [plain(q) for q in back.questions] == [plain(choice_q), plain(text_q)]


def test_export_leaves_out_an_arrow_answer() -> None:
    q = Question(id="r", type="text", text="Посока?", points=1, pos=(3, 3),
                 text_answers=(TextAnswer("А -> Б", 100),))
    text, problems = write_gift(make_quiz(q))
    assert [(p.line, p.code) for p in problems] == [(3, "gift-unsupported")]
    assert "„->“" in problems[0].message and "::r::" not in text
    assert read_gift(text, "x").questions == []
