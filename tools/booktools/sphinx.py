"""The Sphinx command line of the book, and a build of any copy of it.

The build is strict: ``-W`` turns every warning into an error, ``--keep-going``
reports all of them before failing, ``-T`` prints full tracebacks (of a failing
notebook cell, say) to the console. ``-j auto`` reads and writes pages on every core;
sphinx-gallery runs the tutorials before that.

The book as files (``booktools.files``) is built by the ``epub`` and ``singlehtml``
builders with the same command line and the same configuration, into folders of their
own but with the doctrees of ``make html``: nothing is read again (no tutorial runs,
no notebook page executes), the pages are only written in another form.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from booktools.env import build_environment
from booktools.paths import BOOK, Book

STRICT_OPTIONS = ("-W", "--keep-going", "-T")
PARALLEL_OPTIONS = ("-j", "auto")


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
    **env: str,
) -> BuildResult:
    """Build ``book`` strictly; capture the output (tests, tools) or stream it
    (``make html``). Never raises on a failed build: look at ``returncode``."""
    command = sphinx_command(book, options, noplot=noplot, builder=builder)
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=book.root,
        env=build_environment(book, **env),
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        text=True,
        timeout=timeout,
        check=False,
    )
    return BuildResult(
        done.returncode,
        done.stdout or "",
        time.perf_counter() - start,
        book.noplot_html if noplot else book.output(builder),
    )
