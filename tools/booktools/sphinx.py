"""The Sphinx command line of the book, and a build of any copy of it.

The build is strict: ``-W`` turns every warning into an error, ``--keep-going``
reports all of them before failing, ``-T`` prints full tracebacks (of a failing
notebook cell, say) to the console. ``-j`` reads and writes pages in twice as many
processes as there are cores (``PARALLEL_OPTIONS``); sphinx-gallery runs the
tutorials before that, one worker per core (docs/conf.py).

The book as files (``booktools.files``) is built by the ``epub`` and ``singlehtml``
builders with the same command line and the same configuration, into folders of their
own but with the doctrees of ``make html``: nothing is read again (no tutorial runs,
no notebook page executes), the pages are only written in another form.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from booktools import uptodate
from booktools.env import build_environment
from booktools.paths import BOOK, Book

STRICT_OPTIONS = ("-W", "--keep-going", "-T")
# Sphinx's own process prepares each chunk of pages (resolving references) alone
# before a child process writes it, and waits for the last child at the end: with
# twice as many processes as cores the chunks are smaller, so the cores overlap more
# and the last wait is shorter (measured on 2 cores: writing 3.2-4.4 s with -j 4,
# 5.3-6.2 s with -j 2). The tutorials' workers are set apart in docs/conf.py.
PARALLEL_OPTIONS = ("-j", str(2 * (os.cpu_count() or 1)))


def sphinx_command(
    book: Book = BOOK,
    options: Sequence[str] = (),
    *,
    noplot: bool = False,
    builder: str = "html",
    python: str = sys.executable,
) -> list[str]:
    """The ``sphinx-build`` command that builds ``book`` as ``make html`` does.

    ``noplot`` builds the pages without executing the tutorials
    (``make html-noplot``), into their own output and doctree folders. ``builder``
    ``"epub"`` or ``"singlehtml"`` writes the book as one EPUB or one page, into
    ``book.output(builder)``, from the doctrees of ``make html``.
    """
    if noplot and builder != "html":
        raise ValueError(f"noplot builds HTML only, not {builder!r}")
    out, doctrees = (
        (book.noplot_html, book.noplot_doctrees)
        if noplot
        else (book.output(builder), book.doctrees)
    )
    extra = ["-D", "plot_gallery=0"] if noplot else []
    return [
        python, "-m", "sphinx", "-b", builder, *STRICT_OPTIONS, *PARALLEL_OPTIONS,
        "-d", str(doctrees), *extra, *options, str(book.docs), str(out),
    ]  # fmt: skip


@dataclass(frozen=True)
class BuildResult:
    returncode: int
    output: str  # stdout and stderr together, in order ("" when streamed)
    seconds: float
    html: Path
    skipped: bool = False  # up to date: Sphinx was not started (booktools.uptodate)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def build(
    book: Book = BOOK,
    options: Sequence[str] = (),
    *,
    noplot: bool = False,
    builder: str = "html",
    capture: bool = True,
    timeout: float | None = None,
    skip_unchanged: bool = False,
    **env: str,
) -> BuildResult:
    """Build ``book`` strictly; capture the output (tests, tools) or stream it
    (``make html``). Never raises on a failed build: look at ``returncode``.

    ``skip_unchanged`` (``make html``; HTML only) starts no Sphinx when nothing the
    build reads changed since its last success and its output is intact
    (``booktools.uptodate``); the result then says ``skipped``."""
    if skip_unchanged and (noplot or builder != "html"):
        raise ValueError("skip_unchanged is for the HTML build of make html only")
    start = time.perf_counter()
    environment = build_environment(book, **env)
    out = book.noplot_html if noplot else book.output(builder)
    if skip_unchanged:
        inputs = uptodate.inputs_digest(book, options, environment)
        if uptodate.is_up_to_date(book, inputs):
            return BuildResult(0, "", time.perf_counter() - start, out, skipped=True)
        uptodate.forget(book)
    command = sphinx_command(book, options, noplot=noplot, builder=builder)
    done = subprocess.run(
        command,
        cwd=book.root,
        env=environment,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        text=True,
        timeout=timeout,
        check=False,
    )
    if skip_unchanged and done.returncode == 0:
        uptodate.record(book, inputs)
    return BuildResult(
        done.returncode, done.stdout or "", time.perf_counter() - start, out
    )
