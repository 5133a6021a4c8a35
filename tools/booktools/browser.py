"""Debian's Chromium driven by Playwright, the way the tests, the audit and the
screenshots all read the book: which binary, which flags, which screen sizes, and how
to scroll a page so its lazy figures load."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from booktools.paths import BOOK

# Debian's packages; Playwright cannot download browsers on this network.
# tools/provision-browser.sh installs both.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The same Blink engine without the browser around it (Debian's package
# chromium-headless-shell; the build Playwright runs headless tests in): a context
# opens in a third of the time and a page loads in half, so the browser tests use it.
# Lighthouse (make audit), the PDF (make files) and the screenshots use the browser.
HEADLESS_SHELL_CANDIDATES = ("/usr/lib/chromium/chromium-headless-shell",)
# Without the background-networking flags Chromium contacts Google hosts on start-up,
# which a closed network refuses (and which would count as foreign requests).
CHROMIUM_ARGS = (
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
)
HOW_TO_INSTALL = (
    "Debian's chromium and chromium-headless-shell are needed for the browser tests, "
    "the audit and the PDF, and cannot be downloaded by Playwright here. Install them "
    "with: sudo tools/provision-browser.sh (that is: apt-get update && apt-get install "
    "-y chromium chromium-headless-shell), or point BOOK_CHROMIUM at a Chromium binary."
)

# The screens the book is read on: a phone (CSS pixels of an iPhone 12-15) and a
# laptop. Phones have 2 to 3 device pixels per CSS pixel.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
PHONE_SCALE = 2

# Scroll through a page a screen at a time, and back to the top, so lazily loaded
# figures load (Chromium fetches a lazy image well before it comes within a screen).
SCROLL_THROUGH = """async () => {
    for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
        window.scrollTo(0, y);
        await new Promise(r => setTimeout(r, 10));
    }
    window.scrollTo(0, 0);
}"""

# Resolves when every image the reader can see has loaded (or failed): a cheaper and
# surer wait than "network idle" (which always waits half a second of silence). A lazy
# image the scroll went past too fast for the browser to notice (a busy machine skips
# frames) is asked for now; hidden ones (display: none) are never fetched by design.
# After 30 s it fails, naming the images still loading, instead of waiting for ever.
IMAGES_SETTLED = """async () => {
    const pending = Array.from(document.images)
        .filter(img => !img.complete && img.getClientRects().length > 0);
    pending.forEach(img => { img.loading = 'eager'; });
    const settled = Promise.all(pending.map(img => img.complete
        ? null
        : new Promise(r => { img.addEventListener('load', r, {once: true});
                             img.addEventListener('error', r, {once: true}); })));
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error(
        'images still loading after 30 s: ' +
        pending.filter(img => !img.complete).map(img => img.src).join(', '))), 30000));
    await Promise.race([settled, late]);
}"""

# An init script (run before the page's own): every layout shift of the page, from
# its first paint on, with recent input or without, in window.__layoutShifts.
RECORD_LAYOUT_SHIFTS = """(() => {
    window.__layoutShifts = [];
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) {
            window.__layoutShifts.push({
                value: entry.value,
                hadRecentInput: entry.hadRecentInput,
                sources: (entry.sources || []).map(s => s.node
                    ? (s.node.outerHTML || s.node.nodeName).slice(0, 160)
                    : '(gone)'),
            });
        }
    }).observe({type: 'layout-shift', buffered: true});
})();"""


def find_chromium(*, headless_shell: bool = False) -> str | None:
    """The Chromium executable to drive (``BOOK_CHROMIUM`` first, for either kind), or
    None. ``headless_shell`` asks for Chromium's headless shell (the tests' browser)."""
    override = os.environ.get("BOOK_CHROMIUM")
    if override:
        if not os.access(override, os.X_OK):
            raise FileNotFoundError(
                f"BOOK_CHROMIUM={override!r} is not an executable file. "
                + HOW_TO_INSTALL
            )
        return override
    candidates = HEADLESS_SHELL_CANDIDATES if headless_shell else CHROMIUM_CANDIDATES
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    return None if headless_shell else shutil.which("chromium")


# docs/_ext/seo.py marks the small pages it writes at old addresses with this.
REDIRECT_MARK = b'<meta name="book-redirect"'


def is_redirect(path: Path) -> bool:
    """True for a page that only sends the reader to a page's new address."""
    with path.open("rb") as page:
        return REDIRECT_MARK in page.read(1024)


def site_pages(html: Path = BOOK.html) -> list[str]:
    """Every HTML page of the built book, as paths relative to its root (not the
    redirect pages at old addresses: see ``redirect_pages``)."""
    skip = {"_static", "_sources", "_images", "_downloads"}
    pages = []
    for path in sorted(html.rglob("*.html")):
        rel = path.relative_to(html)
        if rel.parts[0] not in skip and not is_redirect(path):
            pages.append(rel.as_posix())
    return pages


def redirect_pages(html: Path = BOOK.html) -> list[str]:
    """The pages at old addresses that send the reader on."""
    return sorted(
        p.relative_to(html).as_posix() for p in html.rglob("*.html") if is_redirect(p)
    )


def tutorial_pages(pages: list[str]) -> list[str]:
    """The tutorials among ``site_pages()`` (not the gallery's index)."""
    return [
        p
        for p in pages
        if p.startswith("auto_examples/") and p != "auto_examples/index.html"
    ]
