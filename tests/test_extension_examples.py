"""The examples in the docstrings of the book's own Sphinx extensions (docs/_ext) hold:
each module with a ``>>>`` example is run as a doctest."""

from __future__ import annotations

import doctest
import importlib

import pytest
from booktools import BOOK

WITH_EXAMPLES = sorted(
    path.stem
    for path in (BOOK.docs / "_ext").glob("*.py")
    if ">>>" in path.read_text(encoding="utf-8")
)


def test_there_are_examples_to_run():
    assert {"images", "mathml", "book_files"} <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("module", WITH_EXAMPLES)
def test_the_examples_in_an_extension_hold(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and not result.failed
