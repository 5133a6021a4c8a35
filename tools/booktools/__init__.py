"""booktools: the one place that knows how the book is built, served and read.

The Makefile, the tests and every tool go through this package; nothing else spells
out the build's environment, its Sphinx command line, its output folders, the local
server or how a browser is pointed at the book.

=============================  ==================================================
Command line (what the Makefile runs): ``python -m booktools COMMAND --help``.
"""

from booktools.paths import BOOK, CACHE, Book

__all__ = ["BOOK", "CACHE", "Book"]
