"""The book as files (``make files``, tools/booktools/files.py): one EPUB that epubcheck
accepts, one PDF whose text holds every tutorial with its math as text, both linked
from the landing page of the site they are published in.

``make test`` builds them before running the tests (the ``files`` target); that two
builds write the same bytes is shown by ``make repro``, which builds them three times.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from booktools import BOOK
from booktools.files import EPUB_MIMETYPE, epubcheck, pdf_text
from bs4 import BeautifulSoup
from notebook_html import tutorial_titles

pytestmark = pytest.mark.site


@pytest.fixture(scope="session")
def epub(site) -> Path:
    if not BOOK.epub.is_file():
        pytest.fail(f"{BOOK.epub} does not exist: build it first ('make files').")
    return BOOK.epub


@pytest.fixture(scope="session")
def pdf(site) -> Path:
    if not BOOK.pdf.is_file():
        pytest.fail(f"{BOOK.pdf} does not exist: build it first ('make files').")
    return BOOK.pdf


@pytest.fixture(scope="session")
def pdf_words(pdf) -> str:
    """The PDF's text, every run of white space one space (lines wrap anywhere)."""
    return " ".join(pdf_text(pdf).split())


def test_the_epub_passes_epubcheck(epub):
    done = epubcheck(epub)
    report = (done.stdout + done.stderr).strip()
    # --quiet: epubcheck prints nothing but errors and warnings.
    assert done.returncode == 0 and not report, report[-4000:]


def test_the_epub_starts_with_its_mimetype_stored_and_every_member_has_one_date(epub):
    with zipfile.ZipFile(epub) as archive:
        members = archive.infolist()
        first = members[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert archive.read(first) == EPUB_MIMETYPE
    assert len({m.date_time for m in members}) == 1, "zip entry dates differ"


def test_every_epub_page_with_math_declares_mathml(epub):
    with zipfile.ZipFile(epub) as archive:
        opf = archive.read("content.opf").decode()
        pages = [n for n in archive.namelist() if n.endswith(".xhtml")]
        with_math = {n for n in pages if b"<math" in archive.read(n)}
    declared = {
        href
        for href, props in re.findall(
            r'<item\b[^>]*href="([^"]+)"[^>]*properties="([^"]*)"', opf
        )
        if "mathml" in props.split()
    }
    # Every tutorial and the notation page have formulas.
    assert len(with_math) >= len(BOOK.tutorials()), sorted(with_math)
    assert with_math == declared


def test_the_pdf_holds_every_tutorial_with_its_title(pdf_words):
    titles = tutorial_titles(BOOK.gallery)
    assert len(titles) == len(BOOK.tutorials())
    # Each title is in the lists of tutorials and, as its heading, once more.
    missing = [t for t in titles.values() if pdf_words.count(t) < 2]
    assert not missing, f"tutorials missing from the PDF: {missing}"


def test_the_pdf_shows_math_as_text_not_latex(pdf, pdf_words):
    # MathML lays out an identifier (<mi>x</mi>) as a mathematical italic letter
    # (U+1D400 to U+1D7FF), in the math font: a formula drawn as an image, or left
    # as LaTeX, has none.
    math_letters = re.findall("[\U0001d400-\U0001d7ff]", pdf_words)
    assert len(math_letters) > 100, math_letters
    assert "∂" in pdf_words, "no partial derivative sign in the PDF's text"
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "Math" in fonts, f"no math font in the PDF:\n{fonts}"
    for latex in (r"\frac", r"\partial", r"\mathrm", r"\begin{", "$$"):
        assert latex not in pdf_words, f"raw LaTeX {latex!r} in the PDF"


def test_the_pdf_holds_every_figure_of_the_tutorials(pdf, epub):
    with zipfile.ZipFile(epub) as archive:
        figures = [
            n
            for n in archive.namelist()
            if re.fullmatch(r"_images/sphx_glr_.+_\d{3}\.png", n)
        ]
    listed = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    images = [line for line in listed if line.split()[2] == "image"]
    assert figures, "the EPUB holds no figure of a tutorial"
    assert len(images) >= len(figures), (len(images), len(figures))


def test_the_pdf_is_dated_like_the_epub(pdf, epub):
    """Both carry the build's SOURCE_DATE_EPOCH, never the time they were made."""
    with zipfile.ZipFile(epub) as archive:
        opf = archive.read("content.opf").decode()
    modified = re.search(r'dcterms:modified">([^<]+)<', opf).group(1)
    stamp = re.sub(r"[-:TZ]", "", modified)  # 2026-01-02T03:04:05Z -> 20260102030405
    import pikepdf

    with pikepdf.open(pdf) as document:
        dates = {str(document.docinfo[k]) for k in ("/CreationDate", "/ModDate")}
    assert dates == {f"D:{stamp}+00'00'"}, (dates, modified)


def test_the_landing_page_links_the_epub_and_the_pdf(site, epub, pdf):
    page = BeautifulSoup(
        (site / "index.html").read_text(encoding="utf-8"), "html.parser"
    )
    linked = {
        (site / a["href"]).resolve()
        for a in page.select("a[href]")
        if a["href"].endswith((".epub", ".pdf"))
    }
    assert linked == {epub.resolve(), pdf.resolve()}, linked
