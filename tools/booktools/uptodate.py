"""Is the built book up to date? ``make html`` starts Sphinx only when something the
book is built from changed, or something it wrote is gone or was changed.

Sphinx's own rebuild with nothing changed takes about 5 s here, most of it importing
(sphinx-gallery imports Matplotlib, myst-nb imports jupyter-cache) before it finds
that there is nothing to do, and it still writes its indexes again. This check takes
a few hundredths of a second: after a successful build a stamp is written into the
build folder with

* the digest of everything the build reads: every file under ``docs/`` (not what the
  build generates there), ``gallery/``, ``src/`` and ``tools/booktools/`` (the command
  line and environment), ``pyproject.toml`` and the lock, the Sphinx options, the
  environment variables the configuration reads, the Python that runs the build and
  the name and version of every package installed beside it;
* the name, size and time of every file of the site the build wrote (not the EPUB
  and PDF, which ``make files`` writes later), and the name and size of every file
  sphinx-gallery generated in ``docs/``.

The next build that finds both unchanged stops there. The stamp is removed before a
build starts and written only when it succeeds, so a failed or interrupted build is
never taken for an up-to-date one. ``make repro`` and the tests call Sphinx without
this check (``booktools.sphinx.build``), so they still see Sphinx's own rebuild.

``make files`` does the same for the EPUB and PDF: they are made again unless they
were made from the site as the HTML stamp above describes it, and are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import sysconfig
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from booktools.paths import FILES_FOLDER, Book

STAMP = "html-up-to-date.json"
# What the build reads, relative to the book's root: folders, then single files.
INPUT_FOLDERS = ("docs", "gallery", "src", "tools/booktools")
INPUT_FILES = ("pyproject.toml", "requirements-lock.txt")
# What the configuration reads from the environment (docs/conf.py), and the date the
# build is stamped with (booktools.env).
INPUT_VARIABLES = ("BOOK_BASE_URL", "BOOK_REPOSITORY_URL", "SOURCE_DATE_EPOCH")
# Never inputs: caches and what Python or the build itself writes among the sources.
SKIPPED_NAMES = frozenset({"__pycache__", ".ipynb_checkpoints", ".DS_Store"})


def _files(folder: Path, skip: Sequence[Path] = ()) -> Iterator[Path]:
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if (
            path.name in SKIPPED_NAMES
            or path in skip
            or path.name.endswith(".egg-info")
        ):
            continue
        if path.is_dir():
            yield from _files(path, skip)
        elif path.is_file():
            yield path


def _installed_packages() -> list[str]:
    """The ``*.dist-info`` folders (name and version) beside the running Python."""
    folders = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    return sorted(
        name
        for folder in folders
        if os.path.isdir(folder)
        for name in os.listdir(folder)
        if name.endswith(".dist-info")
    )


def inputs_digest(book: Book, options: Sequence[str], env: Mapping[str, str]) -> str:
    """One digest of everything a build of ``book`` with ``options`` in ``env`` reads."""
    generated = [book.build_dir, *book.generated, book.docs / "jupyter_execute"]
    digest = hashlib.sha256()
    for name in INPUT_FOLDERS:
        for path in _files(book.root / name, skip=generated):
            digest.update(path.relative_to(book.root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in INPUT_FILES:
        path = book.root / name
        if path.is_file():
            digest.update(
                name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest()
            )
    rest = {
        "options": list(options),
        "environment": {name: env.get(name, "") for name in INPUT_VARIABLES},
        "python": [sys.executable, sys.version],
        "packages": _installed_packages(),
    }
    digest.update(json.dumps(rest, sort_keys=True).encode())
    return digest.hexdigest()


def outputs_digest(book: Book) -> str:
    """One digest of the files the HTML build wrote: the name, size and time of each
    file of the site, and the name and size of each file sphinx-gallery generated in
    ``docs/`` (the EPUB and single-page builds of ``make files`` write some of those
    again, with the same bytes)."""
    digest = hashlib.sha256()
    for folder in [book.html, *book.generated]:
        for path in _files(folder, skip=[book.html / FILES_FOLDER]):
            stat = path.stat()
            when = stat.st_mtime_ns if folder == book.html else ""
            name = path.relative_to(book.root).as_posix()
            digest.update(f"{name}\0{stat.st_size}\0{when}\n".encode())
    return digest.hexdigest()


def stamp_path(book: Book) -> Path:
    return book.build_dir / STAMP


def is_up_to_date(book: Book, inputs: str) -> bool:
    """True when the last successful build read ``inputs`` and its output is intact."""
    try:
        stamp = json.loads(stamp_path(book).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp == {"inputs": inputs, "outputs": outputs_digest(book)}


def forget(book: Book) -> None:
    """Before a build: until it succeeds, the output is not up to date."""
    stamp_path(book).unlink(missing_ok=True)


def record(book: Book, inputs: str) -> None:
    """After a successful build that read ``inputs``."""
    stamp = {"inputs": inputs, "outputs": outputs_digest(book)}
    stamp_path(book).write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")


# -- make files: the EPUB and PDF, up to date with the site they are made from -------

FILES_STAMP = "files-up-to-date.json"


def _files_state(book: Book) -> dict[str, str] | None:
    """The HTML build's stamp and the book files as they are now, or None when
    either is missing."""
    try:
        html = stamp_path(book).read_text(encoding="utf-8")
    except OSError:
        return None
    files = [book.epub, book.pdf]
    if not all(path.is_file() for path in files):
        return None
    listing = "".join(
        f"{path.name}\0{path.stat().st_size}\0{path.stat().st_mtime_ns}\n"
        for path in files
    )
    return {
        "html": hashlib.sha256(html.encode()).hexdigest(),
        "files": hashlib.sha256(listing.encode()).hexdigest(),
    }


def files_up_to_date(book: Book) -> bool:
    """True when the EPUB and PDF were made from the site as ``make html`` last
    wrote it (its stamp is unchanged) and are as they were written."""
    try:
        stamp = json.loads((book.build_dir / FILES_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    state = _files_state(book)
    return state is not None and stamp == state


def forget_files(book: Book) -> None:
    (book.build_dir / FILES_STAMP).unlink(missing_ok=True)


def record_files(book: Book) -> None:
    """After ``make files`` succeeded (nothing is recorded without an HTML stamp)."""
    state = _files_state(book)
    if state is not None:
        (book.build_dir / FILES_STAMP).write_text(json.dumps(state) + "\n")
