"""A bar at the top of every tutorial: download the .py, the .ipynb and the zips of all
tutorials, the gradbook wheel with the one command that installs it (``book_wheel``,
written by docs/_ext/book_wheel.py), "Open in Colab" (only when
``book_repository_url`` is set), and the torch version the page's outputs came from. The HTML is the Jinja template
``_templates/book/tutorial-bar.html``; this module gathers what it shows.

Setting (docs/conf.py): ``book_repository_url``, ``https://github.com/OWNER/REPO`` or
``""``. It builds the Colab link, which opens the notebook from the ``gh-pages`` branch
that the Pages workflow publishes.
"""

from __future__ import annotations

import posixpath
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

from book_files import is_web_build
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError, ExtensionError

GALLERY_DIR = "auto_examples"
PAGES_BRANCH = "gh-pages"  # the branch .github/workflows/pages.yml publishes to
TEMPLATE = "book/tutorial-bar.html"
# What the bar offers, in order: (label, key of the download).
DOWNLOADS = (
    ("Download .py", ".py"),
    ("Download .ipynb", ".ipynb"),
    ("All tutorials (.zip of .py)", "all-py"),
    ("All tutorials (.zip of .ipynb)", "all-ipynb"),
)


def github_repo(url: str) -> tuple[str, str] | None:
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
    github_repo(config.book_repository_url)  # raises on a malformed URL


def is_tutorial(docname: str) -> bool:
    return docname.startswith(GALLERY_DIR + "/") and not docname.endswith("index")


def _downloads(app: Sphinx, docname: str) -> dict[str, str]:
    """Map '.py', '.ipynb', 'all-py', 'all-ipynb' to output paths under _downloads/."""
    found: dict[str, str] = {}
    for docnames, path in app.env.dlfiles.values():
        dest = str(path)
        if docname in docnames and dest.endswith((".py", ".ipynb")):
            found[posixpath.splitext(dest)[1]] = dest
        elif dest.endswith("_python.zip"):
            found["all-py"] = dest
        elif dest.endswith("_jupyter.zip"):
            found["all-ipynb"] = dest
    return found


def _torch_version() -> str:
    """The version of the torch the tutorials ran with, from its installed metadata:
    the same string as ``torch.__version__``, without importing torch into Sphinx's
    own process (1.4 s of a build, and of every rebuild)."""
    try:
        return version("torch")
    except PackageNotFoundError as missing:
        raise ExtensionError(
            "the tutorial bar names the torch version, but no installed torch "
            "distribution was found (expected torch in the build's environment)"
        ) from missing


def add_tutorial_bar(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Put the bar right under a tutorial's title (on the website only: its links lead
    into the site's ``_downloads``, which the EPUB and the PDF do not hold)."""
    if not is_tutorial(docname) or not is_web_build(app):
        return
    # sphinx-gallery's "Go to the end to download" note is replaced by the bar.
    for note in list(doctree.findall(nodes.Element)):
        if "sphx-glr-download-link-note" in note.get("classes", []):
            note.parent.remove(note)
    files = _downloads(app, docname)
    missing = sorted({key for _, key in DOWNLOADS} - set(files))
    if missing:
        raise ExtensionError(
            f"{docname}: sphinx-gallery produced no download for {missing}; check "
            "'download_all_examples' in sphinx_gallery_conf (docs/conf.py)."
        )
    here = posixpath.dirname(docname)
    colab = ""
    repo = github_repo(app.config.book_repository_url)
    if repo is not None:
        owner, name = repo
        colab = (
            f"https://colab.research.google.com/github/{owner}/{name}/blob/"
            f"{PAGES_BRANCH}/_downloads/{files['.ipynb']}"
        )
    html = app.builder.templates.render(
        TEMPLATE,
        {
            "downloads": [
                (label, posixpath.relpath("_downloads/" + files[key], here))
                for label, key in DOWNLOADS
            ],
            "wheel": posixpath.relpath(app.config.book_wheel, here),
            "install": f"pip install {app.config.html_baseurl}{app.config.book_wheel}",
            "colab": colab,
            "torch_version": _torch_version(),
        },
    )
    title = next(iter(doctree.findall(nodes.title)), None)
    if title is None:
        raise ExtensionError(f"{docname}: a tutorial page without a title")
    section = title.parent
    section.insert(section.index(title) + 1, nodes.raw("", html, format="html"))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_repository_url", "", "html", types=frozenset({str}))
    app.connect("config-inited", check_config)
    app.connect("doctree-resolved", add_tutorial_bar)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
