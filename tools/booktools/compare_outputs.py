"""Compare what the executed pages of two builds of the book printed.

The weekly workflow (.github/workflows/newer-torch.yml) builds the book twice, with
the lock and with the newest torch, and runs this on the two HTML folders. It reads
the text outputs of every executed page: what sphinx-gallery captured from each
tutorial (``div.sphx-glr-script-out``) and what myst-nb captured from the MyST pages'
cells (``div.cell_output``). The torch version is masked first (each build's own,
read from the tutorial bar, and any "torch X.Y.Z" an output prints), so the version
line alone is no difference. It names each page whose outputs differ, with a small
diff, and each page only one build has.

``--build-log LOG`` (repeatable) also reads a ``make html`` log and names each page
whose check failed: a tutorial that raised (a gradbook check that does not hold
raises), a MyST page whose cell failed, any Sphinx warning or error (the build is
strict, each one fails it). A line ``... exit status: N`` with N > 0, which the
workflow appends after the build, counts as a failure too.

Exit status 0 when the outputs agree and no log shows a failure, 1 otherwise, 2 when
a folder is not a built book (unless a log shows why: a build that fails early, at a
MyST page's cell for instance, writes no pages at all).
Usage: python -m booktools compare-outputs BUILD_A BUILD_B [--build-log LOG ...]

Only the standard library: the workflow runs it with the runner's python3.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

# The classes of the blocks that hold what a page's code printed.
OUTPUT_CLASSES = frozenset({"sphx-glr-script-out", "cell_output"})
# The tutorial bar's line "Outputs computed with torch X" (docs/_ext/tutorial_bar.py).
VERSION_CLASS = "book-torch-version"
TORCH_VERSION_MASK = "<torch version>"
# "torch 2.13.0+cpu", "torch==2.13.0", "torch version: 2.13.0", "torch.__version__ = '2.13.0'"
PRINTED_TORCH_VERSION = re.compile(
    r"(?i)(\btorch(?:\.__version__|\s+version)?\s*(?:==|=|:|\s)\s*['\"]?)"
    r"v?\d+\.\d+(?:\.\d+)?(?:[a-z0-9.+]*)"
)
# sphinx-gallery writes each tutorial's page into this folder of the book.
GALLERY_DIR = "auto_examples"
DIFF_LINES = 12  # per page: a small diff, enough to see what changed
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)  # fmt: skip


class _OutputParser(HTMLParser):
    """Collect the text of each output block of one page, and the torch version."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.versions: list[str] = []
        self._stack: list[str] = []  # open tags
        self._output_depth: int | None = None  # stack depth of the open output block
        self._version_depth: int | None = None
        self._text: list[str] = []
        self._version_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            return
        self._stack.append(tag)
        classes = set((dict(attrs).get("class") or "").split())
        if self._output_depth is None and classes & OUTPUT_CLASSES:
            self._output_depth = len(self._stack)
            self._text = []
        if self._version_depth is None and VERSION_CLASS in classes:
            self._version_depth = len(self._stack)
            self._version_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <br/>, <img/>: nothing opens

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._stack:
            return  # a stray end tag
        while self._stack:
            depth = len(self._stack)
            if self._output_depth == depth:
                self.blocks.append("".join(self._text))
                self._output_depth = None
            if self._version_depth == depth:
                found = re.search(r"torch\s+(\S+)", " ".join(self._version_text))
                if found:
                    self.versions.append(found.group(1))
                self._version_depth = None
            if self._stack.pop() == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._output_depth is not None:
            self._text.append(data)
        if self._version_depth is not None:
            self._version_text.append(data)


@dataclass
class Page:
    """The outputs of one page, and the torch version its bar names (if any)."""

    blocks: list[str]
    versions: list[str] = field(default_factory=list)


def read_page(path: Path) -> Page:
    parser = _OutputParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return Page(parser.blocks, parser.versions)


def read_build(folder: Path) -> dict[str, Page]:
    """Every page of a built book (an HTML folder) that shows executed output, by its
    path relative to the folder ("auto_examples/01_x.html")."""
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder}: no such folder; expected the HTML folder of a built book "
            "(docs/_build/html)"
        )
    pages = {}
    for path in sorted(folder.rglob("*.html")):
        page = read_page(path)
        if page.blocks:
            pages[path.relative_to(folder).as_posix()] = page
    return pages


def mask_torch_version(text: str, versions: Iterable[str] = ()) -> str:
    """``text`` with the torch version masked: each of ``versions`` (and the same
    without its local label, "2.13.0" for "2.13.0+cpu"), and any version printed
    after the word torch."""
    known = set()
    for version in versions:
        known.update({version, version.split("+")[0]})
    for version in sorted(known, key=len, reverse=True):
        text = re.sub(
            rf"(?<![\w.]){re.escape(version)}(?![\w.+])", TORCH_VERSION_MASK, text
        )
    return PRINTED_TORCH_VERSION.sub(lambda m: m.group(1) + TORCH_VERSION_MASK, text)


def page_lines(page: Page, versions: Iterable[str]) -> list[str]:
    """A page's outputs as lines, the torch version masked, blocks separated."""
    lines: list[str] = []
    for number, block in enumerate(page.blocks, 1):
        lines.append(f"[output {number}]")
        lines += mask_torch_version(block, versions).rstrip("\n").splitlines()
    return lines


def compare_builds(
    first: dict[str, Page], second: dict[str, Page], labels: Sequence[str] = ("a", "b")
) -> list[str]:
    """One report (page name, then a small diff) per page whose outputs differ or
    that only one build has."""
    versions = [
        {v for page in build.values() for v in page.versions}
        for build in (first, second)
    ]
    every_version = versions[0] | versions[1]
    reports = []
    for name in sorted(first.keys() | second.keys()):
        if name not in second:
            reports.append(f"{name}: executed output only in {labels[0]}")
            continue
        if name not in first:
            reports.append(f"{name}: executed output only in {labels[1]}")
            continue
        left = page_lines(first[name], every_version)
        right = page_lines(second[name], every_version)
        if left == right:
            continue
        diff = list(
            difflib.unified_diff(left, right, labels[0], labels[1], n=1, lineterm="")
        )
        shown = [f"    {line[:200]}" for line in diff[: DIFF_LINES + 2]]
        if len(diff) > DIFF_LINES + 2:
            shown.append(f"    ... ({len(diff) - DIFF_LINES - 2} more diff lines)")
        reports.append(f"{name}: output differs\n" + "\n".join(shown))
    return reports


# -- build logs ----------------------------------------------------------------------
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# sphinx-gallery, as a tutorial fails and again in its summary at the end.
GALLERY_FAILURE = re.compile(
    r"([^\s/]+)\.py (?:unexpectedly failed to execute correctly|failed leaving "
    r"traceback):"
)
# myst-nb, when a cell of a MyST page raises (nb_execution_raise_on_error).
MYST_FAILURE = re.compile(r"\bExecutionError:\s*(\S+\.(?:md|ipynb))\s*$")
EXCEPTION_LINE = re.compile(r"^\s*[\w.]*(?:Error|Exception|Failed|Warning)\w*: \S")
SPHINX_PROBLEM = re.compile(r"(?:^|\s)(WARNING|ERROR|CRITICAL):\s*(.*)")
LOCATION = re.compile(r"^(\S+?)(?::\d+)*:\s+(?:WARNING|ERROR|CRITICAL):")
TUTORIAL_NAME = re.compile(r"(?<![\w/])(?:\S*/)?(\d\d_[\w-]+)\.(?:py|ipynb|rst|html)\b")
BUILD_FAILED = re.compile(
    r"(Exception occurred:|Extension error|build finished with problems"
    r"|Sphinx parallel build error"
    r"|exit status:?\s*[1-9]\d*\s*$)"
)


def _page_of_path(path: str) -> str | None:
    """``.../docs/glossary.md`` -> ``glossary.html``; None for a file outside docs/."""
    if "/docs/" in "/" + path and path.endswith((".md", ".rst", ".ipynb")):
        docname = path.split("docs/", 1)[1].rsplit(".", 1)[0]
        return f"{docname}.html"
    return None


def _page_of(text: str) -> str | None:
    """The book page a log line names: a tutorial (``gallery/05_x.py``,
    ``auto_examples/05_x.rst``) or a MyST page (``docs/glossary.md``)."""
    found = TUTORIAL_NAME.search(text)
    if found:
        return f"{GALLERY_DIR}/{found.group(1)}.html"
    location = LOCATION.match(text)
    return _page_of_path(location.group(1)) if location else None


def _traceback_end(lines: list[str], start: int) -> str:
    """The exception that ends the indented traceback after ``lines[start]`` (its
    last line that names an error, else its last line)."""
    last = error = ""
    for line in lines[start + 1 :]:
        if line.strip() and not line.startswith((" ", "\t")):
            break
        if GALLERY_FAILURE.search(line):
            break  # the next failing tutorial
        if line.strip():
            last = line.strip()
        if EXCEPTION_LINE.match(line):
            error = line.strip()
    return error or last


def _exception_before(lines: list[str], end: int) -> str:
    """The nearest exception line above ``lines[end]`` that says what went wrong (the
    cell's own error, not the wrappers that carried it to the console)."""
    for line in reversed(lines[max(0, end - 200) : end]):
        text = line.strip()
        if EXCEPTION_LINE.match(line) and "ExecutionError" not in text.split(":")[0]:
            return text
    return ""


def log_failures(text: str) -> list[tuple[str | None, str]]:
    """``(page or None, what failed)`` for each failure a ``make html`` log shows."""
    lines = [ANSI.sub("", line) for line in text.splitlines()]
    found: list[tuple[str | None, str]] = []
    for number, line in enumerate(lines):
        failed = GALLERY_FAILURE.search(line)
        if failed:
            page = f"{GALLERY_DIR}/{failed.group(1)}.html"
            reason = _traceback_end(lines, number) or "raised"
            found.append((page, f"the tutorial {failed.group(1)}.py failed: {reason}"))
            continue
        cell = MYST_FAILURE.search(line)
        if cell and _page_of_path(cell.group(1)):
            reason = _exception_before(lines, number) or "raised"
            name = cell.group(1).rsplit("/", 1)[-1]
            found.append(
                (_page_of_path(cell.group(1)), f"a cell of {name} failed: {reason}")
            )
            continue
        problem = SPHINX_PROBLEM.search(line)
        if problem:
            found.append((_page_of(line), f"{problem.group(1)}: {problem.group(2)}"))
            continue
        if BUILD_FAILED.search(line):
            found.append((None, line.strip()))
    return found


def report_log(path: Path) -> list[str]:
    """One line per failing page (and per failure no page is named in)."""
    failures = log_failures(path.read_text(encoding="utf-8", errors="replace"))
    by_page: dict[str, list[str]] = {}
    general: list[str] = []
    for page, what in failures:
        if page is None:
            general.append(what)
        elif what not in by_page.setdefault(page, []):
            by_page[page].append(what)  # a failure told twice is one failure
    reports = [
        f"{page}: check failed ({path}): {whats[0][:300]}"
        + (f" (+{len(whats) - 1} more)" if len(whats) > 1 else "")
        for page, whats in sorted(by_page.items())
    ]
    if general and not by_page:
        reports.append(f"the build failed ({path}): {general[0][:300]}")
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m booktools compare-outputs",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("build_a", type=Path, help="HTML folder of the first build")
    parser.add_argument("build_b", type=Path, help="HTML folder of the second build")
    parser.add_argument(
        "--build-log",
        type=Path,
        action="append",
        default=[],
        metavar="LOG",
        help="a make html log to read for failed checks (repeatable)",
    )
    args = parser.parse_args(argv)

    problems: list[str] = []
    for log in args.build_log:
        if not log.is_file():
            print(f"compare-outputs: {log}: no such build log", file=sys.stderr)
            return 2
        problems += report_log(log)
    failed_build = bool(problems)  # a log shows a failure: pages may be missing
    builds: list[dict[str, Page]] = []
    for folder in (args.build_a, args.build_b):
        try:
            pages = read_build(folder)
        except FileNotFoundError as error:
            if not failed_build:
                print(f"compare-outputs: {error}", file=sys.stderr)
                return 2
            problems.append(f"{folder}: no pages (the build failed before writing)")
            pages = {}
        if not pages and not failed_build:
            print(
                f"compare-outputs: {folder}: no page with executed output; expected "
                "the HTML folder of a built book (docs/_build/html)",
                file=sys.stderr,
            )
            return 2
        builds.append(pages)
    labels = (str(args.build_a), str(args.build_b))
    if all(builds):  # a build that wrote nothing is reported above, not page by page
        problems += compare_builds(builds[0], builds[1], labels)
    for line in problems:
        print(line)
    versions = [
        sorted({v for p in b.values() for v in p.versions}) or ["?"] for b in builds
    ]
    print(
        f"compare-outputs: {len(problems)} problem(s); {len(builds[0])} and "
        f"{len(builds[1])} executed pages; torch {', '.join(versions[0])} "
        f"({labels[0]}) vs {', '.join(versions[1])} ({labels[1]})"
    )
    return 1 if problems else 0
