"""booktools.server, the local host of the built book (make serve, the browser tests,
the audit), on a small folder of its own: gzip, the 404 page, and a reader who leaves
while a file is still being sent."""

from __future__ import annotations

import gzip
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from booktools.server import serve

INDEX = (
    '<html><head><link rel="canonical" href="https://example.invalid/book/index.html">'
    "</head><body>front page</body></html>"
)


@pytest.fixture
def site(tmp_path):
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "404.html").write_text("<p>no such page</p>")
    # Sent as it is (not a text type), and larger than what the socket buffers take
    # at once, so a client that leaves breaks the transfer (like a figure).
    (tmp_path / "big.png").write_bytes(bytes(8 * 1024 * 1024))
    return tmp_path


def get(url: str, gzip_ok: bool = True):
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers))


def test_pages_are_served_gzipped_under_the_published_path(site):
    with serve(site) as url:
        assert urlsplit(url).path == "/book/"
        first = get(url + "index.html")
        assert first.headers["Content-Encoding"] == "gzip"
        body = first.read()
        assert gzip.decompress(body).decode() == INDEX
        assert get(url + "index.html").read() == body  # compressed once, same bytes
        assert get(url + "index.html", gzip_ok=False).read().decode() == INDEX


def test_a_missing_address_gets_the_404_page(site):
    with serve(site) as url, pytest.raises(urllib.error.HTTPError) as missing:
        get(url + "no/such/page.html", gzip_ok=False)
    assert missing.value.code == 404
    assert missing.value.read() == b"<p>no such page</p>"


def test_a_reader_who_leaves_mid_file_is_no_error(site, capfd):
    """A browser that closes a page while a file is on its way breaks the connection;
    the server says nothing (it once printed a BrokenPipeError traceback)."""
    with serve(site) as url:
        parts = urlsplit(url)
        for _ in range(3):
            with socket.create_connection((parts.hostname, parts.port)) as client:
                client.sendall(
                    f"GET {parts.path}big.png HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                )
                client.recv(1024)  # the transfer has started; leave
                client.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0"
                )
            time.sleep(0.05)
        assert get(url + "index.html").status == 200  # still serving
    assert "Traceback" not in capfd.readouterr().err
