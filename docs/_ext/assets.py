"""What each page loads: only what the book uses, and an accessible navigation.

* **No icon JavaScript.** pydata-sphinx-theme loads about 540 KB (gzipped) of Font
  Awesome JavaScript on every page to draw a dozen icons, and links an empty
  ``theme.css``. ``_templates/static/webpack-macros.html`` renders the theme's own
  macros without those two (``drop_theme_assets``); ``_static/book.css`` draws the
  icons as CSS masks of small inline SVGs (no font, no request).
* **Fewer requests**: styles and scripts that other extensions add to every page but
  this book does not use are left out of its pages (``trim_assets``); the search
  scripts load on the search page only (``_templates/layout.html``).
* **Named navigation toggles.** The theme's collapse toggles in the sidebar are
  ``<summary>`` elements with no text, a serious axe-core violation;
  ``_templates/sbt-sidebar-nav.html`` renders the theme's sidebar and passes it
  through ``name_nav_toggles``, which names each from its section's link.
* **Search buttons named by what they show.** The theme's search buttons show
  "Search Ctrl+K" but are named "Search" (``aria-label``), so a voice-control user
  who says what they see misses them (axe-core's label-content-name-mismatch,
  serious); ``_templates/search-button-field.html`` passes the theme's button
  through ``name_search_button``.

* **Sidebar buttons that work.** Each theme binds its sidebar buttons with
  ``document.querySelector``, so only the first ``.primary-toggle`` and the first
  ``.secondary-toggle`` get a listener: those in pydata-sphinx-theme's header, which
  the book theme hides. The buttons the reader sees (the book theme's, in the article
  header) did nothing, on a phone the only way to the book's contents and the page's
  (pydata-sphinx-theme#2451, sphinx-book-theme#988). ``FORWARD_SIDEBAR_BUTTONS``
  passes a click on any of them to the first of its kind: a drawer opens on a phone,
  the sidebar folds away on a wide screen, as the themes' own handlers decide.

* **The same page from every build.** myst-nb copies its stylesheet into ``_static``
  only when the build finishes, so the pages written before carry no ``?v=``
  checksum and a rebuild adds one: two builds of the same sources differ.
  ``stage_mystnb_css`` puts the same file in place before any page is written.

The templates wrap the theme's originals (``{% include "!..." %}``); their
functions are added to the page context under names of this book's own
(``book_...``): nothing of the theme's is replaced.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sphinx.application import Sphinx

# Files other extensions add to every page that this book does not use. Each is one
# more request on a slow phone (the budget is 20 requests for a tutorial page).
UNUSED_EVERYWHERE = frozenset(
    {
        "sg_gallery-binder.css",  # no Binder links
        "sg_gallery-dataframe.css",  # no pandas tables
        "sg_gallery-rendered-html.css",  # no HTML reprs in outputs
        "sg-tags.js",  # no gallery tags
    }
)
# myst-nb's styles only matter on pages myst-nb wrote (not on sphinx-gallery's).
MYSTNB_PREFIX = "mystnb."
# Assets the theme's macros link that this book leaves out (see the docstring).
DROPPED_THEME_ASSETS = ("scripts/fontawesome.js", "styles/theme.css")


def drop_theme_assets(html: str) -> Markup:
    """The theme's asset tags without the lines that load ``DROPPED_THEME_ASSETS``.

    >>> print(drop_theme_assets('<script src="_static/scripts/fontawesome.js"></script>\\n'
    ...                         '<link href="_static/styles/pydata-sphinx-theme.css">'))
    <link href="_static/styles/pydata-sphinx-theme.css">
    """
    kept = [
        line
        for line in str(html).splitlines()
        if not any(asset in line for asset in DROPPED_THEME_ASSETS)
    ]
    return Markup("\n".join(kept))


def name_nav_toggles(html: str) -> Markup:
    """The sidebar's HTML with an ``aria-label`` on every unnamed ``<summary>``,
    "Show or hide the pages under <section>", from the link next to it."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(str(html), "html.parser")
    for summary in soup.find_all("summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        details = summary.parent
        link = details.find_previous_sibling("a") if details is not None else None
        title = link.get_text(" ", strip=True) if link is not None else "this section"
        summary["aria-label"] = f"Show or hide the pages under {title}"
    return Markup(str(soup))


def name_search_button(html: str) -> Markup:
    """The theme's search button with an ``aria-label`` that is the text it shows.

    >>> print(name_search_button('<button aria-label="Search"><i></i>\\n'
    ...       '<span>Search</span> <span><kbd>Ctrl</kbd>+<kbd>K</kbd></span></button>'))
    <button aria-label="Search Ctrl+K"><i></i>
    <span>Search</span> <span><kbd>Ctrl</kbd>+<kbd>K</kbd></span></button>
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(str(html), "html.parser")
    for button in soup.find_all("button", attrs={"aria-label": True}):
        shown = " ".join(button.get_text().split())
        if shown:
            button["aria-label"] = shown
    return Markup(str(soup))


def _basename(asset: Any) -> str:
    name = str(getattr(asset, "filename", asset) or "")
    return posixpath.basename(name.split("?", 1)[0])


def template_functions(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give the templates the functions above."""
    context["book_drop_theme_assets"] = drop_theme_assets
    context["book_name_nav_toggles"] = name_nav_toggles
    context["book_name_search_button"] = name_search_button


def page_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Leave out of a page the scripts and styles it does not use."""
    gallery_page = pagename.startswith("auto_examples/")
    context["css_files"] = [
        css
        for css in context.get("css_files", [])
        if _basename(css) not in UNUSED_EVERYWHERE
        and not (gallery_page and _basename(css).startswith(MYSTNB_PREFIX))
    ]
    context["script_files"] = [
        js
        for js in context.get("script_files", [])
        if _basename(js) not in UNUSED_EVERYWHERE
    ]


def stage_mystnb_css(app: Sphinx) -> None:
    """Copy myst-nb's stylesheet to ``_static`` now, under the name myst-nb gave it
    (it copies the same file there itself at build-finished)."""
    if app.builder.format != "html":
        return
    from importlib.resources import files

    source = (files("myst_nb") / "static" / "mystnb.css").read_bytes()
    for name, _attributes in app.registry.css_files:
        if not name.startswith(MYSTNB_PREFIX):
            continue
        target = Path(app.outdir, "_static", name)
        if not (target.is_file() and target.read_bytes() == source):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source)


FORWARD_SIDEBAR_BUTTONS = """document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary", "secondary"]) {
    const [bound, ...others] = document.querySelectorAll(`.${kind}-toggle`);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        bound.click();
      });
    }
  }
});"""


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_js_file(None, body=FORWARD_SIDEBAR_BUTTONS)
    app.connect("builder-inited", stage_mystnb_css)
    # Before the theme renders its sidebar templates in this event (priority 500).
    app.connect("html-page-context", template_functions, priority=100)
    # After the other extensions have added their files to the page (priority 500).
    app.connect("html-page-context", page_assets, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
