"""The command line: output format and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.cli import main
from tests.conftest import REPO


def test_check_clean_course_exits_0(minimal: Path, capsys) -> None:
    assert main(["check", str(minimal)]) == 0


def test_check_reports_relative_paths_and_exits_1(minimal: Path, capsys) -> None:
    (minimal / "quizzes/t1/second-check.yaml").write_text("id: [", encoding="utf-8")
    assert main(["check", str(minimal)]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("modules/t1/02-second.md:") or first.startswith("quizzes/t1/")
    assert str(minimal) not in first


def test_usage_errors_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["check", str(tmp_path / "nowhere")]) == 2
    assert main(["frobnicate"]) == 2
    assert main([]) == 2
    assert "не е папка на курс" in capsys.readouterr().err


def test_build_reports_errors_and_keeps_going_without_traceback(minimal: Path, tmp_path: Path,
                                                                capsys) -> None:
    (minimal / "modules/t1/01-first.md").write_bytes(b"\xff\xfe garbage")
    assert main(["build", str(minimal), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "encoding" in out and "непроменена" in out


def test_build_strict_fails_on_warnings(minimal: Path, tmp_path: Path, capsys) -> None:
    module = minimal / "modules/t1/02-second.md"
    module.write_text(module.read_text(encoding="utf-8").replace("minutes: 20\n", ""),
                      encoding="utf-8")
    assert main(["build", str(minimal), "--out", str(tmp_path / "a")]) == 0
    assert main(["build", str(minimal), "--out", str(tmp_path / "b"), "--strict"]) == 1


def test_console_script_runs_as_installed(minimal: Path) -> None:
    dobro = Path(sys.executable).parent / "dobro"
    result = subprocess.run([str(dobro), "check", str(minimal), "--strict"],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONWARNINGS": "error"})
    assert (result.returncode, result.stdout.strip()) == (0, "Няма проблеми."), result.stderr


def test_repository_course_passes_strict_check() -> None:
    result = subprocess.run([sys.executable, "-m", "course", "check", str(REPO), "--strict"],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stdout[-3000:]
