"""The book overrides five of the theme's templates (docs/_templates). Each override
wraps or replaces part of a file of the installed theme; when a theme release changes
that file, the override may silently do the wrong thing, so these tests fail and say
what to re-check. After re-checking, record the new digest here.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files

import pytest
from assets import DROPPED_THEME_ASSETS
from booktools import BOOK

PYDATA = files("pydata_sphinx_theme") / "theme" / "pydata_sphinx_theme"
BOOK_THEME = files("sphinx_book_theme") / "theme" / "sphinx_book_theme"

# override in docs/_templates -> (the theme's original, its sha256 when last checked)
OVERRIDES = {
    "static/webpack-macros.html": (
        PYDATA / "static" / "webpack-macros.html",
        "ca92b021a603a336886ebb857ae4fa805d61a133ae57bf650e9610a586b8616a",
    ),
    "sbt-sidebar-nav.html": (
        BOOK_THEME / "components" / "sbt-sidebar-nav.html",
        "38342bd744042ee107080378719e7a55892f7c294bffad6f4efc78185edf7ae1",
    ),
    "layout.html": (
        PYDATA / "layout.html",
        "1f98508aa73a49d0afc5f175214cb82c846a2a9f5b95b914e705b292b3dfbce2",
    ),
    "search-button-field.html": (
        PYDATA / "components" / "search-button-field.html",
        "518dda81dd8cd06ab2268f86b25c8257189f237f1b71836afececaa511f40e69",
    ),
    "navbar-logo.html": (
        PYDATA / "components" / "navbar-logo.html",
        "4eeb463826bddfe4bbb488b880d39283e5842c42f38fc39f2cd69a3179ba59ca",
    ),
}


@pytest.mark.parametrize("override", sorted(OVERRIDES))
def test_the_theme_file_an_override_is_based_on_is_unchanged(override):
    original, recorded = OVERRIDES[override]
    assert (BOOK.docs / "_templates" / override).is_file(), override
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    assert digest == recorded, (
        f"the theme's {original} changed (sha256 {digest}): re-check "
        f"docs/_templates/{override} against it, then record the new digest in "
        "tests/test_theme_overrides.py"
    )


def test_the_assets_dropped_from_the_theme_are_still_in_its_macros():
    """Otherwise the override drops nothing and its reason is gone."""
    macros = (PYDATA / "static" / "webpack-macros.html").read_text()
    for asset in DROPPED_THEME_ASSETS:
        assert asset in macros, asset


def test_the_sidebar_still_has_unnamed_toggles_to_name():
    """pydata-sphinx-theme still builds <summary> toggles with no text (the reason
    for the sidebar override); if a release names them, drop the override."""
    toctree = (files("pydata_sphinx_theme") / "toctree.py").read_text()
    assert 'soup.new_tag("summary")' in toctree


def test_the_search_button_still_shows_more_than_its_name():
    """The theme's search button still shows the Ctrl+K shortcut next to "Search"
    while its aria-label says "Search" only (the reason for the override)."""
    button = (PYDATA / "components" / "search-button-field.html").read_text()
    assert "aria-label=\"{{ _('Search') }}\"" in button
    assert "search-button__kbd-shortcut" in button
