"""booktools: the one place that knows how the book is built, served and read.

The Makefile, the tests and every tool go through this package; nothing else spells
out the build's environment, its Sphinx command line, its output folders, the local
server or how a browser is pointed at the book.

========================  =========================================================
module                    what it owns
========================  =========================================================
``booktools.paths``       ``Book(root)``: sources and output folders of a copy of
                          the book; ``BOOK`` is this repository; ``CACHE``
``booktools.env``         ``build_environment()``: fixed date, hash seed, backend
``booktools.sphinx``      ``sphinx_command()``, ``build()`` -> ``BuildResult``
``booktools.server``      ``serve()``: the built book over HTTP with gzip and 404
``booktools.browser``     Chromium binary and flags, ``VIEWPORTS``, the scroll-through
``booktools.sources``     ``copy_sources()``: a clean copy to build elsewhere
``booktools.lint``        ``make lint``: ruff and sphinx-lint
``booktools.files``       ``make files``: the book as one EPUB and one PDF
``booktools.bench``       ``make bench``: build and tutorial times
``booktools.repro``       ``make repro``: two builds, byte for byte
``booktools.audit``       ``make audit``: page weight, axe-core, Lighthouse
``booktools.screenshots`` every page at phone and desktop width, light and dark
========================  =========================================================

Command line (what the Makefile runs): ``python -m booktools COMMAND --help``.
"""

from booktools.paths import BOOK, CACHE, Book

__all__ = ["BOOK", "CACHE", "Book"]
