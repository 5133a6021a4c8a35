"""Build the book three ways and require the outputs to be byte-identical (HTML,
images, .py, .ipynb, .zip, search index, the EPUB and the PDF of ``make files``, ...):

1. a cold build in one folder;
2. the same folder after a rebuild with nothing changed (Sphinx re-reads nothing, but
   writes its indexes again: they must not change);
3. a cold build of another copy in another folder.

All three use the book's own command line (booktools.sphinx: ``-j``, as
``make html``). Two builds differ when a page shows a timing, a memory address, a date
or the build's own path, or when a rebuild loses what a cold build wrote; this check
finds those before a reader does. Exit status 1 on any difference.
Usage: python -m booktools repro [--keep]
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from booktools.files import FilesError, build_files
from booktools.paths import Book
from booktools.sources import copy_sources
from booktools.sphinx import BuildResult, build


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def show_difference(a: Path, b: Path) -> str:
    try:
        left, right = a.read_text().splitlines(), b.read_text().splitlines()
    except UnicodeDecodeError:
        return f"    (binary: {a.stat().st_size} vs {b.stat().st_size} bytes)"
    diff = difflib.unified_diff(left, right, "first", "second", n=0, lineterm="")
    return "\n".join("    " + line[:200] for line in list(diff)[2:14])


def differences(first: Path, second: Path, what: str) -> list[str]:
    """Every file that is in only one of two outputs, or differs between them."""
    names_a, names_b = files_under(first), files_under(second)
    problems = [f"{what}: only in the first: {n}" for n in sorted(names_a - names_b)]
    problems += [f"{what}: only in the second: {n}" for n in sorted(names_b - names_a)]
    for name in sorted(names_a & names_b):
        if not filecmp.cmp(first / name, second / name, shallow=False):
            problems.append(
                f"{what}: differs: {name}\n"
                + show_difference(first / name, second / name)
            )
    return problems


def built(book: Book, label: str) -> BuildResult:
    print(f"{label} in {book.root} ...", flush=True)
    done = build(book)
    if not done.ok:
        sys.stderr.write(done.output[-5000:])
        raise SystemExit(f"the build in {book.root} failed (exit {done.returncode})")
    print(f"  done in {done.seconds:.1f} s; the EPUB and the PDF ...", flush=True)
    try:
        files = build_files(book)
    except FilesError as error:
        raise SystemExit(f"make files in {book.root} failed: {error}") from error
    print(f"  done in {sum(files.seconds.values()):.1f} s", flush=True)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m booktools repro", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--keep", action="store_true", help="keep the builds")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="book-repro-"))
    try:
        first = copy_sources(work / "first")
        cold = built(first, "cold build")
        snapshot = work / "first-cold-html"
        shutil.copytree(cold.html, snapshot)
        rebuilt = built(first, "rebuild with nothing changed")
        other = copy_sources(work / "second-folder" / "nested")
        elsewhere = built(other, "cold build in another folder")

        problems = differences(snapshot, rebuilt.html, "cold build vs rebuild")
        problems += differences(cold.html, elsewhere.html, "two folders")
        for book, done in [(first, cold), (other, elsewhere)]:
            for name in sorted(files_under(done.html)):
                data = (done.html / name).read_bytes()
                if str(book.root).encode() in data or str(work).encode() in data:
                    problems.append(f"the build's own path appears in {name}")
        if problems:
            print(f"NOT reproducible: {len(problems)} problem(s)")
            print("\n".join(problems[:40]))
            return 1
        print(
            f"reproducible: {len(files_under(cold.html))} files byte-identical in a "
            "cold build, after a rebuild with nothing changed, and in another folder"
        )
        return 0
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
