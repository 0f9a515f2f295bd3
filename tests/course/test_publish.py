"""Publications read as a reader would: the Handbook PDF, the Bulletin, the offline ZIP."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from course.cli import main
from course.publish.bulletin import bulletin_html, bulletin_pdf, load_bulletins
from course.publish.handbook import HandbookOptions, handbook_html, handbook_pdf, load
from course.publish.offline import offline_files
from tests.conftest import FIXTURES, REPO

pypdf = pytest.importorskip("pypdf")
MINIMAL = FIXTURES / "courses" / "minimal"


def pages_text(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def toc_entries(pages: list[str], titles: list[str]) -> dict[str, int]:
    """The page number printed after each title on the contents page."""
    toc = next(text for text in pages if text.startswith("Съдържание"))
    found = {}
    for title in titles:
        match = re.search(re.escape(title) + r"[ .]*?(\d+)", toc)
        assert match, f"{title} is not in the table of contents"
        found[title] = int(match.group(1))
    return found


@pytest.fixture(scope="module")
def real_handbook() -> tuple[bytes, list[str]]:
    course, laws, _ = load(REPO)
    pdf = handbook_pdf(course, REPO, laws, HandbookOptions())
    return pdf, pages_text(pdf)


def test_real_handbook_reads_as_a_book(real_handbook: tuple[bytes, list[str]]) -> None:
    pdf, pages = real_handbook
    assert len(pages) > 100
    text = " ".join(pages)
    for title in ("Наръчник на доброто местно самоуправление", "Предговор", "Речник",
                  "Показалец на правните позовавания", "Общинският бюджет – от проекта до отчета",
                  "Закон за местното самоуправление и местната администрация (ЗМСМА)"):
        assert title in text
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4


def test_contents_page_numbers_are_the_pages_chapters_start_on(
        real_handbook: tuple[bytes, list[str]]) -> None:
    _, pages = real_handbook
    course, _, _ = load(REPO)
    assert course.manifest is not None
    titles = ["Речник", "Общинският съвет – организация, правомощия и вземане на решения",
              "Програмите 2021–2027 за общините"]
    chapter_titles = [t.title for t in course.manifest.topics if len(t.title) < 80]
    for title, number in toc_entries(pages, titles + chapter_titles).items():
        page = pages[number - 1]  # the cover is page 1: printed numbers are physical pages
        assert " ".join(title.split()) in page, f"{title} does not start on page {number}"


def test_body_pages_carry_running_headers_and_page_numbers(
        real_handbook: tuple[bytes, list[str]]) -> None:
    _, pages = real_handbook
    start = next(i for i, p in enumerate(pages)
                 if "ТЕМА 1 Успешно местно самоуправление" in p)
    # An even page: the chapter in the header, then the page number at the foot.
    assert pages[start + 1].endswith(f"1. Успешно местно самоуправление {start + 2}")
    assert pages[start + 2].endswith(f"Основи на местното самоуправление {start + 3}")


def test_fonts_are_embedded(real_handbook: tuple[bytes, list[str]], tmp_path: Path) -> None:
    if not shutil.which("pdffonts"):
        pytest.skip("poppler-utils is not installed")
    pdf, _ = real_handbook
    (tmp_path / "h.pdf").write_bytes(pdf)
    listing = subprocess.run(["pdffonts", str(tmp_path / "h.pdf")], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    assert listing and all(" yes " in line for line in listing)


def test_minimal_handbook_has_footnotes_images_and_a5_pages() -> None:
    course, laws, _ = load(MINIMAL)
    pdf = handbook_pdf(course, MINIMAL, laws, HandbookOptions(page_size="a5"))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert round(float(reader.pages[0].mediabox.width)) == 420  # A5: 148 mm
    text = " ".join(pages_text(pdf))
    assert "Общината и нейните органи" in text and "Бележка под линия." in text
    assert "Речник" in text and "Общински съвет" in text
    html = handbook_html(course, MINIMAL, laws)
    assert 'href="#m-second--budget"' in html and 'id="m-second--budget"' in html
    assert 'href="#g-общински-съвет"' in html and "file://" in html
    assert 'class="footnote"' in html and "footnotes-sep" not in html


def test_topics_filter_and_one_file_html(tmp_path: Path) -> None:
    course, laws, _ = load(REPO)
    html = handbook_html(course, REPO, laws, HandbookOptions(topics=("evropa",)),
                         standalone=True)
    assert "Програмите 2021–2027 за общините" in html
    assert "Общинският бюджет – от проекта до отчета</h2>" not in html
    assert "file://" not in html


def test_handbook_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "h.pdf"
    assert main(["handbook", str(MINIMAL), "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert main(["handbook", str(MINIMAL), "--topics", "nope"]) == 2
    assert main(["handbook", str(MINIMAL), "--out", str(tmp_path / "h.txt")]) == 2


def test_handbook_command_reports_content_errors(minimal: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    module = minimal / "modules/t1/01-first.md"
    module.write_text(module.read_text(encoding="utf-8").replace("quiz: first-check",
                                                                 "quiz: nowhere"), "utf-8")
    assert main(["handbook", str(minimal), "--out", str(minimal / "h.pdf")]) == 1
    assert "modules/t1/01-first.md:" in capsys.readouterr().out
    assert not (minimal / "h.pdf").exists()


# The Bulletin ---------------------------------------------------------------------------

def test_first_bulletin_renders_to_pdf_and_html() -> None:
    bulletins, problems = load_bulletins(REPO)
    assert not [p for p in problems if p.is_error]
    first = next(b for b in bulletins if b.number == 1)
    html = bulletin_html(first)
    assert first.title in html and "конструиран" in html.lower()
    pages = pages_text(bulletin_pdf(first))
    assert 1 <= len(pages) <= 8
    assert " ".join(first.title.split()) in " ".join(pages)


@pytest.mark.parametrize(("front", "message"), [
    ("number: 0\ndate: 2027-01-15\ntitle: Т\npublished: true", "number"),
    ("number: 2\ndate: вчера\ntitle: Т\npublished: true", "date"),
    ("number: 2\ndate: 2027-01-15\npublished: true", "title"),
])
def test_bulletin_front_matter_is_checked(tmp_path: Path, front: str, message: str) -> None:
    (tmp_path / "bulletins").mkdir()
    (tmp_path / "bulletins" / "02-x.md").write_text(f"---\n{front}\n---\n\nТекст.\n", "utf-8")
    _, problems = load_bulletins(tmp_path)
    assert problems and problems[0].path == "bulletins/02-x.md" and problems[0].line >= 1
    assert message in problems[0].message


def test_bulletin_command(tmp_path: Path) -> None:
    assert main(["bulletin", "1", str(REPO), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "bulletin-01.pdf").read_bytes().startswith(b"%PDF")
    assert "<h1" in (tmp_path / "bulletin-01.html").read_text(encoding="utf-8")
    assert main(["bulletin", "99", str(REPO), "--out", str(tmp_path)]) == 2


# The offline copy -----------------------------------------------------------------------

class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(str(values[name]))


def parse(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("root", [MINIMAL, REPO], ids=["minimal", "real"])
def test_offline_copy_links_all_resolve(root: Path, tmp_path: Path) -> None:
    assert main(["export", "offline", str(root), "--out", str(tmp_path / "o.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "o.zip") as archive:
        archive.extractall(tmp_path)
    site = tmp_path / "dobro-offline"
    pages = {p.name: parse(p.read_text(encoding="utf-8")) for p in site.glob("*.html")}
    assert "index.html" in pages and "glossary.html" in pages
    files = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    assert_links_resolve(pages, files)


def assert_links_resolve(pages: dict[str, Links], files: set[str]) -> None:
    """Every local link of ``pages`` leads to one of ``files`` (and to an id there)."""
    checked = 0
    for name, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto", "tel"):
                continue
            assert link != "#", f"{name}: a link to nowhere"
            target = unquote(parts.path) or name
            assert target in files, f"{name}: {link}"
            if parts.fragment:
                assert unquote(parts.fragment) in pages[target].ids, f"{name}: {link}"
            checked += 1
    assert checked > 10


def test_offline_copy_has_no_final_tests() -> None:
    course, _, _ = load(MINIMAL)
    files = offline_files(course, MINIMAL)
    first = files["first.html"].decode()
    assert 'data-quiz="first-check"' in first
    assert "t1-final" not in "".join(f.decode(errors="ignore") for f in files.values())
