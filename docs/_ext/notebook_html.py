"""Carry the tutorials' ``.. raw:: html`` blocks into the downloaded notebooks as HTML.

Practice problems fold their solution in an HTML ``<details>`` element, written in the
tutorial's reST text as a ``.. raw:: html`` block. sphinx-gallery converts the reST of
each text block to Markdown for the .ipynb download but leaves unknown directives as
they are, so the notebook would show the line ``.. raw:: html`` as text. Markdown
accepts HTML as it is, so this extension replaces each such block by its (dedented)
HTML before sphinx-gallery's own conversion runs. The HTML page is unchanged.
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


def setup(app: Sphinx) -> dict[str, Any]:
    from sphinx_gallery import notebook

    convert = notebook.rst2md
    if not getattr(convert, "_keeps_raw_html", False):

        def rst2md(text: str, *args: Any, **kwargs: Any) -> str:
            return convert(raw_html_to_markdown(text), *args, **kwargs)

        rst2md._keeps_raw_html = True  # type: ignore[attr-defined]
        notebook.rst2md = rst2md
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
