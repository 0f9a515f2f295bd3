"""The typed course model: what the loader produces and everything else reads.

Every object is frozen; positions (``Pos``) are kept where a later stage needs
to point at the source (references between files are checked after loading).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Literal

from course.surveymodel import Survey
from course.yamlsrc import Pos

QuizKind = Literal["self-check", "pre-test", "final", "pool"]
Grading = Literal["highest", "last", "first", "average"]
ModulesRule = Literal["required", "all", "none"]
FinalRule = Literal["passed", "none"]

QUIZ_KINDS: tuple[QuizKind, ...] = ("self-check", "pre-test", "final", "pool")
GRADING_METHODS: tuple[Grading, ...] = ("highest", "last", "first", "average")
REVIEW_ITEMS = ("score", "correctness", "feedback", "explanation", "answers")
# The review items that say something about single questions (and so about the key).
PER_QUESTION_ITEMS = ("correctness", "feedback", "explanation", "answers")


@dataclass(frozen=True)
class Ref:
    """A reference to another object in the course, and where it was written."""

    target: str
    path: str
    pos: Pos


@dataclass(frozen=True)
class Reading:
    """One piece of a specialism's extra reading: a module or page (``ref``, optionally
    ``id#anchor``), or a web address with the title to show for it."""

    ref: Ref | None = None
    title: str = ""
    url: str = ""


@dataclass(frozen=True)
class Specialism:
    """A line of work within an audience (lawyers among the municipal employees …) and
    the modules its people should study first, in order."""

    id: str
    title: str
    description: str = ""
    first: tuple[Ref, ...] = ()
    reading: tuple[Reading, ...] = ()
    pos: Pos = (1, 1)
    positions: dict[str, Pos] = field(default_factory=dict)  # where each key's value stands

    def at(self, key: str) -> Pos:
        """Where the value of ``key`` was written (the specialism's start if unknown)."""
        return self.positions.get(key, self.pos)


@dataclass(frozen=True)
class Audience:
    id: str
    title: str
    specialisms: tuple[Specialism, ...] = ()


@dataclass(frozen=True)
class CompletionRule:
    """What a learner must do to complete a topic (for one audience)."""

    attended_hours: float = 0
    modules: ModulesRule = "required"
    final: FinalRule = "passed"


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    audiences: tuple[str, ...]
    optional_for: tuple[str, ...]
    in_person_hours: float
    online_hours: float
    modules: tuple[Ref, ...]
    pretest: Ref | None
    final: Ref | None
    completion: CompletionRule
    completion_by_audience: dict[str, CompletionRule] = field(default_factory=dict)
    pos: Pos = (1, 1)
    positions: dict[str, Pos] = field(default_factory=dict)  # where each key's value stands
    # ``surveys`` in course.yaml: the evaluation after each in-person session, and the topic's.
    session_survey: Ref | None = None
    topic_survey: Ref | None = None

    def at(self, key: str) -> Pos:
        """Where the value of ``key`` was written (the topic's start if unknown)."""
        return self.positions.get(key, self.pos)

    def rule_for(self, audience: str) -> CompletionRule:
        """The completion rule that applies to ``audience``."""
        return self.completion_by_audience.get(audience, self.completion)


@dataclass(frozen=True)
class Manifest:
    """``modules/course.yaml``."""

    id: str
    title: str
    language: str
    audiences: tuple[Audience, ...]
    topics: tuple[Topic, ...]
    introduction: Ref | None = None
    handbook_title: str = ""
    handbook_front_matter: tuple[Ref, ...] = ()
    path: str = "modules/course.yaml"
    fresh_months: int = 12  # how long a file's ``reviewed`` date stays fresh
    funders: str = ""  # who funds the programme: printed on the Handbook and sign-in sheets


@dataclass(frozen=True)
class Link:
    """A link or image found in Markdown, before it is resolved."""

    kind: Literal["module", "anchor", "glossary", "image", "external"]
    target: str  # a path relative to the repository, a term, or a URL
    anchor: str
    line: int
    col: int


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str
    line: int


@dataclass(frozen=True)
class Rendered:
    """Markdown rendered to HTML with its outline; links are still placeholders."""

    html: str
    headings: tuple[Heading, ...]
    links: tuple[Link, ...]
    text: str  # plain text, for the search index and word counts
    problems: tuple[tuple[int, int, str, str, str], ...] = ()  # line, col, severity, msg, code

    @cached_property  # validation asks for every link and question; computed once
    def anchors(self) -> frozenset[str]:
        return frozenset(h.anchor for h in self.headings)


@dataclass(frozen=True)
class Document:
    """A Markdown file (a module or a page): front matter plus rendered body."""

    id: str
    title: str
    path: str  # relative to the course root, with forward slashes
    topic: str  # the topic directory, "" for pages
    rendered: Rendered
    version: str
    minutes: int = 0
    audiences: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()
    quiz: Ref | None = None
    requires: tuple[Ref, ...] = ()
    reviewed: date | None = None  # when an author last checked its facts
    review_by: date | None = None  # when a fact it states is known to expire
    pos: Pos = (1, 1)
    positions: dict[str, Pos] = field(default_factory=dict)  # front matter key → position

    def at(self, key: str) -> Pos:
        """Where the front matter value of ``key`` was written."""
        return self.positions.get(key, self.pos)


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    definition: str
    aliases: tuple[str, ...]
    see: tuple[Ref, ...]
    path: str
    pos: Pos

    @property
    def key(self) -> str:
        return term_key(self.term)


def term_key(term: str) -> str:
    """The id of a glossary term: lower case, hyphens for spaces."""
    return "-".join(term.lower().split())


@dataclass(frozen=True)
class Choice:
    text: str
    weight: float  # percent of the question's points, may be negative
    feedback: str = ""


@dataclass(frozen=True)
class TextAnswer:
    text: str
    weight: float
    feedback: str = ""


@dataclass(frozen=True)
class NumberAnswer:
    low: float
    high: float
    weight: float
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    """One question of any type; the fields a type does not use stay empty."""

    id: str
    type: str
    text: str
    points: float
    explanation: str = ""
    ref: Ref | None = None
    choices: tuple[Choice, ...] = ()
    answer: bool | None = None  # true-false
    feedback_true: str = ""
    feedback_false: str = ""
    text_answers: tuple[TextAnswer, ...] = ()
    number_answers: tuple[NumberAnswer, ...] = ()
    feedback_other: str = ""
    pairs: tuple[tuple[str, str], ...] = ()
    distractors: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    shuffle: bool = True
    pos: Pos = (1, 1)


@dataclass(frozen=True)
class Review:
    """What a learner sees of a finished attempt.

    ``after_submit`` while the learner may still start another attempt;
    ``after_close`` once they have no attempt left (and none open).
    """

    after_submit: tuple[str, ...]
    after_close: tuple[str, ...]
    pos: Pos | None = None  # where ``review:`` was written; None when the defaults apply

    def items(self, allowed: int, taken: int, any_open: bool) -> tuple[str, ...]:
        """What a learner who took ``taken`` of ``allowed`` attempts (0: unlimited) sees now."""
        over = allowed > 0 and taken >= allowed and not any_open
        return self.after_close if over else self.after_submit

    def per_question(self, allowed: int) -> tuple[str, ...]:
        """The per-question items a learner can ever see under ``allowed`` attempts.

        With one attempt ``after_submit`` is never seen (its only review comes with
        no attempt left); with unlimited attempts ``after_close`` never comes.
        """
        seen = (self.after_submit if allowed != 1 else ()) + (
            self.after_close if allowed != 0 else ())
        return tuple(i for i in PER_QUESTION_ITEMS if i in seen)


@dataclass(frozen=True)
class FeedbackBand:
    min: float
    text: str


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    kind: QuizKind
    path: str
    topic: str
    version: str
    questions: tuple[Question, ...]
    pass_mark: float = 0
    attempts: int = 0
    grading: Grading = "highest"
    time_limit: int = 0  # minutes, 0 = none
    draw: int = 0  # 0 = all questions
    shuffle: bool = True
    shuffle_choices: bool = True
    pool: Ref | None = None
    review: Review = Review(("score",), ("score",))
    feedback: tuple[FeedbackBand, ...] = ()
    reviewed: date | None = None  # as on a module
    review_by: date | None = None
    pos: Pos = (1, 1)
    positions: dict[str, Pos] = field(default_factory=dict)  # top-level key → position

    def at(self, key: str) -> Pos:
        """Where the value of ``key`` was written (the quiz's start if unknown)."""
        return self.positions.get(key, self.pos)


@dataclass(frozen=True)
class Course:
    """Everything the loader found; ``problems`` holds every fault met on the way."""

    root: str
    manifest: Manifest | None
    modules: tuple[Document, ...]
    pages: tuple[Document, ...]
    quizzes: tuple[Quiz, ...]
    glossary: tuple[GlossaryEntry, ...]
    images: dict[str, str]  # path → sha256 of the file
    surveys: tuple[Survey, ...] = ()
