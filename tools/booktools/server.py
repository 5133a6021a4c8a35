"""Serve a built book over HTTP on this machine, as a static host serves it.

Like GitHub Pages: text is gzip-compressed (so the bytes measured are the bytes a
reader downloads), and an address that does not exist is answered with the book's
``404.html`` and status 404. The book can be served at the root (``make serve``) or
under the path it is published at (``/differentiation-in-pytorch/``; the tests and the
audit), and its 404 page must work at both.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from booktools.paths import BOOK

COMPRESSIBLE = frozenset(
    {".html", ".css", ".js", ".svg", ".json", ".xml", ".txt", ".py", ".ipynb", ".inv"}
)


def published_path(html: Path = BOOK.html) -> str:
    """The path the book is published under ("/differentiation-in-pytorch/"), read
    from the canonical link of the built front page (conf.py's ``html_baseurl``)."""
    index = (html / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<link rel="canonical" href="([^"]+)"', index)
    if match is None:
        raise ValueError(
            f"{html / 'index.html'} has no canonical link: is html_baseurl set in "
            "docs/conf.py?"
        )
    path = urlsplit(match.group(1)).path
    return path[: path.rindex("/") + 1]


@functools.lru_cache(maxsize=512)
def _gzipped(path: Path, mtime_ns: int, size: int) -> bytes:
    """``path`` compressed, once per version of the file (its time and size are part
    of the key): every page loads the same scripts and styles."""
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


class BookServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server that takes a reader leaving for what it is: a browser
    that closes a page (or follows a link) while a file is still being sent breaks
    the connection, which is no error of the book's."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class BookRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Static files under ``prefix``; gzip when the client accepts it; 404.html for
    a missing address. Quiet: no log line per request."""

    prefix = "/"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def translate_path(self, path: str) -> str:
        if path.startswith(self.prefix):
            path = "/" + path[len(self.prefix) :]
        return super().translate_path(path)

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_head(self) -> Any:
        if not self.path.startswith(self.prefix):
            self.send_error(404)
            return None
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the base class redirects to "dir/"
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.is_file() and path.suffix in COMPRESSIBLE):
            return super().send_head()
        stat = path.stat()
        body = _gzipped(path, stat.st_mtime_ns, stat.st_size)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def make_server(
    html: Path = BOOK.html,
    prefix: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> BookServer:
    """An HTTP server of the book in ``html`` under ``prefix`` (default: the path it
    is published at). Port 0 picks a free port."""
    if not (html / "index.html").is_file():
        raise FileNotFoundError(f"No built book in {html}: run 'make html' first.")
    if prefix is None:
        prefix = published_path(html)
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"prefix must start and end with '/', got {prefix!r}")
    handler_class = type("Handler", (BookRequestHandler,), {"prefix": prefix})
    handler = functools.partial(handler_class, directory=str(html))
    return BookServer((host, port), handler)


@contextmanager
def serve(html: Path = BOOK.html, prefix: str | None = None) -> Iterator[str]:
    """Serve the book in a background thread; yield its URL
    ("http://127.0.0.1:PORT/differentiation-in-pytorch/")."""
    if prefix is None:
        prefix = published_path(html)
    server = make_server(html, prefix)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
