"""docs/_ext/notebook_html.py: the downloaded notebooks fold the practice solutions.

These test the pass itself on small notebooks; tests/test_site.py checks the notebooks
of the built book.
"""

from __future__ import annotations

import zipfile

import nbformat
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


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text: str) -> dict:
    return {"cell_type": "code", "metadata": {"collapsed": False}, "source": text}


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
    assert cells[0]["source"] == "Before."
    assert cells[1]["metadata"] == {"collapsed": False}
    assert cells[7]["metadata"] == {"collapsed": False}
    # The opening cell closes its own <details>; the question stays visible.
    opening = cells[2]["source"]
    assert opening.startswith("Question.")
    assert opening.count("<details>") == opening.count("</details>") == 1
    # Code inside the fold is collapsed, still runnable; text is folded on its own.
    assert cells[3]["metadata"]["jupyter"] == hidden
    assert cells[5]["metadata"]["jupyter"] == hidden
    assert cells[3]["metadata"]["tags"] == ["solution"]
    folded = cells[4]["source"]
    assert folded.startswith('<details class="solution">')
    assert "And the checks:" in folded and folded.rstrip().endswith("</details>")
    # The stray closing tag is gone from the closing cell.
    assert cells[6]["source"] == "## Next section"


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
    second = cells[2]["source"]
    assert second.startswith("Second question.") and second.count("</details>") == 1
    assert cells[4]["source"] == "Done."


def test_a_fold_never_closed_is_refused() -> None:
    cells = [markdown("<details><summary>Show</summary>"), code("x = 1")]
    with pytest.raises(ValueError, match="never closed"):
        notebook_html.fold_solution_cells(cells)


def sphinx_gallery_like_notebook() -> nbformat.NotebookNode:
    """What sphinx-gallery writes for a page with a practice problem: its raw HTML
    blocks still in reST."""
    cells = [
        nbformat.v4.new_markdown_cell("# A tutorial"),
        nbformat.v4.new_code_cell("your_answer = None"),
        nbformat.v4.new_markdown_cell(
            "Question.\n\n.. raw:: html\n\n   <details><summary>Show the solution"
            "</summary>\n\n**Solution.**"
        ),
        nbformat.v4.new_code_cell("your_answer = 7"),
        nbformat.v4.new_markdown_cell(".. raw:: html\n\n   </details>\n\nAfter."),
    ]
    return nbformat.v4.new_notebook(cells=cells)


def test_the_pass_over_a_notebook_folds_it_once(tmp_path) -> None:
    """finish_notebook turns the raw HTML into HTML and folds the solution; a second
    pass (a build in which that tutorial did not run again) changes nothing."""
    notebook = sphinx_gallery_like_notebook()
    notebook_html.finish_notebook(notebook)
    once = nbformat.writes(notebook)
    assert ".. raw::" not in once
    assert notebook.cells[3].metadata["tags"] == ["solution"]
    assert notebook.cells[4].source == "After."
    notebook_html.finish_notebook(notebook)
    assert nbformat.writes(notebook) == once


def test_rezip_takes_the_rewritten_files_with_fixed_dates(tmp_path):
    (tmp_path / "a.ipynb").write_text("old")
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(tmp_path / "a.ipynb", "a.ipynb")
    (tmp_path / "a.ipynb").write_text("folded")
    assert notebook_html.rezip(archive) is True
    with zipfile.ZipFile(archive) as zf:
        (info,) = zf.infolist()
        assert zf.read(info) == b"folded"
        assert info.date_time == notebook_html.ZIP_DATE
    assert notebook_html.rezip(archive) is False, "a second pass changed the zip"
