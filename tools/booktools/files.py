"""``make files``: the whole book as two files, an EPUB 3 and a PDF, for reading offline.

Both are written from the doctrees of ``make html`` (same configuration, so Sphinx reads
nothing again and no tutorial runs; ``booktools.sphinx``), and land in the built site,
at an address that does not change (``Book.files``: ``_downloads/book/``), where the
landing page links them:

* **EPUB**: Sphinx's ``epub`` builder (EPUB 3, math as MathML as on the site), then
  :func:`finish_epub`: the package file (OPF) declares the ``mathml`` property of
  every page with a formula (Sphinx does not; epubcheck requires it), the NCX names
  the book by the same identifier, files in ``_static/`` that nothing names are left
  out, and the zip is written again with
  ``mimetype`` first and stored, every member dated ``SOURCE_DATE_EPOCH``.
* **PDF**: Sphinx's ``singlehtml`` builder writes the book as one page, which Debian's
  Chromium prints (Playwright's ``page.pdf``: A4, print styles, bookmarks from the
  headings, tagged, page numbers). Math is MathML laid out by Chromium, so it is
  text in the PDF; every image has loaded before printing. Then :func:`finish_pdf`
  (pikepdf): dated ``SOURCE_DATE_EPOCH`` rather than the time of printing, an
  identifier computed from the contents, objects packed into compressed streams.

Two builds of the same sources give byte-identical files (``make repro`` compares
them). ``epubcheck`` and ``pdftotext`` (tools/provision-files.sh) check them:
``--check`` here, and tests/test_book_files.py.

Usage: python -m booktools files [--check]
"""

from __future__ import annotations

import argparse
import html
import io
import posixpath
import re
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from booktools import uptodate
from booktools.env import build_environment
from booktools.paths import BOOK, Book
from booktools.sphinx import build

EPUB_MIMETYPE = b"application/epub+zip"
EPUBCHECK_JARS = ("/usr/share/java/epubcheck.jar",)
# A short run of one book: the JIT's first tier and the serial collector do it in
# half the CPU time of Java's defaults (5 s instead of 11 here), with the same report.
JAVA_SHORT_RUN = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
# Chromium's print settings for the book.
PDF_OPTIONS = {
    "format": "A4",
    "print_background": True,
    "outline": True,  # bookmarks from the headings
    # Tagged: the structure screen readers and reflow need (Chromium writes the
    # bookmarks only for a tagged PDF).
    "tagged": True,
    "display_header_footer": True,
    "header_template": "<span></span>",
    "footer_template": (
        '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
    ),
    "margin": {"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
}


class FilesError(RuntimeError):
    """The EPUB or the PDF could not be made as they must be."""


@dataclass(frozen=True)
class FilesResult:
    epub: Path
    pdf: Path
    seconds: dict[str, float]


# -- EPUB ---------------------------------------------------------------------------

_ITEM = re.compile(rb"<item\b[^>]*?/>")
_ATTR = re.compile(rb'\s([a-zA-Z:-]+)="([^"]*)"')
_REFERENCE = re.compile(rb'(?:href|src)="([^"#?]+)')
_CSS_URL = re.compile(rb"url\(\s*['\"]?([^'\")#?]+)")
# What a content document uses that its manifest item must declare (EPUB 3.3, 5.6).
PROPERTIES = (("mathml", b"<math"), ("scripted", b"<script"), ("svg", b"<svg"))


def _zip_date(epoch: int) -> tuple[int, int, int, int, int, int]:
    # A zip cannot hold a date before 1980.
    return max(time.gmtime(epoch)[:6], (1980, 1, 1, 0, 0, 0))  # type: ignore[return-value]


def _referenced(members: dict[str, bytes]) -> set[str]:
    """Every member that a page or stylesheet of the EPUB names (paths in the zip)."""
    named: set[str] = set()
    for name, data in members.items():
        if name.endswith((".xhtml", ".css")):
            pattern = _CSS_URL if name.endswith(".css") else _REFERENCE
            here = posixpath.dirname(name)
            for ref in pattern.findall(data):
                target = unquote(html.unescape(ref.decode()))
                if "://" not in target and not target.startswith(("data:", "mailto:")):
                    named.add(posixpath.normpath(posixpath.join(here, target)))
    return named


def declare_properties(opf: bytes, members: dict[str, bytes], keep: set[str]) -> bytes:
    """The package file with each manifest item's ``properties`` declared from what its
    document holds (MathML, scripts, inline SVG), and the items not in ``keep``
    removed. Items are written by Sphinx one per ``<item .../>`` tag, their ``href``
    relative to the package file, which is at the root of the zip."""

    def rewrite(match: re.Match[bytes]) -> bytes:
        attrs = dict(_ATTR.findall(match.group(0)))
        href = unquote(html.unescape(attrs[b"href"].decode()))
        if href not in keep:
            return b""
        data = members.get(href, b"")
        declared = attrs.get(b"properties", b"").split()
        if attrs.get(b"media-type") == b"application/xhtml+xml":
            for prop, marker in PROPERTIES:
                if marker in data and prop.encode() not in declared:
                    declared.append(prop.encode())
        attrs[b"properties"] = b" ".join(declared)
        text = b"".join(
            b' %s="%s"' % (key, value) for key, value in attrs.items() if value
        )
        return b"<item" + text + b"/>"

    rewritten = _ITEM.sub(rewrite, opf)
    # Lines left empty by removed items.
    return re.sub(rb"\n[ \t]*(?=\n)", b"", rewritten)


_DC_IDENTIFIER = re.compile(rb"<dc:identifier\b[^>]*>([^<]+)</dc:identifier>")
_NCX_UID = re.compile(rb'(<meta name="dtb:uid" content=")[^"]*(")')


def same_identifier(ncx: bytes, opf: bytes) -> bytes:
    """The NCX (the EPUB 2 table of contents) naming the book by the identifier of
    its package file: Sphinx writes ``epub_uid`` there, the name of the identifier's
    element, and epubcheck requires the two to be equal (NCX-001)."""
    found = _DC_IDENTIFIER.search(opf)
    if found is None or not _NCX_UID.search(ncx):
        raise FilesError("the EPUB's content.opf or toc.ncx names no identifier")
    return _NCX_UID.sub(lambda m: m.group(1) + found.group(1) + m.group(2), ncx)


def finish_epub(source: Path, target: Path, epoch: int) -> Path:
    """Write Sphinx's EPUB ``source`` again as ``target`` (see the module docstring)."""
    with zipfile.ZipFile(source) as epub:
        names = epub.namelist()
        members = {name: epub.read(name) for name in names}
    if not names or names[0] != "mimetype" or members["mimetype"] != EPUB_MIMETYPE:
        raise FilesError(f"{source}: not an EPUB (its first member must be mimetype)")
    if "content.opf" not in members:
        raise FilesError(f"{source}: no content.opf, the EPUB's package file")
    named = _referenced(members)
    unused = {n for n in names if n.startswith("_static/") and n not in named}
    keep = set(names) - unused
    members["content.opf"] = declare_properties(members["content.opf"], members, keep)
    if "toc.ncx" in members:
        members["toc.ncx"] = same_identifier(members["toc.ncx"], members["content.opf"])
    date = _zip_date(epoch)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w") as epub:
        for name in (n for n in names if n in keep):
            info = zipfile.ZipInfo(name, date_time=date)
            info.external_attr = 0o644 << 16
            # mimetype: first and stored, so a reader can tell the file by its bytes.
            info.compress_type = (
                zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            )
            epub.writestr(info, members[name], compresslevel=9)
    partial.replace(target)
    return target


# -- PDF ----------------------------------------------------------------------------


# Chromium names the structure elements of a tagged PDF that carry an ID after their
# DOM nodes ("node00000543"), numbered in the order the page created them: a script
# that made one node a moment earlier or later shifted every name by one, and the
# file's bytes with them (make repro caught it, with the text and layout the same).
STRUCTURE_ID = re.compile(r"node\d+")
# Keys that point back up the structure tree or to pages: never followed.
BACK_POINTERS = frozenset({"/P", "/Pg", "/Parent"})


def _structure_ids(
    node: Any, seen: set[tuple[int, int]], rename: dict[str, str]
) -> set[str]:
    """The DOM-node names under ``node`` (structure elements' ``/ID``, the keys and
    limits of the ID name tree); each found in ``rename`` is replaced by its value."""
    import pikepdf

    if node.is_indirect:
        if node.objgen in seen:
            return set()
        seen.add(node.objgen)
    found: set[str] = set()

    def name(value: Any) -> str | None:
        text = str(value) if isinstance(value, pikepdf.String) else None
        return text if text is not None and STRUCTURE_ID.fullmatch(text) else None

    if isinstance(node, pikepdf.Dictionary):
        for key in list(node.keys()):
            if key in BACK_POINTERS:
                continue
            value = node[key]
            if key == "/ID" and (text := name(value)):
                found.add(text)
                if text in rename:
                    node[key] = pikepdf.String(rename[text])
            elif isinstance(value, pikepdf.Dictionary | pikepdf.Array):
                found |= _structure_ids(value, seen, rename)
    elif isinstance(node, pikepdf.Array):
        for index, value in enumerate(list(node)):
            if text := name(value):
                found.add(text)
                if text in rename:
                    node[index] = pikepdf.String(rename[text])
            elif isinstance(value, pikepdf.Dictionary | pikepdf.Array):
                found |= _structure_ids(value, seen, rename)
    return found


def renumber_structure_ids(document: Any) -> int:
    """Name the tagged structure's elements node00000000, node00000001, ... in the
    order of Chromium's numbers (which keeps the ID tree's keys sorted); how many."""
    root = document.Root.get("/StructTreeRoot")
    if root is None:
        return 0
    found = _structure_ids(root, set(), {})
    ordered = sorted(found, key=lambda text: int(text.removeprefix("node")))
    width = len(ordered[0]) - len("node") if ordered else 8
    rename = {old: f"node{i:0{width}d}" for i, old in enumerate(ordered)}
    _structure_ids(root, set(), rename)
    return len(rename)


def finish_pdf(pdf: bytes, target: Path, epoch: int) -> Path:
    """Write Chromium's ``pdf`` as ``target``: dated ``epoch`` (Chromium stamps the
    time of printing), its structure elements named in order rather than after DOM
    nodes (``renumber_structure_ids``), with an identifier computed from its
    contents (qpdf's deterministic ID), and its objects packed into compressed object
    streams (the structure tree of a tagged PDF is thousands of small objects: 11 MB
    become 4)."""
    import pikepdf

    stamp = time.strftime("D:%Y%m%d%H%M%S+00'00'", time.gmtime(epoch))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        if "/Metadata" in document.Root:  # an XMP packet would carry its own dates
            raise FilesError("Chromium's PDF has XMP metadata: date it too")
        renumber_structure_ids(document)
        # qpdf keeps the first half of an identifier the PDF has (Chromium's has none
        # today): any is dropped, so both halves come from the contents.
        if "/ID" in document.trailer:
            del document.trailer["/ID"]
        document.docinfo["/CreationDate"] = pikepdf.String(stamp)
        document.docinfo["/ModDate"] = pikepdf.String(stamp)
        document.save(
            partial,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            compress_streams=True,
            deterministic_id=True,
        )
    partial.replace(target)
    return target


# Before printing: every image eager, then loaded (or failed), and the fonts ready.
LOAD_EVERYTHING = """async () => {
    for (const img of document.images) { img.loading = "eager"; }
    await Promise.all(Array.from(document.images).map(img => img.complete
        ? null
        : new Promise(r => { img.addEventListener('load', r, {once: true});
                             img.addEventListener('error', r, {once: true}); })));
    await document.fonts.ready;
    return Array.from(document.images)
        .filter(img => !(img.complete && img.naturalWidth > 0))
        .map(img => img.getAttribute('src'));
}"""


def print_pdf(page: Path, target: Path, epoch: int) -> Path:
    """Print the single-page book ``page`` to ``target`` with Debian's Chromium."""
    from playwright.sync_api import sync_playwright

    from booktools.browser import CHROMIUM_ARGS, HOW_TO_INSTALL, find_chromium

    chromium = find_chromium()
    if chromium is None:
        raise FilesError(HOW_TO_INSTALL)
    if not page.is_file():
        raise FilesError(f"{page} does not exist: the singlehtml build wrote nothing")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(color_scheme="light")
            # The book loads nothing from another host; a request that tries is refused.
            context.route(re.compile(r"^(https?|wss?):"), lambda route: route.abort())
            tab = context.new_page()
            tab.goto(page.resolve().as_uri(), wait_until="load")
            broken = tab.evaluate(LOAD_EVERYTHING)
            if broken:
                raise FilesError(f"images that did not load in {page}: {broken[:5]}")
            pdf = tab.pdf(**PDF_OPTIONS)
        finally:
            browser.close()
    return finish_pdf(pdf, target, epoch)


# -- Both ---------------------------------------------------------------------------


def build_files(book: Book = BOOK, *, capture: bool = True) -> FilesResult:
    """Build the EPUB and the PDF of ``book`` into ``book.files``."""
    epoch = int(build_environment(book)["SOURCE_DATE_EPOCH"])
    seconds: dict[str, float] = {}
    # Sphinx puts every file of its epub folder into the EPUB, and warns (an error
    # here) about those it has no media type for, such as the .buildinfo.bak it leaves
    # when the configuration changed: the EPUB starts from an empty folder.
    shutil.rmtree(book.output("epub"), ignore_errors=True)

    def written(builder: str) -> None:
        done = build(book, builder=builder, capture=capture)
        if not done.ok:
            raise FilesError(
                f"the {builder} build failed (exit {done.returncode})\n"
                + done.output[-5000:]
            )
        seconds[builder] = done.seconds

    # The single page first; then the EPUB is written while Chromium prints the page
    # (the epub build does not touch the singlehtml folder, and the two Sphinx builds
    # are never run together: they share the doctrees and sphinx-gallery's folder).
    written("singlehtml")
    with ThreadPoolExecutor(max_workers=1) as pool:
        epub_build = pool.submit(written, "epub")
        start = time.perf_counter()
        print_pdf(book.output("singlehtml") / "index.html", book.pdf, epoch)
        seconds["print pdf"] = time.perf_counter() - start
        epub_build.result()
    start = time.perf_counter()
    (source,) = sorted(book.output("epub").glob("*.epub")) or [None]
    if source is None:
        raise FilesError(f"the epub build wrote no .epub into {book.output('epub')}")
    finish_epub(source, book.epub, epoch)
    seconds["finish epub"] = time.perf_counter() - start
    return FilesResult(book.epub, book.pdf, seconds)


# -- Checks -------------------------------------------------------------------------


def epubcheck_command(epub: Path) -> list[str]:
    """How to run epubcheck on this machine (Debian installs it as a jar)."""
    for jar in EPUBCHECK_JARS:
        if Path(jar).is_file() and shutil.which("java"):
            return ["java", *JAVA_SHORT_RUN, "-jar", jar, "--quiet", str(epub)]
    found = shutil.which("epubcheck")
    if found is None:
        raise FilesError(
            "epubcheck is not installed: run tools/provision-files.sh "
            "(apt-get install epubcheck)"
        )
    if found.endswith(".jar") or Path(found).resolve().suffix == ".jar":
        jar = str(Path(found).resolve())
        return ["java", *JAVA_SHORT_RUN, "-jar", jar, "--quiet", str(epub)]
    return [found, "--quiet", str(epub)]


def epubcheck(epub: Path) -> subprocess.CompletedProcess[str]:
    """Run epubcheck on ``epub`` (``--quiet``: only errors and warnings are printed)."""
    return subprocess.run(
        epubcheck_command(epub), capture_output=True, text=True, check=False
    )


def pdf_text(pdf: Path) -> str:
    """The text of ``pdf``, as ``pdftotext`` (poppler) reads it."""
    if shutil.which("pdftotext") is None:
        raise FilesError(
            "pdftotext is not installed: run tools/provision-files.sh "
            "(apt-get install poppler-utils)"
        )
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise FilesError(f"pdftotext could not read {pdf}: {done.stderr.strip()}")
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m booktools files", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--check", action="store_true", help="then run epubcheck on the EPUB"
    )
    args = parser.parse_args(argv)
    if uptodate.files_up_to_date(BOOK):
        print(
            f"{BOOK.epub.name} and {BOOK.pdf.name} are up to date: made from the "
            "site as make html last wrote it."
        )
    else:
        uptodate.forget_files(BOOK)
        try:
            done = build_files(BOOK, capture=False)
        except FilesError as error:
            print(f"make files: {error}", file=sys.stderr)
            return 1
        uptodate.record_files(BOOK)
        for path in (done.epub, done.pdf):
            print(f"{path} ({path.stat().st_size / 1e6:.2f} MB)")
        print(", ".join(f"{k} {v:.1f} s" for k, v in done.seconds.items()))
    if args.check:
        checked = epubcheck(BOOK.epub)
        print(checked.stdout + checked.stderr, end="")
        if checked.returncode != 0:
            print("make files: epubcheck found errors", file=sys.stderr)
            return 1
        print("epubcheck: no errors or warnings")
    return 0
