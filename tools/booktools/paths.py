"""Where the book's sources and outputs are, for this repository or any copy of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The Sphinx builders the book is built with: the site, and the two that the book as
# files starts from (booktools.files).
BUILDERS = frozenset({"html", "epub", "singlehtml"})
# The book as files: their folder in the site and their name (docs/index.md links them).
FILES_FOLDER = "_downloads/book"
FILES_STEM = "differentiation-in-pytorch"


@dataclass(frozen=True)
class Book:
    """A copy of the book's sources rooted at ``root`` and the folders its build writes.

    ``Book(REPO)`` is this repository; the tests and tools build other copies (a small
    broken book, a clean copy in a temporary folder) with the same layout.
    """

    root: Path

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def gallery(self) -> Path:
        return self.root / "gallery"

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def build_dir(self) -> Path:
        """Everything Sphinx writes (``make clean`` removes it)."""
        return self.docs / "_build"

    @property
    def html(self) -> Path:
        return self.build_dir / "html"

    @property
    def doctrees(self) -> Path:
        return self.build_dir / "doctrees"

    def output(self, builder: str = "html") -> Path:
        """Where the Sphinx builder ``builder`` writes (``html``: the book's site)."""
        if builder not in BUILDERS:
            raise ValueError(
                f"builder must be one of {sorted(BUILDERS)}, got {builder!r}"
            )
        return self.build_dir / builder

    @property
    def files(self) -> Path:
        """The book as files, EPUB and PDF (``make files``), in the site's downloads
        at an address that does not change: the landing page links them there."""
        return self.html / FILES_FOLDER

    @property
    def epub(self) -> Path:
        return self.files / (FILES_STEM + ".epub")

    @property
    def pdf(self) -> Path:
        return self.files / (FILES_STEM + ".pdf")

    @property
    def noplot_html(self) -> Path:
        """``make html-noplot``: the pages without executing the tutorials."""
        return self.build_dir / "html-noplot"

    @property
    def noplot_doctrees(self) -> Path:
        # Each output folder keeps its own doctrees: sharing them would make the next
        # build of the other folder re-read everything.
        return self.build_dir / "doctrees-noplot"

    @property
    def generated(self) -> list[Path]:
        """Folders the build generates inside ``docs/`` besides ``_build``."""
        return [self.docs / "auto_examples", self.docs / "gen_modules"]

    def tutorials(self) -> list[Path]:
        """The tutorial scripts, in reading order (their numbered file names)."""
        return sorted(self.gallery.glob("[0-9][0-9]_*.py"))


BOOK = Book(REPO)

# Caches that outlive `make clean`: the reader's virtual environment of the download
# tests, keyed by what is installed in it (git-ignored).
CACHE = REPO / ".cache"
