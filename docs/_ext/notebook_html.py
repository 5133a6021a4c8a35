"""The downloaded notebooks as the page shows them: practice solutions folded.

sphinx-gallery writes each tutorial's ``.ipynb`` (and the zips of them) at
builder-inited. This extension then rewrites those files, after sphinx-gallery and
without touching its code, in one pass over what was written (``finish_notebooks``):

* **Raw HTML.** sphinx-gallery converts each text block's reST to Markdown but leaves
  unknown directives as they are, so the notebook would show the line
  ``.. raw:: html`` as text. Markdown accepts HTML as it is, so each such block is
  replaced by its (dedented) HTML.
* **Folded solutions.** Practice problems fold their solution in an HTML
  ``<details>`` element, opened in one text block and closed in a later one. A
  notebook renders each Markdown cell on its own, so the cells in between are folded
  one by one: code cells get the standard ``jupyter.source_hidden`` and
  ``outputs_hidden`` metadata (JupyterLab, Notebook 7 and VS Code show them
  collapsed, one click to open), Markdown cells get a ``<details>`` of their own, and
  the stray ``</details>`` is taken out of the closing cell. The cells still run in
  order.
* **reST roles as text.** sphinx-gallery leaves reST roles in the text as they are:
  a glossary term becomes its word, a link to a tutorial or a page its title, and the
  ``:Assumes:`` field bold (``tidy_markdown``).
* **Zips.** The per-tutorial and "all tutorials" zips are written again from the
  rewritten files, with one fixed date and sorted members, so they hold what the
  single downloads hold and two builds write the same bytes.

The pass is idempotent: sphinx-gallery rewrites only the notebooks of tutorials that
ran again, and a notebook already rewritten is left as it is. The HTML page is
unchanged.
"""

from __future__ import annotations

import re
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from tutorial_meta import ASSUMES_FIELD

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
HIDDEN = {"source_hidden": True, "outputs_hidden": True}


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _opens_a_fold(text: str) -> bool:
    """True when ``text`` opens more ``<details>`` than it closes."""
    return len(_OPEN.findall(text)) > text.count(_CLOSE)


def fold_solution_cells(cells: list[dict[str, Any]]) -> None:
    """Fold, in place, the notebook cells that a ``<details>`` spans on the page.

    The cell that opens the fold gets its ``</details>`` at its end; the cells up to
    the one that closes it are folded one by one (see the module's docstring). A fold
    that is never closed is an error: the rest of the notebook would be hidden. Cells
    already folded open and close their own ``<details>``, so a second pass finds
    nothing to fold.
    """
    inside = False
    for cell in cells:
        text = _source(cell)
        if inside and cell["cell_type"] == "markdown" and _CLOSE in text:
            text = text.replace(_CLOSE, "", 1).lstrip("\n")
            inside = _opens_a_fold(text)  # the next practice may start right here
            cell["source"] = f"{text.rstrip()}\n\n{_CLOSE}\n" if inside else text
        elif inside and cell["cell_type"] == "code":
            cell["metadata"]["jupyter"] = dict(HIDDEN)
            cell["metadata"]["tags"] = ["solution"]
        elif inside:
            cell["source"] = f"{CONTINUED}\n\n{text.rstrip()}\n\n{_CLOSE}\n"
        elif cell["cell_type"] == "markdown" and _opens_a_fold(text):
            cell["source"] = f"{text.rstrip()}\n\n{_CLOSE}\n"
            inside = True
    if inside:
        raise ValueError(
            "a <details> of a practice solution is opened but never closed: add a "
            "'.. raw:: html' block with '</details>' after the solution"
        )


_TERM = re.compile(r":term:`([^`<]*?)\s*(?:<[^`>]*>)?`")
_LABEL_TITLE = re.compile(r"^\.\. _(tut-[\w-]+):\s*\n\s*\n(.+)\n[=]+\s*$", re.M)


def tutorial_titles(gallery: Path) -> dict[str, str]:
    """{label: title} of the tutorials, read from their docstrings."""
    titles = {}
    for script in sorted(gallery.glob("*.py")):
        for label, title in _LABEL_TITLE.findall(script.read_text(encoding="utf-8")):
            titles[label] = title.strip()
    return titles


def page_titles(srcdir: Path) -> dict[str, str]:
    """{"/name": title} of the book's MyST pages (their first ``# `` heading)."""
    titles = {}
    for page in sorted(srcdir.glob("*.md")):
        heading = re.search(r"^# (.+)$", page.read_text(encoding="utf-8"), re.M)
        if heading:
            titles["/" + page.stem] = heading.group(1).strip()
    return titles


_DOC = re.compile(r":doc:`([^`<]*?)\s*(?:<([^`>]*)>)?`")


def tidy_markdown(text: str, titles: dict[str, str]) -> str:
    r"""A notebook's Markdown as a reader should see it: a glossary term as its word,
    a link to a tutorial (which sphinx-gallery leaves as the label in backquotes) or
    to a page as its title, and the prerequisites field in bold. ``titles`` maps a
    tutorial's label or a page's ``/name`` to its title.

    >>> tidy_markdown(":Assumes: `tut-a`, :doc:`/b`\n\nA :term:`leaf <leaf tensor>`, "
    ...               ":term:`VJP`, :doc:`the b page </b>`.",
    ...               {"tut-a": "Tutorial A", "/b": "Page B"})
    '**Assumes:** *Tutorial A*, *Page B*\n\nA leaf, VJP, the b page.'
    """
    text = _TERM.sub(r"\1", text)

    def doc(match: re.Match[str]) -> str:
        if match.group(2):  # :doc:`text <target>`
            return match.group(1)
        target = match.group(1)
        return f"*{titles[target]}*" if target in titles else target

    text = _DOC.sub(doc, text)
    for label, title in titles.items():
        link = re.compile(rf"`(?:[^`<]*<)?{re.escape(label)}>?`")
        text = link.sub(_literally(f"*{title}*"), text)
    return re.sub(rf"^:{ASSUMES_FIELD}:", f"**{ASSUMES_FIELD}:**", text, flags=re.M)


def _literally(replacement: str) -> Callable[[re.Match[str]], str]:
    """A replacement for ``re.sub`` used as it is (no backslash escapes)."""
    return lambda _match: replacement


def finish_notebook(notebook: Any, titles: dict[str, str] | None = None) -> None:
    """Every change this extension makes to one notebook (an nbformat node).
    ``titles`` are those of ``tidy_markdown``."""
    for cell in notebook.cells:
        if cell["cell_type"] == "markdown":
            text = raw_html_to_markdown(_source(cell))
            cell["source"] = tidy_markdown(text, titles or {})
    fold_solution_cells(notebook.cells)


# Every member of every zip gets this date (the first a zip can hold): the archives
# then depend on their contents only, not on when the book was built or committed.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def rezip(archive: Path) -> bool:
    """Write ``archive`` again from the files its members name (relative to its
    folder, as sphinx-gallery writes them), with fixed dates and sorted members.
    Returns whether its bytes changed."""
    folder = archive.parent
    with zipfile.ZipFile(archive) as old:
        names = sorted(info.filename for info in old.infolist())
    new = archive.with_name(archive.name + ".tmp")
    with zipfile.ZipFile(new, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, (folder / name).read_bytes())
    if new.read_bytes() == archive.read_bytes():
        new.unlink()
        return False
    new.replace(archive)
    return True


def finish_notebooks(app: Sphinx) -> None:
    """After sphinx-gallery: rewrite its notebooks and zips (see the docstring)."""
    import nbformat

    conf = app.config.sphinx_gallery_conf
    for src, out in zip(conf["examples_dirs"], conf["gallery_dirs"], strict=True):
        titles = tutorial_titles(Path(app.srcdir, src)) | page_titles(Path(app.srcdir))
        folder = Path(app.srcdir, out)
        for path in sorted(folder.rglob("*.ipynb")):
            before = path.read_text(encoding="utf-8")
            notebook = nbformat.reads(before, as_version=4)
            try:
                finish_notebook(notebook, titles)
            except ValueError as error:
                raise ExtensionError(f"{path.name}: {error}") from error
            after = nbformat.writes(notebook) + "\n"
            if after != before:
                path.write_text(after, encoding="utf-8")
        for archive in sorted(folder.rglob("*.zip")):
            rezip(archive)


def setup(app: Sphinx) -> dict[str, Any]:
    # sphinx-gallery writes the notebooks and zips at builder-inited, priority 500.
    app.connect("builder-inited", finish_notebooks, priority=600)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
