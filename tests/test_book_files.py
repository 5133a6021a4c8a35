"""The book as files (``make files``, tools/booktools/files.py): one EPUB that epubcheck
accepts, one PDF whose text holds every tutorial with its math as text, both linked
from the landing page of the site they are published in.

``make test`` builds them before running the tests (the ``files`` target); that two
builds write the same bytes is shown by ``make repro``, which builds them three times.
The finishing steps (package file, zip, PDF dates) are also tested here on small
files made on the spot, without a build.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from booktools import BOOK
from booktools.files import (
    EPUB_MIMETYPE,
    FilesError,
    epubcheck,
    finish_epub,
    finish_pdf,
    pdf_text,
)
from bs4 import BeautifulSoup
from notebook_html import tutorial_titles

needs_files = pytest.mark.site  # reads the built book and its files (make files)


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


@needs_files
def test_the_epub_passes_epubcheck(epub):
    done = epubcheck(epub)
    report = (done.stdout + done.stderr).strip()
    # --quiet: epubcheck prints nothing but errors and warnings.
    assert done.returncode == 0 and not report, report[-4000:]


@needs_files
def test_the_epub_starts_with_its_mimetype_stored_and_every_member_has_one_date(epub):
    with zipfile.ZipFile(epub) as archive:
        members = archive.infolist()
        first = members[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert archive.read(first) == EPUB_MIMETYPE
    assert len({m.date_time for m in members}) == 1, "zip entry dates differ"


@needs_files
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


@needs_files
def test_the_pdf_holds_every_tutorial_with_its_title(pdf_words):
    titles = tutorial_titles(BOOK.gallery)
    assert len(titles) == len(BOOK.tutorials())
    # Each title is in the lists of tutorials and, as its heading, once more.
    missing = [t for t in titles.values() if pdf_words.count(t) < 2]
    assert not missing, f"tutorials missing from the PDF: {missing}"


@needs_files
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


@needs_files
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


@needs_files
def test_the_pdf_is_dated_like_the_epub(pdf, epub):
    """Both carry the build's SOURCE_DATE_EPOCH, never the time they were made."""
    with zipfile.ZipFile(epub) as archive:
        opf = archive.read("content.opf").decode()
    modified = re.search(r'dcterms:modified">([^<]+)<', opf).group(1)
    stamp = re.sub(r"[-:TZ]", "", modified)  # 2026-01-02T03:04:05Z -> 20260102030405
    with pikepdf.open(pdf) as document:
        dates = {str(document.docinfo[k]) for k in ("/CreationDate", "/ModDate")}
    assert dates == {f"D:{stamp}+00'00'"}, (dates, modified)


@needs_files
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


# -- The finishing steps, on small files made here (no build) ------------------------

OPF = b"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="book-id">https://example.invalid/book/</dc:identifier>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="epub-0" href="math.xhtml" media-type="application/xhtml+xml" />
    <item id="epub-1" href="prose.xhtml" media-type="application/xhtml+xml" />
    <item id="epub-2" href="_static/used.css" media-type="text/css" />
    <item id="epub-3" href="_static/unused.svg" media-type="image/svg+xml" />
  </manifest>
</package>
"""
NCX = b'<ncx><head><meta name="dtb:uid" content="book-id"/></head></ncx>'


def small_epub(path: Path) -> Path:
    """An EPUB as Sphinx writes it: a page with MathML, one without, a stylesheet
    one page links and an image nothing names."""
    page = b'<html><head><link href="_static/used.css"/></head><body>%s</body></html>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as epub:
        epub.writestr("mimetype", EPUB_MIMETYPE)
        epub.writestr("META-INF/container.xml", b"<container/>")
        epub.writestr("content.opf", OPF)
        epub.writestr("toc.ncx", NCX)
        epub.writestr("nav.xhtml", page % b"<nav/>")
        epub.writestr("math.xhtml", page % b'<math xmlns="x"><mi>x</mi></math>')
        epub.writestr("prose.xhtml", page % b"<p>x</p>")
        epub.writestr("_static/used.css", b"p { color: black }")
        epub.writestr("_static/unused.svg", b"<svg/>")
    return path


def test_finish_epub_declares_mathml_drops_unused_files_and_fixes_the_zip(tmp_path):
    source = small_epub(tmp_path / "sphinx.epub")
    first = finish_epub(source, tmp_path / "a" / "book.epub", 1_700_000_000)
    second = finish_epub(source, tmp_path / "b" / "book.epub", 1_700_000_000)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as epub:
        infos = epub.infolist()
        opf = epub.read("content.opf").decode()
        ncx = epub.read("toc.ncx").decode()
    assert infos[0].filename == "mimetype"
    assert infos[0].compress_type == zipfile.ZIP_STORED
    assert {i.date_time for i in infos} == {(2023, 11, 14, 22, 13, 20)}
    names = [i.filename for i in infos]
    assert "_static/unused.svg" not in names and "_static/used.css" in names
    assert (
        'href="math.xhtml" media-type="application/xhtml+xml" properties="mathml"'
        in opf
    )
    assert 'href="prose.xhtml" media-type="application/xhtml+xml"/>' in opf
    assert 'properties="nav"' in opf and "unused.svg" not in opf
    assert 'content="https://example.invalid/book/"' in ncx


def test_finish_epub_refuses_a_file_that_is_not_an_epub(tmp_path):
    source = tmp_path / "not.epub"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("content.opf", OPF)
    with pytest.raises(FilesError, match="first member must be mimetype"):
        finish_epub(source, tmp_path / "out.epub", 1_700_000_000)


def test_finish_pdf_dates_it_and_derives_its_id_from_its_contents(tmp_path):
    def printed(now: str) -> bytes:
        """A PDF stamped like Chromium's, at the time ``now``."""
        document = pikepdf.new()
        document.add_blank_page()
        document.docinfo["/CreationDate"] = document.docinfo["/ModDate"] = now
        path = tmp_path / f"{now[2:]}.pdf"
        document.save(path, static_id=False)
        return path.read_bytes()

    first = finish_pdf(
        printed("D:20261202041931+00'00'"), tmp_path / "a.pdf", 1_700_000_000
    )
    second = finish_pdf(
        printed("D:20261202050000+00'00'"), tmp_path / "b.pdf", 1_700_000_000
    )
    assert first.read_bytes() == second.read_bytes()
    with pikepdf.open(first) as document:
        assert str(document.docinfo["/CreationDate"]) == "D:20231114221320+00'00'"
        assert str(document.docinfo["/ModDate"]) == "D:20231114221320+00'00'"


def test_finish_pdf_names_structure_elements_in_order_not_after_dom_nodes(tmp_path):
    """Chromium names a tagged PDF's structure elements after DOM nodes, numbered as
    the page created them: one node more, made early by a script, shifts every name.
    Two such prints of the same page become the same file."""

    def printed(first_node: int) -> bytes:
        document = pikepdf.new()
        document.add_blank_page()
        names = [f"node{first_node + 2 * i:08d}" for i in range(3)]
        elements = [
            document.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.StructElem, S=pikepdf.Name.TD, ID=name
                )
            )
            for name in names
        ]
        id_tree = pikepdf.Array()
        for name, element in zip(names, elements, strict=True):
            id_tree.extend([pikepdf.String(name), element])
        document.Root.StructTreeRoot = document.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.StructTreeRoot,
                K=pikepdf.Array(elements),
                IDTree=pikepdf.Dictionary(
                    Names=id_tree, Limits=pikepdf.Array([names[0], names[-1]])
                ),
            )
        )
        path = tmp_path / f"{first_node}.pdf"
        document.save(path)
        return path.read_bytes()

    first = finish_pdf(printed(543), tmp_path / "a.pdf", 1_700_000_000)
    second = finish_pdf(printed(542), tmp_path / "b.pdf", 1_700_000_000)
    assert first.read_bytes() == second.read_bytes()
    with pikepdf.open(first) as document:
        tree = document.Root.StructTreeRoot
        assert [str(e.ID) for e in tree.K] == [f"node{i:08d}" for i in range(3)]
        assert [str(k) for k in tree.IDTree.Names[::2]] == [
            f"node{i:08d}" for i in range(3)
        ]
        assert [str(k) for k in tree.IDTree.Limits] == ["node00000000", "node00000002"]
