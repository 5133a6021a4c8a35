"""docs/_ext/notebook_html.py: folded solutions reach the notebooks as HTML."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))

import notebook_html
import pytest


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


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": [text]}


def code(text: str) -> dict:
    return {"cell_type": "code", "metadata": {"collapsed": False}, "source": [text]}


def test_cells_between_open_and_close_are_folded() -> None:
    cells = [
        markdown("Before."),
        code("x = 0"),
        markdown("Question.\n\n<details><summary>Show</summary>\n\n**Solution.**"),
        code("x = 1"),
        markdown("And the checks:"),
        code("print(x)"),
        markdown("</details>\n\n## Next section"),
        code("y = 2"),
    ]
    notebook_html.fold_solution_cells(cells)
    hidden = {"source_hidden": True, "outputs_hidden": True}
    # Outside the fold: unchanged.
    assert cells[0]["source"] == ["Before."]
    assert cells[1]["metadata"] == {"collapsed": False}
    assert cells[7]["metadata"] == {"collapsed": False}
    # The opening cell closes its own <details>; the question stays visible.
    opening = cells[2]["source"][0]
    assert opening.startswith("Question.")
    assert opening.count("<details>") == opening.count("</details>") == 1
    # Code inside the fold is collapsed, still runnable; text is folded on its own.
    assert cells[3]["metadata"]["jupyter"] == hidden
    assert cells[5]["metadata"]["jupyter"] == hidden
    assert cells[3]["metadata"]["tags"] == ["solution"]
    folded = cells[4]["source"][0]
    assert (
        folded.startswith('<details class="solution">') and "And the checks:" in folded
    )
    assert folded.rstrip().endswith("</details>")
    # The stray closing tag is gone from the closing cell.
    assert cells[6]["source"] == ["## Next section"]


def test_two_practice_problems_in_a_row() -> None:
    cells = [
        markdown("<details><summary>Show</summary>"),
        code("a = 1"),
        markdown("</details>\n\nSecond question.\n\n<details><summary>Show</summary>"),
        code("b = 2"),
        markdown("</details>\n\nDone."),
    ]
    notebook_html.fold_solution_cells(cells)
    assert "jupyter" in cells[1]["metadata"] and "jupyter" in cells[3]["metadata"]
    second = cells[2]["source"][0]
    assert second.startswith("Second question.") and second.count("</details>") == 1
    assert cells[4]["source"] == ["Done."]


def test_a_fold_never_closed_is_refused() -> None:
    cells = [markdown("<details><summary>Show</summary>"), code("x = 1")]
    with pytest.raises(ValueError, match="never closed"):
        notebook_html.fold_solution_cells(cells)
