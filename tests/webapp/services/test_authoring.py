"""The authoring service without the web: file bytes, the baseline, drafts, the catalogue."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from sqlmodel import Session, select

from course.build import build
from tests.conftest import copy_course
from webapp.models import SourceVersion, User
from webapp.services import authoring
from webapp.services.authoring import Paths

MODULE = "modules/osnovi/01-obshtinata.md"


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    root = copy_course("webapp-mini", tmp_path)
    build(root, root / "build", jobs=1)
    return Paths(root, root / "build", tmp_path / "instance" / "authoring.lock")


@pytest.mark.parametrize(("like", "text", "expected"), [
    (b"a\nb\n", "a\r\nb\r\nc", b"a\nb\nc"),
    (b"a\r\nb\r\n", "a\nb\nc", b"a\r\nb\r\nc"),
    (codecs.BOM_UTF8 + b"a\n", "\u0430\n", codecs.BOM_UTF8 + "\u0430\n".encode()),
    (b"", "x\ry", b"x\ny"),
])
def test_encode_keeps_the_files_newlines_and_bom(like: bytes, text: str, expected: bytes) -> None:
    assert authoring.encode(text, like) == expected
    assert authoring.decode(expected) == text.replace("\r\n", "\n").replace("\r", "\n")


def test_encode_refuses_more_than_the_limit() -> None:
    with pytest.raises(authoring.TooLarge):
        authoring.encode("x" * (authoring.MAX_BYTES + 1))


@pytest.mark.parametrize("rel", ["../x.md", "/etc/passwd", "modules/osnovi", "build/course.json",
                                 "modules/osnovi/img/shema.png",
                                 "modules//osnovi/01-obshtinata.md"])
def test_only_listed_sources_resolve(paths: Paths, rel: str) -> None:
    with pytest.raises(authoring.UnknownSource):
        authoring.resolve(paths.root, rel)


def test_the_catalogue_groups_by_topic(paths: Paths) -> None:
    sources, topics = authoring.catalogue(paths)
    groups = list(dict.fromkeys(s.group for s in sources))
    assert groups == ["course", "osnovi", "pages", "glossary"]
    osnovi = [s for s in sources if s.group == "osnovi"]
    assert [s.kind for s in osnovi][:2] == ["module", "module"] and osnovi[-1].kind == "quiz"
    assert topics["osnovi"] and osnovi[0].title == "Общината"


def test_the_first_save_keeps_the_repository_text_once(db: Session, paths: Paths,
                                                       learner: User) -> None:
    file = paths.root / MODULE
    original = file.read_bytes()
    for line in ("Първи.", "Втори."):
        before = file.read_bytes()
        outcome = authoring.save(db, paths, MODULE, before.decode() + line + "\n",
                                 authoring.digest(before), learner)
        assert outcome.written
    rows = db.exec(select(SourceVersion).order_by(SourceVersion.id)).all()  # type: ignore[arg-type]
    assert [r.status for r in rows] == ["baseline", "saved", "saved"]
    assert rows[0].content == original.decode() and rows[0].author_id is None


def test_a_file_changed_outside_gets_a_new_baseline(db: Session, paths: Paths,
                                                    learner: User) -> None:
    file = paths.root / MODULE
    before = file.read_bytes()
    authoring.save(db, paths, MODULE, before.decode() + "Първи.\n", authoring.digest(before),
                   learner)
    file.write_bytes(file.read_bytes() + "От git.\n".encode())  # a git pull
    outside = file.read_bytes()
    authoring.save(db, paths, MODULE, outside.decode() + "Втори.\n", authoring.digest(outside),
                   learner)
    statuses = [r.status for r in db.exec(select(SourceVersion)
                                          .order_by(SourceVersion.id)).all()]  # type: ignore[arg-type]
    assert statuses == ["baseline", "saved", "baseline", "saved"]


def test_a_rejected_text_sent_twice_is_kept_once(db: Session, paths: Paths,
                                                 learner: User) -> None:
    before = (paths.root / MODULE).read_bytes()
    broken = "---\nбез край\n"
    for _ in range(2):
        outcome = authoring.save(db, paths, MODULE, broken, authoring.digest(before), learner)
        assert not outcome.written and not outcome.result.ok
    assert len(db.exec(select(SourceVersion)).all()) == 1
    assert (paths.root / MODULE).read_bytes() == before


def test_the_written_file_keeps_its_permissions(paths: Paths) -> None:
    file = paths.root / MODULE
    file.chmod(0o640)
    authoring.write_atomically(file, b"new")
    assert file.read_bytes() == b"new" and file.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in file.parent.iterdir() if p.name.endswith(".tmp")] == []
