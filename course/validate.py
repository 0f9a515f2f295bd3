"""Stage 2: the checks that need the whole course — references between files,
ids, the manifest against the files, and whether each quiz can be scored."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from course.errors import Problem, Severity
from course.inline import markdown_faults
from course.model import (
    PER_QUESTION_ITEMS,
    Course,
    Document,
    Question,
    Quiz,
    Ref,
    Rendered,
    term_key,
)
from course.questionfaults import has_feedback, question_faults
from course.unloaded import Unloaded, unloaded
from course.wording import count, did_you_mean
from course.yamlsrc import Pos


@dataclass
class Index:
    """Lookups over a loaded course, built once for all checks."""

    course: Course
    modules: dict[str, Document] = field(default_factory=dict)
    pages: dict[str, Document] = field(default_factory=dict)
    by_path: dict[str, Document] = field(default_factory=dict)
    quizzes: dict[str, Quiz] = field(default_factory=dict)
    terms: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, course: Course) -> Index:
        index = cls(course)
        for doc in course.modules:
            index.modules.setdefault(doc.id, doc)
        for doc in course.pages:
            index.pages.setdefault(doc.id, doc)
        index.by_path = {d.path: d for d in course.modules + course.pages}
        for quiz in course.quizzes:
            index.quizzes.setdefault(quiz.id, quiz)
        for entry in course.glossary:
            index.terms.add(entry.key)
            index.terms.update(term_key(alias) for alias in entry.aliases)
        return index

    def pool_size(self, quiz: Quiz) -> int:
        """How many questions a quiz draws from (its own, or its pool's)."""
        return len(self.drawn_from(quiz))

    def drawn_from(self, quiz: Quiz) -> tuple[Question, ...]:
        """The questions a quiz draws from (its own, or its pool's)."""
        if quiz.pool is None:
            return quiz.questions
        pool = self.quizzes.get(quiz.pool.target)
        return pool.questions if pool else ()


class Checker:
    """Collects problems; each ``check_*`` method adds those of one concern."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.index = Index.build(course)
        self.problems: list[Problem] = []
        self._used: set[str] | None = None
        self._unloaded: Unloaded | None = None

    def add(self, path: str, pos: Pos, message: str, code: str,
            severity: Severity = "error") -> None:
        self.problems.append(Problem(path, pos[0], pos[1], severity, message, code))

    @property
    def unloaded(self) -> Unloaded:
        """The sources that failed to load (looked up only once a reference is missing)."""
        if self._unloaded is None:
            self._unloaded = unloaded(self.course)
        return self._unloaded

    def missing(self, ref: Ref | tuple[str, Pos], target: str, message: str, code: str,
                known: Iterable[str]) -> None:
        """Report a reference to nothing, unless a file that failed to load explains it."""
        if self.unloaded.explains(target):
            return  # that file's own error is the cause; repeating it here only misleads
        path, pos = (ref.path, ref.pos) if isinstance(ref, Ref) else ref
        self.add(path, pos, message + did_you_mean(target, known), code)

    def run(self) -> list[Problem]:
        """Run every check and return the problems found."""
        self.check_ids()
        if self.course.manifest is not None:
            self.check_manifest()
            self.check_specialisms()
        for doc in self.course.modules + self.course.pages:
            self.check_links(doc)
        for doc in self.course.modules:
            self.check_module(doc)
        for quiz in self.course.quizzes:
            self.check_quiz(quiz)
            if quiz.kind == "final":
                self.check_final_key(quiz)
        self.check_glossary()
        self.check_prerequisite_cycles()
        return self.problems

    def check_ids(self) -> None:
        seen: dict[str, tuple[str, Pos]] = {}
        manifest = self.course.manifest
        objects: list[tuple[str, str, Pos]] = (
            [(t.id, manifest.path, t.pos) for t in manifest.topics] if manifest else [])
        objects += [(d.id, d.path, d.pos) for d in self.course.modules + self.course.pages]
        objects += [(q.id, q.path, q.pos) for q in self.course.quizzes]
        objects += [(s.id, s.path, s.pos) for s in self.course.surveys]
        for obj_id, path, pos in objects:
            if not obj_id:
                continue
            if obj_id in seen:
                first_path, first_pos = seen[obj_id]
                self.add(path, pos, f"идентификаторът „{obj_id}“ вече е използван в "
                         f"{first_path}:{first_pos[0]}", "duplicate-id")
            else:
                seen[obj_id] = (path, pos)

    def check_manifest(self) -> None:
        manifest = self.course.manifest
        assert manifest is not None
        audience_ids = {a.id for a in manifest.audiences}
        listed: dict[str, str] = {}
        for topic in manifest.topics:
            for key, audiences in (("audiences", topic.audiences),
                                   ("optional_for", topic.optional_for),
                                   ("completion", topic.completion_by_audience)):
                for audience in audiences:
                    if audience not in audience_ids:
                        self.add(manifest.path, topic.at(key), f"темата „{topic.id}“ споменава "
                                 f"непозната аудитория „{audience}“", "unknown-audience")
            for audience in set(topic.audiences) & set(topic.optional_for):
                self.add(manifest.path, topic.at("optional_for"), f"аудиторията „{audience}“ е "
                         "едновременно в audiences и в optional_for", "audience-twice")
            for ref in topic.modules:
                self._check_topic_module(topic.id, ref, listed)
            self._check_test_ref(topic.pretest, "pre-test")
            self._check_test_ref(topic.final, "final")
            for survey_ref in (topic.session_survey, topic.topic_survey):
                if survey_ref is not None:
                    self._check_survey_ref(topic.id, survey_ref)
            rules = [topic.completion, *topic.completion_by_audience.values()]
            if topic.final is None and any(r.final == "passed" for r in rules):
                self.add(manifest.path, topic.pos, f"правилото за завършване на „{topic.id}“ иска "
                         "успешен заключителен тест, а темата няма „final“", "rule-without-final")
        for doc in self.course.modules:
            if doc.id and doc.id not in listed:
                self.add(doc.path, doc.pos, f"модулът „{doc.id}“ не е включен в нито една тема в "
                         "modules/course.yaml", "unlisted-module")
        pages = [manifest.introduction] if manifest.introduction else []
        for ref in pages + list(manifest.handbook_front_matter):
            if ref.target not in self.index.pages:
                self.missing(ref, ref.target, f"няма страница „{ref.target}“ в modules/pages/",
                             "unknown-page", self.index.pages)

    def check_specialisms(self) -> None:
        """Each audience's specialisms: unique ids, modules and reading that exist (and that
        the audience takes), and modules to study first in an order their prerequisites allow."""
        manifest = self.course.manifest
        assert manifest is not None
        seen: dict[str, Pos] = {}
        for audience in manifest.audiences:
            taken = {t.id for t in manifest.topics
                     if audience.id in t.audiences or audience.id in t.optional_for}
            for specialism in audience.specialisms:
                if specialism.id in seen:
                    self.add(manifest.path, specialism.pos, f"специалността „{specialism.id}“ вече "
                             f"е описана на ред {seen[specialism.id][0]}", "duplicate-specialism")
                seen.setdefault(specialism.id, specialism.pos)
                self._check_first(audience.id, specialism.id, specialism.first, taken)
                for item in specialism.reading:
                    if item.ref is not None:
                        self._check_reading(audience.id, specialism.id, item.ref, taken)

    def _check_first(self, audience: str, specialism: str, first: tuple[Ref, ...],
                     taken: set[str]) -> None:
        order = {ref.target: index for index, ref in reversed(list(enumerate(first)))}
        for index, ref in enumerate(first):
            doc = self.index.modules.get(ref.target)
            if doc is None:
                hint = " (в „first“ се пишат само id на модули, без #раздел)" \
                    if "#" in ref.target else ""
                self.missing(ref, ref.target, f"специалността „{specialism}“: „{ref.target}“ не "
                             f"е модул{hint}", "unknown-module", self.index.modules)
                continue
            if order[ref.target] != index:
                self.add(ref.path, ref.pos, f"специалността „{specialism}“: модулът "
                         f"„{ref.target}“ е повторен в „first“", "duplicate-module", "warning")
            self._taken(audience, f"специалността „{specialism}“", ref, doc, taken)
            for prerequisite in doc.requires:
                if order.get(prerequisite.target, -1) > index:
                    self.add(ref.path, ref.pos, f"специалността „{specialism}“: „{ref.target}“ "
                             f"се отваря едва след „{prerequisite.target}“, а той е по-нататък "
                             "в „first“ — разменете ги", "specialism-order", "warning")

    def _check_reading(self, audience: str, specialism: str, ref: Ref, taken: set[str]) -> None:
        doc_id, _, anchor = ref.target.partition("#")
        doc = self.index.modules.get(doc_id) or self.index.pages.get(doc_id)
        where = f"специалността „{specialism}“, „reading“"
        if doc is None:
            self.missing(ref, doc_id, f"{where}: „{doc_id}“ не е модул или страница",
                         "unknown-reading", [*self.index.modules, *self.index.pages])
            return
        if anchor and anchor not in doc.rendered.anchors:
            self.add(ref.path, ref.pos, f"{where}: няма раздел „#{anchor}“ в „{doc_id}“"
                     + did_you_mean(anchor, doc.rendered.anchors, "„#{}“"), "unknown-anchor")
        if doc.topic:
            self._taken(audience, where, ref, doc, taken)

    def _taken(self, audience: str, where: str, ref: Ref, doc: Document,
               taken: set[str]) -> None:
        """Warn about a module whose topic ``audience`` neither must nor may take."""
        if doc.topic in taken:
            return
        self.add(ref.path, ref.pos, f"{where}: модулът „{doc.id}“ е от темата „{doc.topic}“, "
                 f"която аудиторията „{audience}“ не изучава (не е в нейните audiences или "
                 "optional_for)", "specialism-not-taken", "warning")

    def _check_topic_module(self, topic_id: str, ref: Ref, listed: dict[str, str]) -> None:
        doc = self.index.modules.get(ref.target)
        if doc is None:
            self.missing(ref, ref.target, f"модулът „{ref.target}“ е в списъка, но няма файл с "
                         f"такъв id в modules/{topic_id}/", "missing-module", self.index.modules)
        elif doc.topic != topic_id:
            self.add(ref.path, ref.pos, f"модулът „{ref.target}“ е в папка modules/{doc.topic}/, "
                     f"а е изброен в темата „{topic_id}“", "module-topic")
        if ref.target in listed:
            self.add(ref.path, ref.pos, f"модулът „{ref.target}“ е изброен повече от веднъж",
                     "duplicate-module")
        listed[ref.target] = topic_id

    def _check_test_ref(self, ref: Ref | None, kind: str) -> None:
        if ref is None:
            return
        quiz = self.index.quizzes.get(ref.target)
        if quiz is None:
            self.missing(ref, ref.target, f"няма тест „{ref.target}“ в quizzes/", "unknown-quiz",
                         self.index.quizzes)
        elif quiz.kind != kind:
            self.add(ref.path, ref.pos, f"тестът „{ref.target}“ е от вид {quiz.kind}, а тук се "
                     f"очаква {kind}", "quiz-kind")

    def _check_survey_ref(self, topic_id: str, ref: Ref) -> None:
        surveys = {s.id: s for s in self.course.surveys}
        survey = surveys.get(ref.target)
        if survey is None:
            what = ("е тест, а не анкета (kind: survey)" if ref.target in self.index.quizzes
                    else "не съществува в quizzes/")
            self.missing(ref, ref.target, f"анкетата „{ref.target}“ {what}", "unknown-survey",
                         surveys)
        elif survey.topic != topic_id:
            self.add(ref.path, ref.pos, f"анкетата „{ref.target}“ е в папката на тема "
                     f"„{survey.topic}“, а тук е за тема „{topic_id}“", "survey-topic",
                     "warning")

    def check_module(self, doc: Document) -> None:
        topic = next((t for t in self.course.manifest.topics if t.id == doc.topic), None) \
            if self.course.manifest else None
        if topic is not None:
            allowed = set(topic.audiences) | set(topic.optional_for)
            for audience in doc.audiences:
                if audience not in allowed:
                    self.add(doc.path, doc.at("audiences"), f"аудиторията „{audience}“ не "
                             f"участва в темата „{topic.id}“", "unknown-audience")
        if doc.quiz is None:
            self.add(doc.path, doc.pos, "модулът няма самопроверка („quiz“)", "no-self-check",
                     "warning")
        else:
            self._expect_quiz(doc.quiz, "self-check")
        for ref in doc.requires:
            if ref.target not in self.index.modules:
                self.missing(ref, ref.target, f"предпоставката „{ref.target}“ не е модул",
                             "unknown-module", self.index.modules)
            elif ref.target == doc.id:
                self.add(ref.path, ref.pos, "модулът не може да е предпоставка за себе си",
                         "self-prerequisite")

    def _expect_quiz(self, ref: Ref, kind: str) -> None:
        quiz = self.index.quizzes.get(ref.target)
        if quiz is None:
            self.missing(ref, ref.target, f"няма тест „{ref.target}“ в quizzes/", "unknown-quiz",
                         self.index.quizzes)
        elif quiz.kind != kind:
            self.add(ref.path, ref.pos, f"„{ref.target}“ е от вид {quiz.kind}, а се очаква {kind}",
                     "quiz-kind")

    def check_links(self, doc: Document) -> None:
        self.check_rendered_links(doc.path, doc.rendered, self.course.images)

    def check_rendered_links(self, path: str, rendered: Rendered,
                             images: Collection[str]) -> None:
        """Check the links and images of Markdown rendered from ``path`` (a module, a page,
        or a Bulletin issue, whose images are looked up in ``images``)."""
        anchors = rendered.anchors
        for link in rendered.links:
            pos = (link.line, link.col)
            if link.kind == "anchor":
                if link.anchor not in anchors:
                    self.add(path, pos, f"няма раздел „#{link.anchor}“ в този файл"
                             + did_you_mean(link.anchor, anchors, "„#{}“"), "unknown-anchor")
            elif link.kind == "module":
                self._check_file_link(path, link.target, link.anchor, pos)
            elif link.kind == "glossary":
                if term_key(link.target) not in self.index.terms \
                        and not self.unloaded.any_under("modules/glossary/"):
                    self.add(path, pos, f"терминът „{link.target}“ не е в речника"
                             + did_you_mean(term_key(link.target), self.index.terms),
                             "unknown-term")
            elif link.kind == "image" and link.target not in images:
                self.add(path, pos, missing_image(link.target, images), "missing-image")

    def _check_file_link(self, path: str, target: str, anchor: str, pos: Pos) -> None:
        linked = self.index.by_path.get(target)
        if linked is None:
            self.missing((path, pos), target, f"връзката сочи към „{target}“, който не е "
                         "модул или страница", "broken-link", self.index.by_path)
        elif anchor and anchor not in linked.rendered.anchors:
            self.add(path, pos, f"няма раздел „#{anchor}“ в {target}"
                     + did_you_mean(anchor, linked.rendered.anchors, "„#{}“"), "unknown-anchor")

    def check_quiz(self, quiz: Quiz) -> None:
        if quiz.pool is not None:
            pool = self.index.quizzes.get(quiz.pool.target)
            pools = [q.id for q in self.course.quizzes if q.kind == "pool"]
            if pool is None:
                self.missing(quiz.pool, quiz.pool.target, f"„{quiz.pool.target}“ не е банка с "
                             "въпроси (kind: pool)", "unknown-pool", pools)
            elif pool.kind != "pool":
                self.add(quiz.path, quiz.pool.pos, f"„{quiz.pool.target}“ не е банка с въпроси "
                         "(kind: pool)" + did_you_mean(quiz.pool.target, pools), "unknown-pool")
        size = self.index.pool_size(quiz)
        if quiz.kind != "pool" and quiz.draw > size and (quiz.pool is None or size):
            self.add(quiz.path, quiz.pos, f"тестът тегли {count(quiz.draw, 'въпрос', 'въпроса')}"
                     f", а има само {size}", "draw-too-large")
        if quiz.kind != "pool" and quiz.pool is None and not quiz.questions:
            self.add(quiz.path, quiz.pos, "тестът няма въпроси", "no-questions")
        seen: set[str] = set()
        for question in quiz.questions:
            if question.id in seen:
                self.add(quiz.path, question.pos, f"въпросът „{question.id}“ е повторен",
                         "duplicate-id")
            seen.add(question.id)
            self.check_question(quiz, question)
        for band in quiz.feedback:
            self._check_markdown(quiz.path, quiz.at("feedback"), "тест",
                                 f"обратната връзка от {band.min:g} %", band.text)
        if quiz.id not in self.used_quizzes and not self._users_unloaded():
            self.add(quiz.path, quiz.pos, f"тестът „{quiz.id}“ не се използва никъде",
                     "unused-quiz", "warning")

    def check_final_key(self, final: Quiz) -> None:
        """Warn where a learner can learn the final's key before their last attempt.

        The final's own review while attempts remain, and the review of any other
        quiz with the same questions (the pre-test usually draws from the final's pool).
        """
        early = tuple(i for i in PER_QUESTION_ITEMS if i in final.review.after_submit)
        if early and final.attempts != 1:
            allowed = f"{final.attempts} опита" if final.attempts else "неограничен брой опити"
            self.add(final.path, final.review.pos or final.pos, f"заключителният тест позволява "
                     f"{allowed}, а след всеки опит показва {', '.join(early)} — верните "
                     "отговори се научават преди последния опит; оставете в „after_submit“ "
                     "само „score“, а останалото преместете в „after_close“",
                     "review-reveals-final", "warning")
        for other in self.course.quizzes:
            shown = other.review.per_question(other.attempts) if other.kind != "pool" else ()
            if other is final or not shown:
                continue
            shared = self._shared_questions(final, other)
            if shared is None:
                continue
            self.add(other.path, other.review.pos or other.pos, f"тестът показва "
                     f"{', '.join(shown)} на въпроси от заключителния тест „{final.id}“ "
                     f"({shared}) — участникът научава верните му отговори, преди да е "
                     "изчерпал опитите си; оставете в „review“ само „score“ или дайте на "
                     "теста отделни въпроси", "review-reveals-final", "warning")

    def _shared_questions(self, final: Quiz, other: Quiz) -> str | None:
        """How ``other`` shares questions with ``final``, in words; None if it does not."""
        if final.pool is not None and other.pool is not None \
                and final.pool.target == other.pool.target:
            return f"същата банка „{final.pool.target}“"
        theirs = {_fingerprint(q) for q in self.index.drawn_from(other)}
        common = sum(1 for q in self.index.drawn_from(final) if _fingerprint(q) in theirs)
        return f"общи въпроси: {common}" if common else None

    def _users_unloaded(self) -> bool:
        """Tell whether a file that could use a quiz (a module, course.yaml) failed to load."""
        return self.unloaded.manifest or any(
            p.endswith(".md") or p.startswith("quizzes/") for p in self.unloaded.paths)

    @property
    def used_quizzes(self) -> set[str]:
        """Ids of the quizzes something refers to (modules, pools, topics)."""
        if self._used is None:
            refs = [d.quiz for d in self.course.modules]
            refs += [q.pool for q in self.course.quizzes]
            if self.course.manifest:
                refs += [t.pretest for t in self.course.manifest.topics]
                refs += [t.final for t in self.course.manifest.topics]
            self._used = {r.target for r in refs if r is not None}
        return self._used

    def check_question(self, quiz: Quiz, question: Question) -> None:
        for code, message in question_faults(question):
            self.add(quiz.path, question.pos, f"въпрос „{question.id}“: {message}", code)
        if not question.explanation and not has_feedback(question):
            self.add(quiz.path, question.pos, f"въпрос „{question.id}“ няма обяснение "
                     "(„explanation“) или обратна връзка", "no-explanation", "warning")
        for label, text in question_texts(question):
            self._check_markdown(quiz.path, question.pos, f"въпрос „{question.id}“", label, text)
        if question.ref is None:
            self.add(quiz.path, question.pos, f"въпрос „{question.id}“ няма връзка към раздел "
                     "(„ref: модул#раздел“)", "no-ref", "warning")
        else:
            self._check_ref(question.ref)

    def _check_markdown(self, path: str, pos: Pos, owner: str, label: str, text: str) -> None:
        """Warn when ``text`` holds Markdown that a question cannot show (see course.inline)."""
        faults = markdown_faults(text)
        if faults:
            self.add(path, pos, f"{owner}, {label}: " + "; ".join(faults), "question-markdown",
                     "warning")

    def _check_ref(self, ref: Ref) -> None:
        module_id, _, anchor = ref.target.partition("#")
        doc = self.index.modules.get(module_id)
        if doc is None:
            self.missing(ref, module_id, f"„{module_id}“ не е модул", "unknown-module",
                         self.index.modules)
        elif anchor and anchor not in doc.rendered.anchors:
            self.add(ref.path, ref.pos, f"няма раздел „#{anchor}“ в модула „{module_id}“"
                     + did_you_mean(anchor, doc.rendered.anchors, "„#{}“"), "unknown-anchor")

    def check_glossary(self) -> None:
        seen: dict[str, str] = {}
        for entry in self.course.glossary:
            for key in (entry.key, *(term_key(a) for a in entry.aliases)):
                if key in seen:
                    self.add(entry.path, entry.pos, f"терминът „{key}“ вече е в речника "
                             f"({seen[key]})", "duplicate-term")
                seen.setdefault(key, entry.path)
            for ref in entry.see:
                self._check_ref(ref)

    def check_prerequisite_cycles(self) -> None:
        graph = {d.id: [r.target for r in d.requires] for d in self.course.modules}
        state: dict[str, int] = {}
        for start in graph:
            if _has_cycle(start, graph, state):
                doc = self.index.modules[start]
                self.add(doc.path, doc.pos, f"предпоставките на „{start}“ образуват кръг",
                         "prerequisite-cycle")


def question_texts(question: Question) -> list[tuple[str, str]]:
    """Every text of ``question`` a learner reads, rendered as inline Markdown, with its name.

    Accepted text answers are left out: they are compared with what the learner types,
    never shown as Markdown.
    """
    texts = [("текстът", question.text)]
    for number, choice in enumerate(question.choices, 1):
        texts += [(f"отговор {number}", choice.text),
                  (f"обратната връзка на отговор {number}", choice.feedback)]
    texts += [("feedback_true", question.feedback_true),
              ("feedback_false", question.feedback_false)]
    texts += [(f"обратната връзка на текстов отговор {n}", a.feedback)
              for n, a in enumerate(question.text_answers, 1)]
    texts += [(f"обратната връзка на числов отговор {n}", a.feedback)
              for n, a in enumerate(question.number_answers, 1)]
    texts.append(("feedback_other", question.feedback_other))
    for number, (left, right) in enumerate(question.pairs, 1):
        texts += [(f"двойка {number}, лявата част", left),
                  (f"двойка {number}, дясната част", right)]
    texts += [(f"дистрактор {n}", d) for n, d in enumerate(question.distractors, 1)]
    texts += [(f"елемент {n}", item) for n, item in enumerate(question.items, 1)]
    texts.append(("обяснението", question.explanation))
    return [(label, text) for label, text in texts if text]


def missing_image(target: str, images: Iterable[str]) -> str:
    """Say where a missing image is looked for, and name a close one if there is."""
    folder, _, name = target.rpartition("/")
    return (f"изображението „{name}“ липсва: проверката го търси в папка {folder or '.'}/ — "
            "сложете файла там или поправете пътя в текста" + did_you_mean(target, images))


def _has_cycle(node: str, graph: dict[str, list[str]], state: dict[str, int]) -> bool:
    """Depth-first search; state 1 = on the stack, 2 = done. Reports each cycle once."""
    if state.get(node) == 2:
        return False
    if state.get(node) == 1:
        return True
    state[node] = 1
    found = any(_has_cycle(nxt, graph, state) for nxt in graph.get(node, []) if nxt in graph)
    state[node] = 2
    return found


def _fingerprint(question: Question) -> tuple[object, ...]:
    """What a learner sees of a question, so that a copy under another id still matches.

    Ids alone cannot tell: every pool numbers its questions b01, b02, …
    """
    def norm(text: str) -> str:
        return " ".join(text.lower().split())

    return (question.type, norm(question.text),
            tuple(sorted(norm(c.text) for c in question.choices)),
            tuple(sorted((norm(left), norm(right)) for left, right in question.pairs)),
            tuple(sorted(norm(item) for item in question.items)))


def validate(course: Course) -> list[Problem]:
    """Return every cross-file problem of a loaded course."""
    return Checker(course).run()
