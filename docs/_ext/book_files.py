"""The book as files: what changes when the pages are written for an EPUB or for the
one page that is printed to PDF, rather than for the website (``make files``,
``tools/booktools/files.py``).

The website is written by Sphinx's ``html`` builder; the files by ``epub`` and
``singlehtml``, both of format ``html``, so every handler of the book's extensions runs
for them too. Those that only make sense on the web ask :func:`is_web_build` first:

* the tutorial bar (downloads, Colab: links into the site's ``_downloads``, which an
  EPUB does not hold and a PDF cannot follow) is left out (``tutorial_bar.py``), and
  so are sphinx-gallery's "Go to the end to download" note and its download footer
  (``drop_web_only``);
* thumbnails are left out (``drop_web_only``): a grid of them is how the website is
  browsed, and each figure is in its tutorial; the files are read in order, and the
  thumbnails' titles stay as links (in the PDF, 165 thumbnails, the API page's
  "Examples using" included, were a quarter of its size);
* figures are not lazy (``images.py``): an e-reader or a printer has nothing to
  scroll, and an EPUB is validated against an HTML schema older than ``loading``;
* sphinx-gallery's thumbnails carry a ``tooltip`` attribute, which is not HTML: an
  EPUB's pages are XHTML that epubcheck validates, so it is removed there
  (``drop_tooltips``);
* myst-nb's stylesheet uses CSS nesting, which EPUB reading systems (and epubcheck's
  CSS parser) do not read: EPUB pages do not link it (``epub_assets``).

The pages are the same documents, read once: the files are written from the doctrees
of ``make html`` (same configuration), so nothing here may change what is read, only
what is written.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

WEB_BUILDERS = frozenset({"html", "dirhtml"})
# sphinx-gallery's containers that only the website can use.
WEB_ONLY_CLASSES = frozenset({"sphx-glr-download-link-note", "sphx-glr-footer"})
MYSTNB_PREFIX = "mystnb."
# tooltip="..." in a start tag (sphinx-gallery escapes the value: no quote inside).
_TOOLTIP = re.compile(r'(<[a-zA-Z][^<>]*?)\s+tooltip="[^"<>]*"')


def is_web_build(app: Sphinx) -> bool:
    """True when Sphinx writes the website, False for the EPUB and the PDF's page."""
    return app.builder.name in WEB_BUILDERS


def drop_tooltip_attributes(html: str) -> str:
    """``html`` without ``tooltip`` attributes (not HTML; sphinx-gallery's thumbnails).

    >>> drop_tooltip_attributes('<div class="t" tooltip="Ask &amp; see"><p>x</p></div>')
    '<div class="t"><p>x</p></div>'
    """
    return _TOOLTIP.sub(r"\1", html)


def is_thumbnail(uri: str) -> bool:
    """True for a thumbnail of sphinx-gallery's (not a figure of a tutorial).

    >>> is_thumbnail("auto_examples/images/thumb/sphx_glr_01_scalar_derivatives_thumb.png")
    True
    >>> is_thumbnail("auto_examples/images/sphx_glr_01_scalar_derivatives_001.png")
    False
    """
    name = uri.rsplit("/", 1)[-1]
    return name.startswith("sphx_glr_") and name.endswith("_thumb.png")


def drop_web_only(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Leave out of the files each tutorial's download note and footer, and the
    thumbnails."""
    if is_web_build(app):
        return
    for node in list(doctree.findall(nodes.Element)):
        if node.parent is None:
            continue
        if WEB_ONLY_CLASSES & set(node.get("classes", [])) or (
            isinstance(node, nodes.image) and is_thumbnail(node.get("uri", ""))
        ):
            node.parent.remove(node)


def drop_tooltips(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if is_web_build(app) or "tooltip=" not in (context.get("body") or ""):
        return
    context["body"] = drop_tooltip_attributes(context["body"])


def epub_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """EPUB pages do not link myst-nb's stylesheet (CSS nesting)."""
    if app.builder.name != "epub":
        return
    context["css_files"] = [
        css
        for css in context.get("css_files", [])
        if MYSTNB_PREFIX not in str(getattr(css, "filename", css))
    ]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", drop_web_only)
    app.connect("html-page-context", drop_tooltips)
    # After the other extensions have added their files to the page (priority 500).
    app.connect("html-page-context", epub_assets, priority=950)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
