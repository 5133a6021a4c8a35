"""Fold the practice solutions in the downloaded notebooks, as they are on the page.

Practice problems fold their solution in an HTML ``<details>`` element, opened in one
text block of the tutorial and closed in a later one, written as ``.. raw:: html``
blocks. On the HTML page everything between the two is folded. A notebook needs two
changes to do the same, both made here while sphinx-gallery writes it:

* **Raw HTML.** sphinx-gallery converts each text block's reST to Markdown but leaves
  unknown directives as they are, so the notebook would show the line
  ``.. raw:: html`` as text. Markdown accepts HTML as it is, so each such block is
  replaced by its (dedented) HTML before sphinx-gallery's own conversion runs.
* **Cells.** A notebook cannot fold several cells in one ``<details>``: each Markdown
  cell is rendered on its own. So the cells between the opening and the closing cell
  are folded one by one: code cells get the standard ``jupyter.source_hidden`` and
  ``outputs_hidden`` metadata (JupyterLab, Notebook 7 and VS Code show them collapsed,
  one click to open), Markdown cells get a ``<details>`` of their own, and the stray
  ``</details>`` is taken out of the closing cell. The cells still run in order.

The HTML page is unchanged.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from sphinx.application import Sphinx

_RAW_HTML = re.compile(
    r"^\.\. raw:: html[ \t]*\n[ \t]*\n((?:[ \t]+\S.*(?:\n|\Z))+)", re.M
)


def raw_html_to_markdown(text: str) -> str:
    """Replace every ``.. raw:: html`` block of ``text`` by its HTML.

    >>> raw_html_to_markdown(".. raw:: html\\n\\n   <details>\\n\\nText")
    '<details>\\n\\nText'
    """
    return _RAW_HTML.sub(lambda m: textwrap.dedent(m.group(1)), text)


_OPEN = re.compile(r"<details\b[^>]*>")
_CLOSE = "</details>"
CONTINUED = '<details class="solution"><summary>Show the solution (continued)</summary>'


def _opens_a_fold(text: str) -> bool:
    """True when ``text`` opens more ``<details>`` than it closes."""
    return len(_OPEN.findall(text)) > text.count(_CLOSE)


def fold_solution_cells(cells: list[dict[str, Any]]) -> None:
    """Fold, in place, the notebook cells that a ``<details>`` spans on the page.

    The cell that opens the fold gets its ``</details>`` at its end; the cells up to
    the one that closes it are folded one by one (see the module's docstring). A fold
    that is never closed is an error: the rest of the notebook would be hidden.
    """
    inside = False
    for cell in cells:
        text = "".join(cell["source"])
        if inside and cell["cell_type"] == "markdown" and _CLOSE in text:
            text = text.replace(_CLOSE, "", 1).lstrip("\n")
            inside = _opens_a_fold(text)  # the next practice may start right here
            cell["source"] = [f"{text.rstrip()}\n\n{_CLOSE}\n" if inside else text]
        elif inside and cell["cell_type"] == "code":
            cell["metadata"].update(
                {"jupyter": {"source_hidden": True, "outputs_hidden": True}}
            )
            cell["metadata"]["tags"] = ["solution"]
        elif inside:
            cell["source"] = [f"{CONTINUED}\n\n{text.rstrip()}\n\n{_CLOSE}\n"]
        elif cell["cell_type"] == "markdown" and _opens_a_fold(text):
            cell["source"] = [f"{text.rstrip()}\n\n{_CLOSE}\n"]
            inside = True
    if inside:
        raise ValueError(
            "a <details> of a practice solution is opened but never closed: add a "
            "'.. raw:: html' block with '</details>' after the solution"
        )


def setup(app: Sphinx) -> dict[str, Any]:
    from sphinx_gallery import notebook

    convert, fill = notebook.rst2md, notebook.fill_notebook
    if not getattr(convert, "_keeps_raw_html", False):

        def rst2md(text: str, *args: Any, **kwargs: Any) -> str:
            return convert(raw_html_to_markdown(text), *args, **kwargs)

        rst2md._keeps_raw_html = True  # type: ignore[attr-defined]
        notebook.rst2md = rst2md
    if not getattr(fill, "_folds_solutions", False):

        def fill_notebook(work_notebook: dict[str, Any], *args: Any, **kw: Any) -> None:
            fill(work_notebook, *args, **kw)
            fold_solution_cells(work_notebook["cells"])

        fill_notebook._folds_solutions = True  # type: ignore[attr-defined]
        notebook.fill_notebook = fill_notebook
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
