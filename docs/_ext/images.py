"""The tutorials' figures and the gallery's thumbnails: light and loaded when needed.

* **Palette PNGs** (``compress_gallery_images``): Matplotlib writes full-colour PNGs,
  but a plot has a few dozen colours; each is re-saved with a palette of at most 128
  colours. The landing page's thumbnails go from about 400 KB to about 90 KB, and
  nothing visible changes.
* **Lazy loading**: a figure or thumbnail further down the page is fetched when the
  reader scrolls near it, not before the first screen. Thumbnails are docutils image
  nodes (``lazy_thumbnails``); a tutorial's figures are HTML that sphinx-gallery writes
  itself, so their ``<img>`` tags are found with Python's HTML parser in the page's
  body and only those tags are rewritten (``lazy_figures``). Only on the website:
  the EPUB and the PDF's page (``book_files.py``) have nothing to scroll.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from book_files import is_web_build
from docutils import nodes
from sphinx.application import Sphinx

GALLERY_IMAGE_PREFIX = "sphx_glr_"
PALETTE_COLOURS = 128


class _ImgTags(HTMLParser):
    """Where each ``<img>`` start tag is in a document: (offset, its text, attrs)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0]
        for line in text.splitlines(keepends=True):
            self._line_starts.append(self._line_starts[-1] + len(line))
        self.found: list[tuple[int, str, dict[str, str | None]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            line, column = self.getpos()
            raw = self.get_starttag_text() or ""
            self.found.append((self._line_starts[line - 1] + column, raw, dict(attrs)))


def set_img_attributes(
    text: str,
    wanted: Callable[[dict[str, str | None]], Mapping[str, str] | None],
) -> str:
    """``text`` with attributes added to some of its ``<img>`` tags.

    ``wanted(attrs)`` gets each tag's attributes and returns those to set (or None
    to leave the tag alone); an attribute the tag already has is kept. Only the
    chosen tags change, character for character the rest is the same.

    >>> set_img_attributes('<p><img src="a.png" alt="A"></p>', lambda a: {"loading": "lazy"})
    '<p><img loading="lazy" src="a.png" alt="A"></p>'
    """
    pieces, done = [], 0
    for offset, raw, attrs in _ImgTags(text).found:
        extra = {k: v for k, v in (wanted(attrs) or {}).items() if k not in attrs}
        if not extra:
            continue
        added = "".join(f' {k}="{html.escape(v)}"' for k, v in extra.items())
        pieces += [text[done:offset], "<img", added, raw[len("<img") :]]
        done = offset + len(raw)
    return "".join([*pieces, text[done:]])


def _is_gallery_image(uri: str | None) -> bool:
    return posixpath.basename(uri or "").startswith(GALLERY_IMAGE_PREFIX)


def lazy_thumbnails(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``loading="lazy"`` on sphinx-gallery's thumbnails (docutils image nodes)."""
    if not is_web_build(app):
        return
    for image in doctree.findall(nodes.image):
        if _is_gallery_image(image.get("uri")):
            image["loading"] = "lazy"


def lazy_figures(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """``loading="lazy"`` on a tutorial's figures, in the page's body."""
    body = context.get("body")
    if not body or GALLERY_IMAGE_PREFIX not in body or not is_web_build(app):
        return
    context["body"] = set_img_attributes(
        body,
        lambda attrs: (
            {"loading": "lazy"} if _is_gallery_image(attrs.get("src")) else None
        ),
    )


def compress_gallery_images(app: Sphinx, exception: Exception | None) -> None:
    """Re-save every sphinx-gallery figure in the output as a palette PNG.

    Deterministic (same pixels in, same bytes out), and done once: an image already
    in palette mode is left alone, so a no-change rebuild changes nothing.
    """
    if exception is not None or app.builder.format != "html":
        return
    from PIL import Image

    for path in sorted(
        Path(app.outdir, "_images").glob(GALLERY_IMAGE_PREFIX + "*.png")
    ):
        with Image.open(path) as image:
            if image.mode == "P":
                continue
            image.load()
        palette = image.convert("RGBA").quantize(
            colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE
        )
        palette.save(path, "PNG", optimize=True)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", lazy_thumbnails)
    app.connect("html-page-context", lazy_figures)
    app.connect("build-finished", compress_gallery_images)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
