"""The tutorials as plain scripts: none can state a wrong value.

Every number a tutorial passes to a gradbook check is changed, one at a time, and the
tutorial must then fail: a check that would pass with a wrong number is no check.
(That each tutorial runs on its own, without a warning, is tested on what a reader
downloads: tests/test_downloads.py.)
"""

from __future__ import annotations

import pytest
from booktools import BOOK
from mutants import mutate, sites

TUTORIALS = BOOK.tutorials()


def test_the_gallery_has_tutorials():
    assert len(TUTORIALS) >= 1
    names = [t.name for t in sorted(BOOK.gallery.glob("*.py"))]
    assert names == [t.name for t in TUTORIALS], (
        "every script in gallery/ must be a numbered tutorial (NN_topic.py)"
    )


@pytest.mark.parametrize("script", TUTORIALS, ids=[t.stem for t in TUTORIALS])
def test_every_stated_value_is_checked(script, mutant_runner):
    source = script.read_text()
    found = sites(source)
    assert found, f"{script.name} states no value in a gradbook check"
    mutants = [mutate(source, s) for s in found]
    codes = mutant_runner.run_mutants(source, mutants, str(script))
    unchecked = [
        s.describe() for s, code in zip(found, codes, strict=True) if code != 3
    ]
    assert not unchecked, (
        f"{script.name}: changing these stated values did not make a check fail "
        f"(exit codes {codes}): {unchecked}"
    )
