"""``check`` with candidate texts standing in for source files (web authoring)."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.build import build, check

MODULE = "modules/t1/01-first.md"


def test_an_override_is_checked_instead_of_the_file(minimal: Path) -> None:
    on_disk = (minimal / MODULE).read_bytes()
    broken = on_disk.replace(b"---", b"", 1)
    _, problems = check(minimal, overrides={MODULE: broken})
    assert any(p.path == MODULE and p.code == "front-matter" for p in problems)
    assert (minimal / MODULE).read_bytes() == on_disk
    assert check(minimal)[1] == check(minimal, overrides={MODULE: on_disk})[1]


def test_an_override_changes_what_other_files_see(minimal: Path) -> None:
    text = (minimal / MODULE).read_text(encoding="utf-8")
    renamed = text.replace("id: first", "id: erste", 1)
    assert renamed != text
    _, problems = check(minimal, overrides={MODULE: renamed.encode()})
    assert any(p.path == "modules/course.yaml" for p in problems if p.is_error)


def test_the_manifest_can_be_overridden(minimal: Path) -> None:
    _, problems = check(minimal, overrides={"modules/course.yaml": b"schema: [\n"})
    assert any(p.path == "modules/course.yaml" and p.is_error for p in problems)


@pytest.mark.parametrize("with_build", [False, True])
def test_the_build_cache_gives_the_same_answer(minimal: Path, tmp_path: Path,
                                               with_build: bool) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    candidate = (minimal / MODULE).read_bytes() + b"\n[broken](nowhere.md)\n"
    course, problems = check(minimal, overrides={MODULE: candidate},
                             build_dir=out if with_build else None)
    assert any(p.path == MODULE and p.is_error for p in problems)
    assert any(d.path == MODULE for d in course.modules)
