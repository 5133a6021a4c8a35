"""docs/_ext/notebook_html.py: folded solutions reach the notebooks as HTML."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))

import notebook_html


def test_raw_html_block_becomes_html() -> None:
    text = "Q.\n\n.. raw:: html\n\n   <details><summary>Show</summary>\n\nAnswer."
    assert notebook_html.raw_html_to_markdown(text) == (
        "Q.\n\n<details><summary>Show</summary>\n\nAnswer."
    )


def test_other_text_is_unchanged() -> None:
    text = "No raw here.\n\n.. math::\n\n   x^2\n"
    assert notebook_html.raw_html_to_markdown(text) == text


def test_sphinx_gallery_conversion_keeps_the_details_element() -> None:
    from sphinx_gallery import notebook

    class App:
        pass

    notebook_html.setup(App())  # type: ignore[arg-type]
    notebook_html.setup(App())  # twice: wraps only once
    md = notebook.rst2md(
        ".. raw:: html\n\n   <details><summary>Show the solution</summary>\n\nText",
        {"rst_link_targets": {}},
        ".",
        {},
    )
    assert md.startswith("<details><summary>Show the solution</summary>")
    assert ".. raw::" not in md
