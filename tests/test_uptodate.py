"""booktools.uptodate: ``make html`` skips Sphinx only when nothing the build reads
changed and nothing it wrote did. On a small fake book (no Sphinx here: the control
book of tests/test_build_strict.py shows the real build skipped and then rebuilt)."""

from __future__ import annotations

import os

import pytest
from booktools import Book, uptodate
from booktools.paths import FILES_FOLDER

ENV = {"BOOK_BASE_URL": "https://example.invalid/book/", "SOURCE_DATE_EPOCH": "1"}


@pytest.fixture
def book(tmp_path) -> Book:
    book = Book(tmp_path)
    for rel, text in {
        "docs/conf.py": "project = 'x'\n",
        "docs/index.md": "# x\n",
        "docs/_ext/ext.py": "",
        "gallery/01_a.py": "print(1)\n",
        "src/gradbook/__init__.py": "",
        "tools/booktools/sphinx.py": "",
        "pyproject.toml": "",
        "requirements-lock.txt": "torch==2.13.0\n",
        # written by the build, among the sources or beside them
        "docs/auto_examples/01_a.rst": "page\n",
        "docs/_build/html/index.html": "<p>x</p>\n",
        "docs/_build/html/auto_examples/01_a.html": "<p>a</p>\n",
        "docs/_build/doctrees/environment.pickle": "",
    }.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return book


def digest(book: Book, options=(), env=ENV) -> str:
    return uptodate.inputs_digest(book, options, env)


@pytest.mark.parametrize(
    "rel",
    [
        "docs/index.md",
        "docs/_ext/ext.py",
        "docs/conf.py",
        "gallery/01_a.py",
        "src/gradbook/__init__.py",
        "tools/booktools/sphinx.py",
        "requirements-lock.txt",
    ],
)
def test_an_edit_of_anything_the_build_reads_changes_the_inputs(book, rel):
    before = digest(book)
    (book.root / rel).write_text((book.root / rel).read_text() + "# one more line\n")
    assert digest(book) != before


def test_a_new_source_a_variable_or_an_option_changes_the_inputs(book):
    before = digest(book)
    assert digest(book, options=["-D", "x=1"]) != before
    assert digest(book, env={**ENV, "BOOK_BASE_URL": "https://elsewhere/"}) != before
    assert digest(book, env={**ENV, "SOURCE_DATE_EPOCH": "2"}) != before
    (book.docs / "new.md").write_text("# new\n")
    assert digest(book) != before


def test_what_the_build_writes_is_not_an_input(book):
    before = digest(book)
    (book.docs / "auto_examples" / "01_a.rst").write_text("page, written again\n")
    (book.html / "index.html").write_text("<p>written again</p>\n")
    (book.docs / "_ext" / "__pycache__").mkdir()
    (book.docs / "_ext" / "__pycache__" / "ext.cpython-311.pyc").write_bytes(b"\0")
    (book.doctrees / "environment.pickle").write_text("again")
    assert digest(book) == before


def test_the_stamp_holds_until_the_output_is_touched(book):
    inputs = digest(book)
    assert not uptodate.is_up_to_date(book, inputs)  # never built
    uptodate.record(book, inputs)
    assert uptodate.is_up_to_date(book, inputs)
    assert not uptodate.is_up_to_date(book, digest(book, options=["-v"]))

    # make files adds the EPUB and PDF to the site: still up to date.
    files = book.html / FILES_FOLDER
    files.mkdir(parents=True)
    (files / "book.epub").write_bytes(b"PK")
    assert uptodate.is_up_to_date(book, inputs)

    page = book.html / "auto_examples" / "01_a.html"
    stat = page.stat()
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert not uptodate.is_up_to_date(book, inputs), "a page written since"
    uptodate.record(book, inputs)
    page.unlink()
    assert not uptodate.is_up_to_date(book, inputs), "a page deleted"
    uptodate.record(book, inputs)
    (book.docs / "auto_examples" / "01_a.rst").unlink()
    assert not uptodate.is_up_to_date(book, inputs), "a generated page deleted"


def test_a_build_that_starts_forgets_the_stamp(book):
    inputs = digest(book)
    uptodate.record(book, inputs)
    uptodate.forget(book)
    assert not uptodate.is_up_to_date(book, inputs)
    (book.build_dir / uptodate.STAMP).write_text("{not json")
    assert not uptodate.is_up_to_date(book, inputs)


def test_the_book_files_are_up_to_date_while_the_site_they_came_from_is(book):
    assert not uptodate.files_up_to_date(book)  # none made yet
    uptodate.record(book, digest(book))
    book.files.mkdir(parents=True)
    book.epub.write_bytes(b"PK epub")
    book.pdf.write_bytes(b"%PDF")
    uptodate.record_files(book)
    assert uptodate.files_up_to_date(book)

    uptodate.record(book, digest(book, options=["-v"]))  # make html built again
    assert not uptodate.files_up_to_date(book)
    uptodate.record_files(book)
    book.pdf.write_bytes(b"%PDF, another")
    assert not uptodate.files_up_to_date(book), "the PDF changed since"
    uptodate.record_files(book)
    book.epub.unlink()
    assert not uptodate.files_up_to_date(book), "the EPUB is gone"
    uptodate.forget(book)
    uptodate.forget_files(book)
    uptodate.record_files(book)  # no HTML stamp: nothing is recorded
    assert not uptodate.files_up_to_date(book)
