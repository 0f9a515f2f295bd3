"""``dobro build``: the compiled course, version hashes and incremental rebuilds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from course.build import build, check
from course.errors import ContentError
from course.serial import quiz_from_dict
from course.urls import UrlScheme


def read(out: Path, rel: str) -> dict:
    return json.loads((out / rel).read_text(encoding="utf-8"))


def test_build_writes_the_compiled_course(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build(minimal, out, jobs=1)
    course = read(out, "course.json")
    assert [t["id"] for t in course["topics"]] == ["t1"]
    assert course["topics"][0]["completion_by_audience"]["councillors"]["attended_hours"] == 4
    assert course["modules"]["second"]["audiences"] == ["councillors"]
    assert course["modules"]["first"]["audiences"] == ["employees", "councillors"]
    assert set(course["quizzes"]) == {"first-check", "second-check", "t1-pre", "t1-final"}
    html = (out / "modules/first.html").read_text(encoding="utf-8")
    assert 'href="/learn/second#budget"' in html
    assert 'href="/glossary#общински-съвет"' in html
    image = next((out / "assets").iterdir())
    assert f'src="/course/assets/{image.name}"' in html
    outputs = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".dobro-")]
    assert result.written == len(outputs)  # every output, not the cache or the stamp


def test_compiled_quiz_round_trips_and_carries_its_pool(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    final = quiz_from_dict(read(out, "quizzes/t1-final.json"))
    assert [q.id for q in final.questions] == ["b1", "b2", "b3", "b4"]
    assert (final.draw, final.pass_mark, final.attempts, final.time_limit) == (3, 70, 3, 30)
    check = quiz_from_dict(read(out, "quizzes/first-check.json"))
    assert {q.type for q in check.questions} == {"single", "multiple", "true-false", "text",
                                                 "number", "match", "order"}


def test_versions_change_only_with_content(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    before = read(out, "course.json")
    module = minimal / "modules/t1/02-second.md"
    module.write_text(module.read_text(encoding="utf-8") + "\nНов абзац.\n", encoding="utf-8")
    pool = minimal / "quizzes/t1/t1-pool.yaml"
    pool.write_text(pool.read_text(encoding="utf-8").replace("Да.", "Да, така е."),
                    encoding="utf-8")
    build(minimal, out, jobs=1)
    after = read(out, "course.json")
    assert after["modules"]["second"]["version"] != before["modules"]["second"]["version"]
    assert after["modules"]["first"]["version"] == before["modules"]["first"]["version"]
    assert after["quizzes"]["t1-final"]["version"] != before["quizzes"]["t1-final"]["version"]
    assert after["quizzes"]["first-check"]["version"] == before["quizzes"]["first-check"]["version"]


def test_image_change_changes_the_module_version(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    before = read(out, "course.json")["modules"]["first"]["version"]
    (minimal / "modules/t1/img/diagram.png").write_bytes(b"\x89PNG other")
    build(minimal, out, jobs=1)
    assert read(out, "course.json")["modules"]["first"]["version"] != before


def test_no_change_rebuild_reuses_everything_and_writes_nothing(minimal: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(minimal, out, jobs=1)
    again = build(minimal, out, jobs=1)
    assert again.written == 0
    assert again.reused == len(first.course.modules) + len(first.course.pages) + len(
        first.course.quizzes) + 1  # + the glossary file


def test_one_change_rebuilds_one_file(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    page = minimal / "modules/pages/intro.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nОще.\n", encoding="utf-8")
    result = build(minimal, out, jobs=1)
    assert result.written == 3  # the page, course.json (its version) and search.json


def test_errors_leave_the_previous_build_untouched(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (minimal / "modules/t1/02-second.md").write_text("без заглавна част", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        build(minimal, out, jobs=1)
    assert any(p.code == "front-matter" for p in caught.value.problems)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_removed_module_output_is_deleted(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    manifest = minimal / "modules/course.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "introduction: intro\n", ""), encoding="utf-8")
    (minimal / "modules/course.yaml").write_text(manifest.read_text(encoding="utf-8").replace(
        "front_matter: [intro]", "front_matter: []"), encoding="utf-8")
    (minimal / "modules/pages/intro.md").unlink()
    build(minimal, out, jobs=1)
    assert not (out / "pages/intro.html").exists()


def test_corrupt_cache_is_ignored(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".dobro-cache.pickle").write_bytes(b"not a pickle")
    assert build(minimal, out, jobs=1).course.modules


def test_parallel_build_matches_serial(minimal: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("course.load.PARALLEL_THRESHOLD", 1)
    build(minimal, tmp_path / "serial", jobs=1)
    build(minimal, tmp_path / "parallel", jobs=2)
    for path in (tmp_path / "serial").rglob("*.html"):
        twin = tmp_path / "parallel" / path.relative_to(tmp_path / "serial")
        assert twin.read_bytes() == path.read_bytes()


def test_unchanged_sources_skip_loading_entirely(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    again = build(minimal, out, jobs=1)
    assert again.course is None and again.written == 0 and again.modules == 2
    (out / "modules/first.html").unlink()  # a damaged output forces a real rebuild
    repaired = build(minimal, out, jobs=1)
    assert repaired.course is not None and (out / "modules/first.html").is_file()


def test_warnings_survive_the_unchanged_shortcut(minimal: Path, tmp_path: Path) -> None:
    module = minimal / "modules/t1/02-second.md"
    module.write_text(module.read_text(encoding="utf-8").replace("minutes: 20\n", ""),
                      encoding="utf-8")
    out = tmp_path / "out"
    first = build(minimal, out, jobs=1)
    again = build(minimal, out, jobs=1)
    assert again.course is None
    assert [p.code for p in again.problems] == [p.code for p in first.problems] == ["no-minutes"]
    with pytest.raises(ContentError):  # strict is part of the stamp: warnings now block
        build(minimal, out, jobs=1, strict=True)


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and not p.name.startswith(".dobro-")}


@pytest.mark.parametrize(("source", "old", "new"), [
    ("modules/t1/02-second.md", "minutes: 20\n", "minutes: 25\n"),  # a module's front matter
    ("modules/t1/02-second.md", "\n## ", "\nНов абзац.\n\n## "),  # a module's body
    ("modules/t1/01-first.md", "title: ", "title: Ново "),  # a title other modules show
    ("quizzes/t1/t1-pool.yaml", "Да.", "Да, така е."),  # a pool another quiz draws from
    ("quizzes/t1/first-check.yaml", "title: ", "title: Нов "),  # a quiz
    ("modules/course.yaml", "title: ", "title: Нов "),  # the manifest
    ("modules/glossary/terms.yaml", "definition: ", "definition: Ново "),  # the glossary
])
def test_incremental_build_is_byte_identical_to_a_full_build(
        minimal: Path, tmp_path: Path, source: str, old: str, new: str) -> None:
    incremental, full = tmp_path / "incremental", tmp_path / "full"
    build(minimal, incremental, jobs=1)
    path = minimal / source
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = build(minimal, incremental, jobs=1)
    assert result.written >= 1
    build(minimal, full, jobs=1)
    assert _outputs(incremental) == _outputs(full)


def test_a_renamed_link_target_remakes_the_modules_that_link_to_it(minimal: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    scheme = UrlScheme(module="/m/{id}")
    build(minimal, out, jobs=1, scheme=scheme)  # every link's URL changes, no source does
    assert 'href="/m/second#budget"' in (out / "modules/first.html").read_text(encoding="utf-8")
    build(minimal, tmp_path / "full", jobs=1, scheme=scheme)
    assert _outputs(out) == _outputs(tmp_path / "full")


def test_successive_edits_stay_byte_identical_to_a_full_build(minimal: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    base = (out / ".dobro-cache.pickle").read_bytes()
    edits = ["modules/t1/02-second.md", "quizzes/t1/t1-pool.yaml", "modules/t1/02-second.md",
             "modules/pages/intro.md", "modules/t1/01-first.md"]
    for n, source in enumerate(edits):
        path = minimal / source
        path.write_text(path.read_text(encoding="utf-8") + f"\n# edit {n}\n", encoding="utf-8")
        build(minimal, out, jobs=1)
        full = tmp_path / f"full-{n}"
        build(minimal, full, jobs=1)
        assert _outputs(out) == _outputs(full), source
        if n == 0:  # one file of ten: only the delta is written, not the whole cache
            assert (out / ".dobro-cache-delta.pickle").is_file()
            assert (out / ".dobro-cache.pickle").read_bytes() == base


def test_an_edit_that_keeps_size_and_time_is_still_seen(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    module = minimal / "modules/t1/02-second.md"
    module.touch()  # saved just before the build
    build(minimal, out, jobs=1)
    before = module.stat()
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("## Бюджетът", "## Бюджатът"), encoding="utf-8")
    os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))  # saved again in the same tick
    assert module.stat().st_size == before.st_size
    build(minimal, out, jobs=1)
    assert "Бюджатът" in (out / "modules/second.html").read_text(encoding="utf-8")


def test_documents_from_the_cache_equal_freshly_loaded_ones(minimal: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    page = minimal / "modules/pages/intro.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nОще.\n", encoding="utf-8")
    build(minimal, out, jobs=1)  # a delta next to the base: both are read below
    cached, _ = check(minimal, jobs=1, build_dir=out)
    fresh, _ = check(minimal, jobs=1)
    assert cached.modules == fresh.modules and cached.pages == fresh.pages
    assert [d.rendered.html for d in cached.modules] == [d.rendered.html for d in fresh.modules]
    assert "Бюджетът" in cached.modules[1].rendered.text
    assert "Още." in cached.pages[0].rendered.html


def test_course_json_is_canonical_json_after_reusing_module_entries(minimal: Path,
                                                                   tmp_path: Path) -> None:
    """course.json splices cached module entries: the result is still the one JSON text."""
    out = tmp_path / "out"
    build(minimal, out, jobs=1)
    module = minimal / "modules/t1/02-second.md"
    module.write_text(module.read_text(encoding="utf-8").replace("minutes: 20\n",
                                                                 "minutes: 25\n"),
                      encoding="utf-8")
    build(minimal, out, jobs=1)
    data = (out / "course.json").read_bytes()
    course = json.loads(data)
    assert data == json.dumps(course, ensure_ascii=False, separators=(",", ":")).encode()
    assert list(course)[list(course).index("modules") + 1] == "pages"
    assert course["modules"]["second"]["minutes"] == 25
    assert set(course["modules"]) == {"first", "second"}
