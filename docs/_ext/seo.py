"""How the book presents itself to search engines, link previews and lost readers.

* **A description and Open Graph tags on every page** (``describe_page``): the
  page's opening paragraphs, as a reader sees them (``a tensor's .grad`` keeps its
  spaces), cut at a word near ``book_description_length`` characters; title, URL
  (from ``html_baseurl``), site name and type for link previews. Pages Sphinx
  generates (search, index) get a description of what they are for. (The book does
  this itself rather than through sphinxext-opengraph, which glued inline code to
  the words around it and imported Matplotlib into every build, a second each.)
* **sitemap.xml** of every document, from ``html_baseurl`` (``write_sitemap``): the
  same file whatever an incremental build rewrote (sphinx-sitemap lists only the pages
  a build wrote), without ``<lastmod>`` (git dates differ between clones), and written
  only when its contents change.
* **A 404 page that works wherever it is served.** A host answers any missing address
  (``/a/b/c``) with ``404.html``, so the page's relative links must resolve from the
  book's root, which is the path of ``html_baseurl`` on the published site
  (``/differentiation-in-pytorch/``) but ``/`` under ``make serve``. A small script,
  first in the page's head, sets the ``<base>`` to whichever of the two the address
  is under, loads the page's styles and scripts from there, and points the page's
  own ``#`` links back at the page (``relocatable_404``).
* **Old addresses keep working.** ``book_redirects`` (docs/conf.py) maps a page's old
  name to its new one; a small page at the old address sends the reader on, with the
  ``#section`` they asked for, and names the new page as canonical
  (``write_redirects``). Redirect pages are not documents: not in the sitemap, and
  marked (``REDIRECT_MARK``) so the audits and browser tests leave them out.
"""

from __future__ import annotations

import html
import json
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

NOT_FOUND_PAGE = "404"


def opening_text(doctree: nodes.document) -> str:
    """The paragraphs that open a page, before its first subsection, as one line."""
    section = next(iter(doctree.findall(nodes.section)), None)
    parts = []
    for child in section.children if section is not None else doctree.children:
        if isinstance(child, nodes.section):
            break
        if isinstance(child, nodes.paragraph):
            parts.append(child.astext())
    return " ".join(" ".join(parts).split())


def shorten(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary before ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


def describe_page(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A meta description and Open Graph tags for the page (see the docstring)."""
    if app.builder.name != "html":
        return
    project = app.config.project
    limit = app.config.book_description_length
    text = opening_text(doctree) if doctree is not None else ""
    if not text:
        text = {
            "search": f"Search {project}: find any page of the book by a word it "
            "contains.",
            "genindex": f"Index of {project}: every term and function the book "
            "explains.",
        }.get(
            pagename,
            f"{project}: an executable book on how PyTorch computes derivatives.",
        )
    description = html.escape(shorten(text, limit))
    tags = [f'<meta name="description" content="{description}" />']
    if doctree is not None:
        title = _plain(context.get("title", project))
        url = app.config.html_baseurl + app.builder.get_target_uri(pagename)
        tags += [
            f'<meta property="og:title" content="{html.escape(title)}" />',
            '<meta property="og:type" content="article" />',
            f'<meta property="og:url" content="{html.escape(url)}" />',
            f'<meta property="og:site_name" content="{html.escape(project)}" />',
            f'<meta property="og:description" content="{description}" />',
        ]
    context["metatags"] = context.get("metatags", "") + "\n" + "\n".join(tags)


def _plain(title_html: str) -> str:
    """A page title as text: Sphinx passes it as HTML (``<code>`` and entities)."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(title_html)
    parser.close()
    return "".join(parser.parts)


DEFERRED = "book-deferred-assets"
# Runs first in the 404 page's head: set the <base>, then write the page's styles and
# scripts (held inert in a <template> until the base is known) where they were, so
# they load and run in their order, then point the page's own "#" links back at the
# page.
LOADER = """(function () {
  var root = %s, base = document.createElement("base");
  base.href = location.pathname.indexOf(root) === 0 ? root : "/";
  document.head.prepend(base);
  document.write(document.getElementById("%s").innerHTML);
  document.addEventListener("DOMContentLoaded", function () {
    var page = location.href.split("#")[0];
    document.querySelectorAll('a[href^="#"]').forEach(function (a) {
      a.href = page + a.getAttribute("href");
    });
  });
})();"""
_LOADED = {"stylesheet", "preload", "modulepreload", "icon"}


def _relative(url: object) -> bool:
    """Whether an attribute's value is an address inside the book."""
    return (
        isinstance(url, str)
        and url != ""
        and not url.startswith(("/", "#", "data:", "http:", "https:"))
    )


def _as_written() -> Any:
    """A bs4 formatter that keeps attributes in their order (bs4 sorts them)."""
    from bs4.formatter import HTMLFormatter

    class AsWritten(HTMLFormatter):
        def attributes(self, tag: Any) -> Any:
            return list(tag.attrs.items())

    return AsWritten()


def relocatable_404(text: str, published_root: str) -> str:
    """The written 404 page, made to work at any address (see the docstring).

    A ``<base>`` set by a script comes too late for the browser's preload scanner,
    which fetches the head's styles and scripts from the address the page was served
    at as soon as it reads them; so they are moved into a ``<template>`` (inert: never
    fetched) and the script writes them back into the page once the base is set. Done once: a page
    already rewritten is returned unchanged.
    """
    from bs4 import BeautifulSoup

    if f'id="{DEFERRED}"' in text:
        return text
    soup = BeautifulSoup(text, "html.parser")
    head, body = soup.head, soup.body
    if head is None or body is None:
        raise ValueError(
            "the 404 page has no <head> or no <body>: expected a page written by the "
            "theme's page template"
        )
    held = soup.new_tag("template", id=DEFERRED)
    for tag in head.find_all(["link", "script"]):
        # Every script (inline ones may need those before them) and every link
        # that makes the browser fetch something from the book.
        if tag.name == "script" or (
            set(tag.get("rel") or []) & _LOADED and _relative(tag.get("href"))
        ):
            held.append(tag.extract())
    loader = soup.new_tag("script")
    loader.string = LOADER % (json.dumps(published_root), DEFERRED)
    charset = head.find("meta", charset=True)  # stays first in the head
    if charset is not None:
        charset.insert_after(held)
    else:
        head.insert(0, held)
    held.insert_after(loader)
    # The scripts at the end of the body: each is written where it stood.
    for number, tag in enumerate(body.find_all("script", src=_relative)):
        body_held = soup.new_tag("template", id=f"{DEFERRED}-{number}")
        tag.replace_with(body_held)
        body_held.append(tag)
        writer = soup.new_tag("script")
        writer.string = (
            f'document.write(document.getElementById("{body_held["id"]}").innerHTML);'
        )
        body_held.insert_after(writer)
    return soup.decode(formatter=_as_written())


def finish_404(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.name != "html":
        return
    page = Path(app.outdir, NOT_FOUND_PAGE + ".html")
    if page.is_file():
        root = urlsplit(app.config.html_baseurl or "/").path or "/"
        write_if_changed(page, relocatable_404(page.read_text(encoding="utf-8"), root))


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it: a rebuild that changes
    nothing writes nothing."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.write_text(text, encoding="utf-8")


def write_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """sitemap.xml: every document of the book, sorted, under ``html_baseurl``."""
    if exception is not None or app.builder.name != "html":
        return
    base = app.config.html_baseurl
    excluded = set(app.config.sitemap_excludes)
    urls = sorted(
        base + app.builder.get_target_uri(docname)
        for docname in app.env.found_docs
        if docname not in excluded
    )
    entries = "".join(f"<url><loc>{html.escape(url)}</loc></url>" for url in urls)
    write_if_changed(
        Path(app.outdir, "sitemap.xml"),
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</urlset>\n",
    )


REDIRECT_MARK = '<meta name="book-redirect"'
REDIRECT_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
{mark} content="{target}">
<meta name="robots" content="noindex">
<title>Moved: {title}</title>
<link rel="canonical" href="{canonical}">
<meta http-equiv="refresh" content="0; url={href}">
<script>location.replace({href_js} + location.hash);</script>
</head>
<body>
<p>This page has moved to <a href="{href}">{title}</a>.</p>
</body>
</html>
"""


def write_redirects(app: Sphinx, exception: Exception | None) -> None:
    """A page at each old address of ``book_redirects`` that leads to the new one."""
    if exception is not None or app.builder.name != "html":
        return
    for old, new in sorted(app.config.book_redirects.items()):
        if new not in app.env.found_docs:
            logger.warning(f"book_redirects: {old!r} leads to {new!r}, no such page")
            continue
        if old in app.env.found_docs:
            logger.warning(f"book_redirects: {old!r} is a page of the book again")
            continue
        target = app.builder.get_target_uri(new)
        href = posixpath.relpath(target, posixpath.dirname(old) or ".")
        title = app.env.titles[new].astext()
        page = REDIRECT_PAGE.format(
            lang=html.escape(app.config.language or "en"),
            mark=REDIRECT_MARK,
            target=html.escape(target),
            title=html.escape(title),
            canonical=html.escape(app.config.html_baseurl + target),
            href=html.escape(href),
            href_js=json.dumps(href),
        )
        path = Path(app.outdir, old + ".html")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_if_changed(path, page)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_redirects", {}, "html", types=frozenset({dict}))
    app.connect("build-finished", write_redirects)
    app.add_config_value("sitemap_excludes", [], "html", types=frozenset({list}))
    app.add_config_value("book_description_length", 180, "html", types=frozenset({int}))
    app.connect("html-page-context", describe_page, priority=950)
    app.connect("build-finished", write_sitemap)
    app.connect("build-finished", finish_404)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
