"""Measure save-to-reload: ``dobro serve --reload`` against ``mkdocs serve``, same file.

What it measures
----------------
A copy of a course (default: this repository's own) is served by the real
``dobro serve --reload`` process, with the demo accounts (``dobro demo``); a tiny
mkdocs project whose only page is the same module's Markdown file is served by
``mkdocs serve`` (its live reload on). Headless Chromium (Debian's, through
Playwright) opens the module page in each; then, ``--repeat`` times and
interleaved, the script appends a new sentence to the file on disk and times,
with ``time.perf_counter``, from just before the write until the open page shows
the sentence, having reloaded by itself. It prints each tool's median and spread
and their ratio. Both tools run on the same machine in the same run, so the ratio
moves less with the machine's load than the seconds do.

Usage::

    .venv/bin/python bench/reload.py [--repeat 7] [--course PATH] [--module modules/…/x.md]

The browser test ``tests/browser/test_live_reload.py`` uses the same helpers and
asserts only loosely on the time; the figures come from here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOBRO, MKDOCS = BIN / "dobro", BIN / "mkdocs"
CHROMIUM = os.environ.get("DOBRO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LEARNER, PASSWORD = "demo-slujitel", "rodopi-demo-2027"  # from ``dobro demo``
START_TIMEOUT = 60.0
MKDOCS_YML = "site_name: Reload\nuse_directory_urls: false\n"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once ``url`` answers; fail with the server's log if it exits or never does."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


@contextmanager
def running(command: list[str], env: dict[str, str], cwd: Path, url: str) -> Iterator[str]:
    """Run a server until the block ends; yield ``url`` once it answers."""
    log = cwd / f"{Path(command[0]).name}-{command[1]}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def dobro_env(course: Path, instance: Path) -> dict[str, str]:
    """The environment of a ``dobro`` process on ``course``, without this shell's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOBRO_")}
    env.update(DOBRO_CONTENT=str(course), DOBRO_INSTANCE=str(instance))
    return env


@contextmanager
def dobro_serve(course: Path, workdir: Path, port: int | None = None) -> Iterator[str]:
    """``dobro serve --reload`` on ``course``, with the demo accounts; yield its base URL."""
    env = dobro_env(course, workdir / "instance")
    subprocess.run([str(DOBRO), "demo"], env=env, cwd=workdir, check=True,
                   capture_output=True)
    port = port or free_port()
    command = [str(DOBRO), "serve", "--reload", "--port", str(port)]
    with running(command, env, workdir, f"http://127.0.0.1:{port}/healthz"):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def mkdocs_serve(markdown: Path, workdir: Path) -> Iterator[tuple[str, Path]]:
    """``mkdocs serve`` on a one-page project made of ``markdown``; yield its URL and page file."""
    project = workdir / "mkdocs"
    (project / "docs").mkdir(parents=True)
    (project / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    page = project / "docs" / "index.md"
    shutil.copyfile(markdown, page)
    port = free_port()
    command = [str(MKDOCS), "serve", "-q", "-a", f"127.0.0.1:{port}"]
    with running(command, dict(os.environ), project, f"http://127.0.0.1:{port}/"):
        yield f"http://127.0.0.1:{port}/", page


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Потребителско име").fill(LEARNER)
    page.get_by_label("Парола").fill(PASSWORD)
    page.get_by_role("button", name="Вход").click()
    page.wait_for_load_state()


def save_to_reload(page: Any, source: Path, word: str, timeout: float = 10.0) -> float:
    """Append a sentence with ``word`` to ``source``; seconds until the open page shows it.

    The page must reload by itself: nothing here navigates it.
    """
    text = source.read_text(encoding="utf-8")
    started = time.perf_counter()
    source.write_text(f"{text.rstrip()}\n\nПроверка {word}.\n", encoding="utf-8")
    page.get_by_text(f"Проверка {word}.").wait_for(timeout=timeout * 1000)
    return time.perf_counter() - started


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, as the browser tests start it."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])


def copy_course(source: Path, target: Path) -> Path:
    """The course's sources (``modules/``, ``quizzes/``) copied to ``target``."""
    for folder in ("modules", "quizzes"):
        shutil.copytree(source / folder, target / folder)
    return target


def module_id(path: Path) -> str:
    """The ``id`` in a module's front matter."""
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith("id:"):
            return line.split(":", 1)[1].strip()
    raise ValueError(f"{path} has no id")


def measure(browser: Any, course: Path, module: str, repeat: int,
            workdir: Path) -> tuple[list[float], list[float]]:
    """Times (seconds) from save to reloaded page for dobro and for mkdocs, interleaved."""
    source = course / module
    dobro_times: list[float] = []
    mkdocs_times: list[float] = []
    with dobro_serve(course, workdir) as base, \
            mkdocs_serve(source, workdir) as (mkdocs_url, mkdocs_page):
        context = browser.new_context(locale="bg-BG")
        dobro_tab, mkdocs_tab = context.new_page(), context.new_page()
        sign_in(dobro_tab, base)
        dobro_tab.goto(f"{base}/learn/{module_id(source)}")
        mkdocs_tab.goto(mkdocs_url)
        for n in range(repeat):
            # The tab being measured is brought to the front: dobro's pages listen only
            # while visible, as a person editing beside the browser sees them.
            dobro_tab.bring_to_front()
            dobro_times.append(save_to_reload(dobro_tab, source, f"d{n}x{time.time_ns()}"))
            mkdocs_tab.bring_to_front()
            mkdocs_times.append(save_to_reload(mkdocs_tab, mkdocs_page, f"m{n}x{time.time_ns()}"))
            time.sleep(0.5)  # let both servers settle before the next save
        context.close()
    return dobro_times, mkdocs_times


def summary(name: str, times: list[float]) -> str:
    return (f"  {name:26}{statistics.median(times):7.2f} s   "
            f"{min(times):5.2f} – {max(times):<5.2f}  ({len(times)} saves)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="saves per tool (default 7)")
    parser.add_argument("--course", type=Path, default=REPO,
                        help="the course to copy and serve (default: this repository's)")
    parser.add_argument("--module", default="modules/samoupravlenie/"
                        "01-osnovi-na-samoupravlenieto.md",
                        help="the module file to edit, relative to the course")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be positive")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="dobro-reload-") as tmp:
        workdir = Path(tmp)
        course = copy_course(args.course, workdir / "course")
        if not (course / args.module).is_file():
            parser.error(f"no module {args.module} in {args.course}")
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                dobro_times, mkdocs_times = measure(browser, course, args.module, args.repeat,
                                                    workdir)
            finally:
                browser.close()
    dobro, mkdocs = statistics.median(dobro_times), statistics.median(mkdocs_times)
    print(f"save to reloaded page, {args.module} (median, min – max):")
    print(summary("dobro serve --reload", dobro_times))
    print(summary("mkdocs serve", mkdocs_times))
    print(f"  {'dobro / mkdocs':26}{dobro / mkdocs:7.2f}    goal: dobro under 1 s "
          f"({'PASS' if dobro < 1 else 'FAIL'})")
    print(f"  (load average: {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs)")
    return 0 if dobro < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
