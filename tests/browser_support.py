"""Serve the built book on 127.0.0.1 and find Debian's Chromium: shared by the browser
tests (tests/test_browser.py) and the page-budget audit (tools/audit/measure.py).

The server compresses text with gzip, as any real host of the book does (GitHub Pages,
Read the Docs), so the bytes measured on the wire are the bytes a reader downloads.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
HTML_DIR = ROOT / "docs" / "_build" / "html"

# Debian's package; Playwright cannot download browsers on this network.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Without the background-networking flags Chromium contacts Google hosts on start-up,
# which a closed network refuses (and which would count as foreign requests).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
HOW_TO_INSTALL = (
    "Debian's chromium is needed for the browser tests and cannot be downloaded by "
    "Playwright here. Install it with: sudo tools/provision-browser.sh "
    "(that is: apt-get update && apt-get install -y chromium), or point "
    "BOOK_CHROMIUM at a Chromium binary."
)

_COMPRESSIBLE = (
    ".html",
    ".css",
    ".js",
    ".svg",
    ".json",
    ".xml",
    ".txt",
    ".py",
    ".ipynb",
    ".inv",
)


# Scroll through a page and back to the top, so lazily loaded figures load.
SCROLL_THROUGH = """async () => {
    for (let y = 0; y < document.body.scrollHeight; y += 500) {
        window.scrollTo(0, y);
        await new Promise(r => setTimeout(r, 10));
    }
    window.scrollTo(0, 0);
}"""


def find_chromium() -> str | None:
    """Return the Chromium executable to drive, or None when there is none."""
    override = os.environ.get("BOOK_CHROMIUM")
    if override:
        if not os.access(override, os.X_OK):
            raise FileNotFoundError(
                f"BOOK_CHROMIUM={override!r} is not an executable file. "
                + HOW_TO_INSTALL
            )
        return override
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    return found


def site_base_path(directory: Path = HTML_DIR) -> str:
    """The path the book is published under ("/differentiation-in-pytorch/"), read
    from the canonical link of the built front page (conf.py's ``html_baseurl``)."""
    index = (directory / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<link rel="canonical" href="([^"]+)"', index)
    if match is None:
        raise ValueError(
            f"{directory / 'index.html'} has no canonical link: is html_baseurl set "
            "in docs/conf.py?"
        )
    path = urlsplit(match.group(1)).path
    return path[: path.rindex("/") + 1]


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files under ``prefix``, gzip-compressed when the client accepts it, and
    404.html for a missing address: what GitHub Pages does. Quiet logs."""

    prefix = "/"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        if path.startswith(self.prefix):
            path = "/" + path[len(self.prefix) :]
        return super().translate_path(path)

    def send_error(self, code: int, message: str | None = None, explain=None):  # type: ignore[no-untyped-def]
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def send_head(self):  # type: ignore[no-untyped-def]
        if not self.path.startswith(self.prefix):
            self.send_error(404)
            return None
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the base class redirects to "dir/"
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.is_file() and path.suffix in _COMPRESSIBLE):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(directory: Path = HTML_DIR) -> Iterator[str]:
    """Serve ``directory`` on a free 127.0.0.1 port under the book's published path;
    yield the book's URL ("http://127.0.0.1:PORT/differentiation-in-pytorch/")."""
    if not (directory / "index.html").is_file():
        raise FileNotFoundError(f"No built book in {directory}: run 'make html' first.")
    prefix = site_base_path(directory)
    handler_class = type("BookHandler", (_GzipHandler,), {"prefix": prefix})
    handler = functools.partial(handler_class, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def site_pages(directory: Path = HTML_DIR) -> list[str]:
    """Every HTML page of the built book, as paths relative to its root."""
    skip = {"_static", "_sources", "_images", "_downloads"}
    pages = []
    for path in sorted(directory.rglob("*.html")):
        rel = path.relative_to(directory)
        if rel.parts[0] in skip:
            continue
        pages.append(rel.as_posix())
    return pages
