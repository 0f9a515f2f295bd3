"""Drawing attempts and the learner's view of a question."""

from __future__ import annotations

import json
from dataclasses import asdict

from course.attempts import Drawn, draw, public_question, to_display, to_source
from course.grading import correct_response, grade
from tests.course.builders import make_question, make_quiz


def test_draw_is_reproducible_and_draws_the_requested_count() -> None:
    quiz = make_quiz(draw=4)
    first, again = draw(quiz, 42), draw(quiz, 42)
    assert first == again
    assert len(first.questions) == 4
    assert len({d.id for d in first.questions}) == 4


def test_different_seeds_and_versions_give_different_attempts() -> None:
    quiz = make_quiz()
    plans = {tuple(d.id for d in draw(quiz, seed).questions) for seed in range(20)}
    assert len(plans) > 1
    other = make_quiz(version="v2")
    assert any(draw(quiz, s) != draw(other, s) for s in range(5))


def test_without_shuffle_the_source_order_is_kept() -> None:
    quiz = make_quiz(shuffle=False, shuffle_choices=False)
    plan = draw(quiz, 1)
    assert [d.id for d in plan.questions] == [q.id for q in quiz.questions]
    single = plan.questions[0]
    assert single.order == (0, 1)


def test_order_questions_never_start_in_the_right_order() -> None:
    quiz = make_quiz(questions=(make_question("order"),), shuffle_choices=False)
    for seed in range(30):
        assert draw(quiz, seed).questions[0].order != (0, 1, 2)


def test_public_question_carries_no_answer_key() -> None:
    quiz = make_quiz()
    plan = draw(quiz, 7)
    for drawn, question in zip(plan.questions, (quiz.questions[[q.id for q in quiz.questions]
                                                                .index(d.id)]
                                                for d in plan.questions), strict=True):
        view = json.dumps(public_question(question, drawn), ensure_ascii=False)
        for forbidden in ("weight", "correct", "feedback", "explanation", "answer", "ref",
                          "Не е така", "Защото", "общински съвет"):
            assert forbidden not in view, (question.type, forbidden)


def test_match_options_are_shown_shuffled_and_map_back() -> None:
    question = make_question("match")
    drawn = Drawn(question.id, (2, 0, 1))
    view = public_question(question, drawn)
    assert view["options"] == ["концесии", "поръчки", "собственост"]
    display = {0: 1, 1: 2}  # the learner picks "поръчки" for ЗОП, "собственост" for ЗОС
    assert grade(question, to_source(question, drawn, display)).state == "correct"


def test_display_and_source_round_trip() -> None:
    for type_ in ("single", "multiple", "match", "order", "text"):
        question = make_question(type_)
        count = {"single": 2, "multiple": 3, "match": 3, "order": 3}.get(type_, 0)
        drawn = Drawn(question.id, tuple(reversed(range(count))))
        response = correct_response(question)
        assert to_source(question, drawn, to_display(question, drawn, response)) == response


def test_to_source_drops_out_of_range_positions() -> None:
    question = make_question("multiple")
    drawn = Drawn(question.id, (2, 1, 0))
    assert to_source(question, drawn, [0, 5, -1, "x"]) == {2}
    assert to_source(make_question("single"), Drawn("q", (1, 0)), 9) is None
    assert asdict(drawn)["order"] == (2, 1, 0)
