"""A topic as a SCORM 1.2 package, for another organisation's LMS (Moodle and the like).

Built on the offline copy (``course.publish.offline``): one SCO per module of the topic —
the module page with its self-check graded in the page — and, when asked, the topic's
final test as one more SCO, also graded in the page. ``scorm.js`` reports each SCO to
the LMS through the SCORM 1.2 API (status, score, reading position, session time).

A page graded in the browser carries its key: the final test's answers are readable by
anyone with the package (Dobro's own final tests are graded on the server and never
send it). A final drawn from a pool is drawn here, once: everyone who takes the package
gets the same questions; a new package draws again only if the pool or the quiz changed.

The package is deterministic, as the offline ZIP: the same course gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree import ElementTree as ET

from course.attempts import draw
from course.build import check
from course.compile import quiz_source
from course.errors import ContentError, UsageError, has_errors
from course.model import Course, Document, Question, Quiz, Topic
from course.publish.common import TEMPLATES, document_html, environment
from course.publish.offline import (
    file_linker,
    glossary_entries,
    package_zip,
    quiz_view,
    static_assets,
)

IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
SHARED = "dobro-shared"  # the resource of the files every SCO uses
MODULE_NOTE = ("Отговорете и натиснете „Провери“. Резултатът се изпраща на системата за "
               "обучение, но самопроверката не е изпит.")
# A link to a module the package leaves out (file_linker's "#"): its words stay, as text.
_UNLINKED = re.compile(r'<a href="#">(.*?)</a>', re.S)
FINAL_NOTE = ("Отговорете на всички въпроси и натиснете „Предай“. Тестът се оценява веднъж; "
              "издържан е при поне {mastery}% от точките.")


@dataclass(frozen=True)
class ScormOptions:
    """What to pack: one topic, for one audience (all modules when empty), with its final?"""

    topic: str
    audience: str = ""
    with_final: bool = False


@dataclass(frozen=True)
class Sco:
    """One item of the package's organization and the file it launches."""

    ident: str
    title: str
    href: str
    mastery: float | None = None


def scorm_zip(root: Path, options: ScormOptions) -> tuple[bytes, int]:
    """Check the course and pack one topic as a SCORM 1.2 package; return the ZIP and its
    file count. Raises ``ContentError`` for a course with errors, ``UsageError`` for an
    unknown topic or audience."""
    course, problems = check(root)
    if has_errors(problems) or course.manifest is None:
        raise ContentError(problems)
    files = scorm_files(course, root, options)
    return package_zip(files), len(files)


def scorm_files(course: Course, root: Path, options: ScormOptions) -> dict[str, bytes]:
    """Every file of the package, by path inside the ZIP."""
    manifest = course.manifest
    assert manifest is not None, "a checked course has a manifest"
    topic = _topic(course, options.topic)
    modules = package_modules(course, topic, options.audience)
    quizzes = {q.id: q for q in course.quizzes}
    shown = {d.id for d in modules}
    linker = file_linker(course, shown)
    env = environment()
    common = {"course_title": manifest.title, "language": manifest.language, "topic": topic,
              "layout": "scorm/base.html.j2"}
    files: dict[str, bytes] = {}
    scos = []
    for doc in modules:
        quiz = quizzes.get(doc.quiz.target) if doc.quiz else None
        view = (quiz_view(quiz, quiz_source(quiz, quizzes)[0])
                if quiz and quiz.kind == "self-check" else None)
        files[f"{doc.id}.html"] = env.get_template("scorm/module.html.j2").render(
            **common, doc=doc, html=_UNLINKED.sub(r"\1", document_html(doc, course, linker)),
            previous=None, next=None, quiz=view, quiz_note=MODULE_NOTE).encode()
        scos.append(Sco(doc.id, doc.title, f"{doc.id}.html"))
    final = final_test(course, topic) if options.with_final else None
    if final is not None:
        quiz, questions = final
        files[f"{quiz.id}.html"] = env.get_template("scorm/final.html.j2").render(
            **common, quiz=quiz_view(quiz, questions), quiz_level=1, submit_label="Предай",
            mastery=_number(quiz.pass_mark),
            quiz_note=FINAL_NOTE.format(mastery=_number(quiz.pass_mark))).encode()
        scos.append(Sco(quiz.id, quiz.title, f"{quiz.id}.html", quiz.pass_mark))
    if any(link.kind == "glossary" for d in modules for link in d.rendered.links):
        files["glossary.html"] = env.get_template("offline/glossary.html.j2").render(
            **common, entries=glossary_entries(course, linker, shown)).encode()
    images = {link.target for d in modules for link in d.rendered.links if link.kind == "image"}
    files |= static_assets(course, root, images)
    files["assets/scorm.js"] = (TEMPLATES / "scorm" / "scorm.js").read_bytes()
    shared = sorted(name for name in files if not any(name == s.href for s in scos))
    files["imsmanifest.xml"] = manifest_xml(f"{manifest.id}-{topic.id}", topic.title,
                                            scos, shared)
    return files


def package_modules(course: Course, topic: Topic, audience: str) -> list[Document]:
    """The topic's modules in its order: all of them, or those an ``audience`` must study.

    A module is for the audiences in its ``audiences`` field, or for all the topic's
    when it has none; a topic only optional for the audience gives every module.
    """
    assert course.manifest is not None
    docs = {d.id: d for d in course.modules}
    modules = [docs[r.target] for r in topic.modules if r.target in docs]
    if not audience:
        return modules
    known = [a.id for a in course.manifest.audiences]
    if audience not in known:
        raise UsageError(f"няма аудитория „{audience}“ (има: {', '.join(known)})")
    if audience in topic.optional_for:
        return modules
    if audience not in topic.audiences:
        raise UsageError(f"темата „{topic.id}“ не е за аудиторията „{audience}“ "
                         f"(тя е за: {', '.join(topic.audiences + topic.optional_for)})")
    return [d for d in modules if audience in (d.audiences or topic.audiences)]


def final_test(course: Course, topic: Topic) -> tuple[Quiz, tuple[Question, ...]]:
    """The topic's final test and its questions; a pool is drawn now, the same every time."""
    quizzes = {q.id: q for q in course.quizzes}
    quiz = quizzes.get(topic.final.target) if topic.final else None
    if quiz is None:
        raise UsageError(f"темата „{topic.id}“ няма заключителен тест (--with-final)")
    questions, version = quiz_source(quiz, quizzes)
    plan = draw(replace(quiz, questions=questions, version=version, shuffle=False), "scorm")
    by_id = {q.id: q for q in questions}
    return quiz, tuple(by_id[d.id] for d in plan.questions)


def manifest_xml(identifier: str, title: str, scos: Sequence[Sco], shared: Sequence[str]) -> bytes:
    """``imsmanifest.xml`` (IMS CP 1.1.2 with ADL SCORM 1.2 extensions): one item per SCO."""
    ET.register_namespace("", IMSCP)
    ET.register_namespace("adlcp", ADLCP)
    root = ET.Element(f"{{{IMSCP}}}manifest", identifier=identifier, version="1.0")
    metadata = ET.SubElement(root, f"{{{IMSCP}}}metadata")
    ET.SubElement(metadata, f"{{{IMSCP}}}schema").text = "ADL SCORM"
    ET.SubElement(metadata, f"{{{IMSCP}}}schemaversion").text = "1.2"
    organizations = ET.SubElement(root, f"{{{IMSCP}}}organizations", default="ORG")
    organization = ET.SubElement(organizations, f"{{{IMSCP}}}organization", identifier="ORG")
    ET.SubElement(organization, f"{{{IMSCP}}}title").text = title
    resources = ET.SubElement(root, f"{{{IMSCP}}}resources")
    for sco in scos:
        item = ET.SubElement(organization, f"{{{IMSCP}}}item", identifier=f"ITEM-{sco.ident}",
                             identifierref=f"RES-{sco.ident}", isvisible="true")
        ET.SubElement(item, f"{{{IMSCP}}}title").text = sco.title
        if sco.mastery is not None:
            ET.SubElement(item, f"{{{ADLCP}}}masteryscore").text = _number(sco.mastery)
        resource = ET.SubElement(resources, f"{{{IMSCP}}}resource", {
            "identifier": f"RES-{sco.ident}", "type": "webcontent",
            f"{{{ADLCP}}}scormtype": "sco", "href": sco.href})
        ET.SubElement(resource, f"{{{IMSCP}}}file", href=sco.href)
        ET.SubElement(resource, f"{{{IMSCP}}}dependency", identifierref=SHARED)
    assets = ET.SubElement(resources, f"{{{IMSCP}}}resource", {
        "identifier": SHARED, "type": "webcontent", f"{{{ADLCP}}}scormtype": "asset"})
    for name in shared:
        ET.SubElement(assets, f"{{{IMSCP}}}file", href=name)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


def _topic(course: Course, topic_id: str) -> Topic:
    assert course.manifest is not None
    topics = course.manifest.topics
    topic = next((t for t in topics if t.id == topic_id), None)
    if topic is None:
        raise UsageError(f"няма тема „{topic_id}“ (има: {', '.join(t.id for t in topics)})")
    return topic


def _number(value: float) -> str:
    return f"{value:g}"
