"""Shared fixtures. Paths, the build's command line and environment, the server and
the browser all come from ``booktools`` (tools/booktools); nothing here repeats them.

The suite runs on every core (``make test`` passes ``-n auto`` to pytest-xdist): each
worker is its own process, so a session fixture runs once per worker. What is too
expensive to do twice (a Sphinx build of a broken book, the reader's environment) is
done once per run with ``shared_result``, under a file lock.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from booktools import BOOK, Book
from filelock import FileLock

# Tests that draw never need a display.
os.environ.setdefault("MPLBACKEND", "Agg")

TUTORIALS = BOOK.tutorials()


def book_config(name: str) -> Any:
    """A value that docs/conf.py sets (conf.py is run as Sphinx runs it)."""
    import runpy

    return runpy.run_path(str(BOOK.docs / "conf.py"))[name]


def new_small_book(root: Path) -> Book:
    """The start of a small book in ``root`` with the real book's configuration,
    extensions, static files and templates, and its own pages to come. The real
    book's redirects name its pages, so a small book has none; it ships the wheel of
    this repository's gradbook (it has no package of its own)."""
    import shutil

    book = Book(root)
    book.docs.mkdir(parents=True)
    conf = (BOOK.docs / "conf.py").read_text(encoding="utf-8")
    (book.docs / "conf.py").write_text(
        conf
        + "\n# A small test book: none of the real book's pages; the real gradbook's "
        "wheel.\nbook_redirects = {}\n"
        f"book_wheel_project = {str(BOOK.root)!r}\n"
    )
    for folder in ("_ext", "_static", "_templates"):
        if (BOOK.docs / folder).exists():
            shutil.copytree(
                BOOK.docs / folder,
                book.docs / folder,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
    book.gallery.mkdir()
    (book.gallery / "GALLERY_HEADER.rst").write_text(
        "Tutorials\n=========\n\nA gallery.\n"
    )
    return book


def shared_result(
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
    name: str,
    compute: Callable[[Path], dict[str, Any]],
) -> dict[str, Any]:
    """``compute(folder)`` once per test run, whichever worker asks first; the others
    wait for it and read its (JSON) result. ``folder`` is a fresh temporary folder
    that outlives the call (the result may name files in it)."""
    if worker_id == "master":  # not under xdist: nobody to share with
        return compute(tmp_path_factory.mktemp(name))
    root = tmp_path_factory.getbasetemp().parent  # shared by this run's workers
    result = root / f"{name}.json"
    with FileLock(str(result) + ".lock"):
        if result.is_file():
            return json.loads(result.read_text())
        data = compute(tmp_path_factory.mktemp(name))
        result.write_text(json.dumps(data))
        return data


@pytest.fixture(scope="session")
def site() -> Path:
    """The book built by `make html` (make test builds it before running pytest)."""
    index = BOOK.html / "index.html"
    if not index.exists():
        pytest.fail(f"{index} does not exist: build the book first ('make html').")
    return BOOK.html


@pytest.fixture(scope="session")
def mutant_runner(tmp_path_factory):
    """One warm process that runs mutated tutorials (tests/mutants.py), per worker."""
    from booktools.env import build_environment
    from mutants import MutantRunner

    runner = MutantRunner(build_environment(), str(tmp_path_factory.mktemp("mutants")))
    yield runner
    runner.close()


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable
