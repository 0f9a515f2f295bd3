"""A learner's checklist per topic: facts from the database, rules from ``course.completion``."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from course.completion import Facts, Requirement, TopicStatus, checklist, requirement
from webapp.content import CompiledCourse
from webapp.models import Attempt, User
from webapp.services import attempts, progress, sessions


def requirements(course: CompiledCourse, audience: str | None) -> list[Requirement]:
    """What each topic of the learner's track asks of them, under the current rules."""
    return [requirement(item.topic.id, item.topic.rule_for(audience),
                        [m.id for m in item.modules], item.required_modules, item.topic.final,
                        item.required)
            for item in progress.track(course, audience)]


def passed_finals(build_dir: Path, course: CompiledCourse,
                  history: list[Attempt]) -> frozenset[str]:
    """The final tests the learner has passed, by each quiz's grading method."""
    passed = set()
    for topic in course.topics:
        tries = [a for a in history if a.quiz_id == topic.final]
        if not topic.final or not tries:
            continue
        try:
            quiz = attempts.load_quiz(build_dir, topic.final)
        except attempts.QuizError:  # the quiz left the course: its passes still stand
            if any(a.passed for a in tries):
                passed.add(topic.final)
            continue
        if attempts.quiz_result(quiz, tries)[1]:
            passed.add(topic.final)
    return frozenset(passed)


def facts(db: Session, user: User, course: CompiledCourse, build_dir: Path) -> Facts:
    """What the learner has done: hours attended, modules studied, finals passed."""
    studied = frozenset(m for m, r in progress.records(db, user).items() if r.studied_at)
    return Facts(sessions.attended_hours(db, user), studied,
                 passed_finals(build_dir, course, progress.user_attempts(db, user)))


def statuses(db: Session, user: User, course: CompiledCourse,
             build_dir: Path) -> list[TopicStatus]:
    """The learner's checklist for every topic of their track."""
    return checklist(requirements(course, user.audience), facts(db, user, course, build_dir))
