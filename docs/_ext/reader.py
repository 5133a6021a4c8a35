"""What the reader meets beyond the theme: a light, accessible, offline page.

* **No icon JavaScript.** pydata-sphinx-theme loads about 540 KB (gzipped) of Font
  Awesome JavaScript, and its web font, on every page to draw a dozen icons.
  ``_templates/webpack-macros.html`` drops the script; ``_static/icons.css`` draws the
  icons the theme uses as CSS masks of small inline SVGs (no font, no request).
* **A bar at the top of every tutorial**: download the .py, the .ipynb and the zip of
  all tutorials, "Open in Colab" (only when ``book_repository_url`` is set), and the
  torch version the outputs on the page came from.
* **Fewer requests**: scripts and styles the book does not use are left out of its
  pages (``trim_assets``); the theme's empty ``theme.css`` is not linked, and the
  search scripts load on the search page only (``_templates/layout.html``).
* **A meta description on every page**, also those Sphinx generates (search, index).
* **sitemap.xml** of every document, from ``html_baseurl`` (``write_sitemap``): the
  same file whatever an incremental build rewrote.
* **A 404 page** whose links work at any depth (a ``<base>`` from ``html_baseurl``).
* **Light figures**: the tutorials' plots and thumbnails are written by Matplotlib as
  full-colour PNGs, but a plot has a few dozen colours: each is re-saved with a palette
  of at most 128 colours (``compress_gallery_images``), the landing page's thirteen
  thumbnails go from about 400 KB to about 90 KB, and nothing visible changes. They
  are also loaded lazily (``lazy_gallery_images``): a figure or thumbnail further down
  the page is fetched when the reader scrolls near it, not before the first screen.
* **Accessible names** for the theme's collapse toggles in the navigation (an empty
  ``<summary>`` is a serious axe-core violation).

Settings (docs/conf.py):

``book_repository_url``
    ``https://github.com/OWNER/REPO`` or ``""``. Builds the Colab link, which opens
    the notebook from the ``gh-pages`` branch that the Pages workflow publishes.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError, ExtensionError

GALLERY_DIR = "auto_examples"
PAGES_BRANCH = "gh-pages"  # the branch .github/workflows/pages.yml publishes to


def _github_repo(url: str) -> tuple[str, str] | None:
    """``"https://github.com/o/r"`` -> ``("o", "r")``; ``""`` -> None; else an error."""
    if not isinstance(url, str):
        raise ConfigError(
            f"book_repository_url must be a string, got {type(url).__name__}: {url!r}"
        )
    if not url.strip():
        return None
    parts = urlsplit(url.strip())
    path = [p for p in parts.path.split("/") if p]
    if parts.scheme != "https" or parts.netloc != "github.com" or len(path) != 2:
        raise ConfigError(
            "book_repository_url must look like 'https://github.com/OWNER/REPO' "
            f"(or be empty to leave the Colab link out), got {url!r}"
        )
    owner, repo = path
    return owner, repo.removesuffix(".git")


def check_config(app: Sphinx, config: Config) -> None:
    _github_repo(config.book_repository_url)  # raises on a malformed URL


def _torch_version() -> str:
    import torch

    return str(torch.__version__)


def _downloads(app: Sphinx, docname: str) -> dict[str, str]:
    """Map '.py', '.ipynb', 'all-py', 'all-ipynb' to output paths under _downloads/."""
    found: dict[str, str] = {}
    for docnames, dest in app.env.dlfiles.values():
        dest = str(dest)
        if docname in docnames and dest.endswith((".py", ".ipynb")):
            found[posixpath.splitext(dest)[1]] = dest
        elif dest.endswith("_python.zip"):
            found["all-py"] = dest
        elif dest.endswith("_jupyter.zip"):
            found["all-ipynb"] = dest
    return found


def add_tutorial_bar(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Put downloads, Colab and the torch version right under a tutorial's title."""
    if not docname.startswith(GALLERY_DIR + "/") or docname.endswith("index"):
        return
    # sphinx-gallery's "Go to the end to download" note is replaced by the bar.
    for note in list(doctree.findall(nodes.Element)):
        if "sphx-glr-download-link-note" in note.get("classes", []):
            note.parent.remove(note)
    files = _downloads(app, docname)
    missing = {".py", ".ipynb", "all-py", "all-ipynb"} - set(files)
    if missing:
        raise ExtensionError(
            f"{docname}: sphinx-gallery produced no download for {sorted(missing)}; "
            "check 'download_all_examples' in sphinx_gallery_conf (docs/conf.py)."
        )
    here = posixpath.dirname(docname)

    def href(dest: str) -> str:
        return html.escape(posixpath.relpath("_downloads/" + dest, here))

    links = [
        f'<a class="book-dl" href="{href(files[".py"])}" download>'
        '<span class="book-dl-icon" aria-hidden="true"></span>Download .py</a>',
        f'<a class="book-dl" href="{href(files[".ipynb"])}" download>'
        '<span class="book-dl-icon" aria-hidden="true"></span>Download .ipynb</a>',
        f'<a class="book-dl" href="{href(files["all-py"])}" download>'
        '<span class="book-dl-icon" aria-hidden="true"></span>'
        "All tutorials (.zip of .py)</a>",
        f'<a class="book-dl" href="{href(files["all-ipynb"])}" download>'
        '<span class="book-dl-icon" aria-hidden="true"></span>'
        "All tutorials (.zip of .ipynb)</a>",
    ]
    repo = _github_repo(app.config.book_repository_url)
    if repo is not None:
        owner, name = repo
        colab = (
            f"https://colab.research.google.com/github/{owner}/{name}/blob/"
            f"{PAGES_BRANCH}/_downloads/{files['.ipynb']}"
        )
        links.append(
            f'<a class="book-colab" href="{html.escape(colab)}" rel="noopener">'
            "Open in Colab</a>"
        )
    version = html.escape(_torch_version())
    bar = (
        '<nav class="book-tutorial-bar" aria-label="Download this tutorial">'
        f'<div class="book-tutorial-links">{"".join(links)}</div>'
        '<p class="book-torch-version">Outputs computed with '
        f"<code>torch {version}</code> when this page was built.</p></nav>"
    )
    title = next(iter(doctree.findall(nodes.title)), None)
    if title is None:
        raise ExtensionError(f"{docname}: a tutorial page without a title")
    section = title.parent
    section.insert(section.index(title) + 1, nodes.raw("", bar, format="html"))


def _name_summaries(soup: Any) -> None:
    """Give every navigation ``<summary>`` an accessible name from its section link."""
    for summary in soup.find_all("summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        details = summary.parent
        link = details.find_previous_sibling("a") if details is not None else None
        title = link.get_text(" ", strip=True) if link is not None else "this section"
        summary["aria-label"] = f"Show or hide the pages under {title}"


def wrap_toctree(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """pydata-sphinx-theme leaves the ``<summary>`` toggles of the navigation unnamed
    (axe-core: serious); name them in the HTML the theme's function returns."""
    original = context.get("generate_toctree_html")
    if original is None or getattr(original, "_book_wrapped", False):
        return

    def generate_toctree_html(*args: Any, **kwargs: Any) -> Any:
        out = original(*args, **kwargs)
        if isinstance(out, str):
            from bs4 import BeautifulSoup

            soup = BeautifulSoup(out, "html.parser")
            _name_summaries(soup)
            return str(soup)
        _name_summaries(out)  # a BeautifulSoup object: fixed in place
        return out

    generate_toctree_html._book_wrapped = True  # type: ignore[attr-defined]
    context["generate_toctree_html"] = generate_toctree_html


def base_for_404(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """The host serves 404.html at whatever address was missing (``/a/b/c``), so its
    relative links must resolve from the book's root: a ``<base>`` with the path of
    ``html_baseurl`` does that."""
    if pagename != "404":
        return
    path = urlsplit(app.config.html_baseurl or "/").path or "/"
    context["metatags"] = f'<base href="{html.escape(path)}">\n' + context.get(
        "metatags", ""
    )


# Files other extensions add to every page that this book does not use. Each is one
# more request on a slow phone (the budget is 20 requests for a tutorial page).
_UNUSED_EVERYWHERE = {
    "sg_gallery-binder.css",  # no Binder links
    "sg_gallery-dataframe.css",  # no pandas tables
    "sg_gallery-rendered-html.css",  # no HTML reprs in outputs
    "sg-tags.js",  # no gallery tags
}
# myst-nb's styles only matter on pages myst-nb wrote.
_MYSTNB_PREFIX = "mystnb."


def _basename(asset: Any) -> str:
    name = str(getattr(asset, "filename", asset) or "")
    return posixpath.basename(name.split("?", 1)[0])


def trim_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Leave out of a page the scripts and styles it does not use."""
    drop = _UNUSED_EVERYWHERE
    gallery_page = pagename.startswith(GALLERY_DIR + "/")
    context["css_files"] = [
        css
        for css in context.get("css_files", [])
        if _basename(css) not in drop
        and not (gallery_page and _basename(css).startswith(_MYSTNB_PREFIX))
    ]
    context["script_files"] = [
        js for js in context.get("script_files", []) if _basename(js) not in drop
    ]


def describe_generated_pages(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """sphinxext-opengraph describes each document from its first paragraph; pages
    Sphinx generates (search, index) have no document: describe them here."""
    metatags = context.get("metatags", "")
    if 'name="description"' in metatags:
        return
    project = app.config.project
    text = {
        "search": f"Search {project}: find any page of the book by a word it contains.",
        "genindex": f"Index of {project}: every term and function the book explains.",
    }.get(
        pagename, f"{project}: an executable book on how PyTorch computes derivatives."
    )
    context["metatags"] = (
        metatags + f'\n<meta name="description" content="{html.escape(text)}" />'
    )


def lazy_gallery_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``loading="lazy"`` on sphinx-gallery's thumbnails (docutils image nodes)."""
    for image in doctree.findall(nodes.image):
        if posixpath.basename(image.get("uri", "")).startswith("sphx_glr_"):
            image["loading"] = "lazy"


# sphinx-gallery writes the class as  class = "sphx-glr-single-img"  (with spaces).
_GALLERY_FIGURE = re.compile(
    r'<img (?=[^>]*class\s*=\s*"sphx-glr-(?:single|multi)-img")'
)


def lazy_gallery_figures(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """``loading="lazy"`` on a tutorial's figures, which sphinx-gallery writes as
    HTML of its own (with a srcset), not as docutils image nodes."""
    if "body" in context and "sphx-glr-" in context["body"]:
        context["body"] = _GALLERY_FIGURE.sub('<img loading="lazy" ', context["body"])


def write_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """sitemap.xml: every document of the book, sorted, under ``html_baseurl``."""
    if exception is not None or app.builder.format != "html":
        return
    base = app.config.html_baseurl
    excluded = set(app.config.sitemap_excludes)
    urls = sorted(
        base + app.builder.get_target_uri(docname)
        for docname in app.env.found_docs
        if docname not in excluded
    )
    entries = "".join(f"<url><loc>{html.escape(url)}</loc></url>" for url in urls)
    Path(app.outdir, "sitemap.xml").write_text(
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</urlset>\n",
        encoding="utf-8",
    )


PALETTE_COLOURS = 128


def compress_gallery_images(app: Sphinx, exception: Exception | None) -> None:
    """Re-save every sphinx-gallery figure in the output as a palette PNG.

    Deterministic (same pixels in, same bytes out), and done once: an image already
    in palette mode is left alone, so a no-change rebuild changes nothing.
    """
    if exception is not None or app.builder.format != "html":
        return
    from PIL import Image

    for path in sorted(Path(app.outdir, "_images").glob("sphx_glr_*.png")):
        with Image.open(path) as image:
            if image.mode == "P":
                continue
            image.load()
        palette = image.convert("RGBA").quantize(
            colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE
        )
        palette.save(path, "PNG", optimize=True)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_repository_url", "", "html", types=frozenset({str}))
    app.add_config_value("sitemap_excludes", [], "html", types=frozenset({list}))
    app.connect("config-inited", check_config)
    app.connect("doctree-resolved", add_tutorial_bar)
    app.connect("doctree-resolved", lazy_gallery_images)
    # After pydata-sphinx-theme has put its toctree function into the context.
    app.connect("html-page-context", wrap_toctree, priority=900)
    app.connect("html-page-context", base_for_404)
    app.connect("html-page-context", trim_assets, priority=900)
    # After sphinxext-opengraph (priority 500) has added its description.
    app.connect("html-page-context", describe_generated_pages, priority=950)
    app.connect("html-page-context", lazy_gallery_figures)
    app.connect("build-finished", compress_gallery_images)
    app.connect("build-finished", write_sitemap)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
