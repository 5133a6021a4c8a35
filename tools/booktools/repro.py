"""Build the book twice, from two copies in two different folders, and require the two
outputs to be byte-identical (HTML, images, .py, .ipynb, .zip, search index, ...).

Two builds differ when a page shows a timing, a memory address, a date or the build's
own path; this check finds those before a reader does. Exit status 1 on any difference.
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

from booktools.sources import copy_sources
from booktools.sphinx import build


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def show_difference(a: Path, b: Path) -> str:
    try:
        left, right = a.read_text().splitlines(), b.read_text().splitlines()
    except UnicodeDecodeError:
        return f"    (binary: {a.stat().st_size} vs {b.stat().st_size} bytes)"
    diff = difflib.unified_diff(left, right, "first", "second", n=0, lineterm="")
    return "\n".join("    " + line[:200] for line in list(diff)[2:14])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m booktools repro", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--keep", action="store_true", help="keep the two builds")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="book-repro-"))
    roots = [work / "first", work / "second-folder" / "nested"]
    try:
        builds = []
        for root in roots:
            book = copy_sources(root)
            print(f"building in {root} ...", flush=True)
            done = build(book)
            if not done.ok:
                sys.stderr.write(done.output[-5000:])
                print(f"the build in {root} failed (exit {done.returncode})")
                return 1
            builds.append(done)
            print(f"  done in {done.seconds:.1f} s", flush=True)
        first, second = (b.html for b in builds)
        names_a, names_b = files_under(first), files_under(second)
        problems = [f"only in the first build: {n}" for n in sorted(names_a - names_b)]
        problems += [
            f"only in the second build: {n}" for n in sorted(names_b - names_a)
        ]
        for name in sorted(names_a & names_b):
            if not filecmp.cmp(first / name, second / name, shallow=False):
                problems.append(
                    f"differs: {name}\n" + show_difference(first / name, second / name)
                )
        for root, done in zip(roots, builds, strict=True):
            for name in sorted(files_under(done.html)):
                data = (done.html / name).read_bytes()
                if str(root).encode() in data or str(work).encode() in data:
                    problems.append(f"the build's own path appears in {name}")
        if problems:
            print(f"NOT reproducible: {len(problems)} problem(s)")
            print("\n".join(problems[:40]))
            return 1
        print(f"reproducible: {len(names_a)} files byte-identical in two folders")
        return 0
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
