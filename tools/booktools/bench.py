"""Benchmark the book: build times, each tutorial's standalone time, peak memory.

Measures, on a clean copy of the sources in a temporary folder:
  * the cold build (nothing generated yet), its wall time and peak memory, and each
    tutorial run alone with ``python`` (what a reader does with the download), side
    by side in three rounds: a cold build from nothing, then every tutorial alone.
    This kind of machine drifts by 15 % within minutes, so each round's ratio cold
    build / sum of the tutorials alone compares times taken together, and the
    median of the three rounds counts (target: at most 0.35);
  * a no-change rebuild right after it, as ``make html`` runs it (target: at most
    2 s): the book is found up to date and Sphinx is not started
    (booktools.uptodate); and Sphinx's own rebuild with nothing changed, for the
    record;
  * an edit of one tutorial: one character of a text cell changed, then a rebuild
    (sphinx-gallery compares content, not file times, so the edit is real); target:
    at most that tutorial's own time alone (its median) plus 3 s; three edits, the
    median counts;
  * each tutorial's own work: its time alone minus importing what it imports,
    torch, Matplotlib and gradbook, and the parts of torch loaded on first use (the
    first call of ``torch.func`` imports some 800 modules, sympy among them, for
    over a second).
Writes a JSON file and prints a table. It asserts nothing: it is a benchmark, not a test.
Usage: python -m booktools bench [--output docs/_build/bench.json] [--edit NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from booktools.env import build_environment
from booktools.paths import BOOK, Book
from booktools.sources import copy_sources
from booktools.sphinx import BuildResult, build


def peak_child_mb() -> float:
    """The largest resident set of any finished child process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def timed_build(book: Book, skip_unchanged: bool = True) -> BuildResult:
    """A build as ``make html`` runs it (``skip_unchanged=False``: Sphinx always)."""
    done = build(book, skip_unchanged=skip_unchanged)
    if not done.ok:
        sys.stderr.write(done.output[-5000:])
        raise SystemExit(f"the build in {book.root} failed (exit {done.returncode})")
    return done


# What every tutorial pays before its own first line of work: Python, torch,
# Matplotlib and gradbook imported. A tutorial's own work is its time alone minus this.
IMPORTS_ONLY = "import matplotlib.pyplot, torch, gradbook"


# Run a tutorial, then write the names of the modules it has imported by its end, in
# the order they were first imported.
LIST_IMPORTS = """import json, runpy, sys
runpy.run_path(sys.argv[1], run_name="__main__")
with open(sys.argv[2], "w") as out:
    json.dump([name for name in sys.modules if name != "__main__"], out)
"""
# Import those modules, and nothing else (a module that cannot be imported by name,
# such as one a package registers under an alias, is left to its package).
IMPORT_LISTED = """import importlib, json, sys
for name in json.load(open(sys.argv[1])):
    try:
        importlib.import_module(name)
    except Exception:
        pass
"""


REPEATS = 3  # rounds (cold build, tutorials alone) and edit rebuilds; medians count


def forget_build(book: Book) -> None:
    """Everything a build generated, gone: the next build is a cold one."""
    for folder in [book.build_dir, *book.generated]:
        shutil.rmtree(folder, ignore_errors=True)


def time_imports(script: Path, book: Book) -> float:
    """Seconds for importing, in a fresh ``python``, every module ``script`` imports
    (on first use too), the fastest of two runs."""
    with tempfile.TemporaryDirectory() as folder:
        listed = Path(folder, "modules.json")
        subprocess.run(
            [sys.executable, "-c", LIST_IMPORTS, str(script), str(listed)],
            cwd=folder,
            env=build_environment(book),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return min(time_tutorial(None, book, ["-c", IMPORT_LISTED, str(listed)])
                   for _ in range(2))  # fmt: skip


def time_tutorial(
    script: Path | None, book: Book, command: list[str] | None = None
) -> float:
    """Seconds for ``python script`` in a fresh folder (``None``: ``command``, or
    importing torch, Matplotlib and gradbook)."""
    command = [str(script)] if script else (command or ["-c", IMPORTS_ONLY])
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, *command],
            cwd=cwd,
            env=build_environment(book),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - start


# A line of prose in a text cell ("# %%" block) that ends in a lower-case letter and
# holds no reST markup, so one more letter changes a word, not the page's structure.
PROSE_LINE = re.compile(r"^# [^`*:|_\[\]<>]*[a-z]$")
UNDERLINE = re.compile(r"^# ?([-=~^])\1+\s*$")  # a heading's, which the edit skips


def edit_one_character(script: Path) -> int:
    """Add one letter to the first plain line of prose of a text cell of ``script``;
    return its line number. The edit a writer makes, and sphinx-gallery sees."""
    lines = script.read_text(encoding="utf-8").splitlines(keepends=True)
    in_text_cell = False
    for number, line in enumerate(lines):
        if line.startswith("# %%"):
            in_text_cell = True
        elif not line.startswith("#"):
            in_text_cell = False
        elif (
            in_text_cell
            and PROSE_LINE.match(line.rstrip("\n"))
            and not UNDERLINE.match(
                lines[number + 1] if number + 1 < len(lines) else ""
            )
        ):
            lines[number] = line.rstrip("\n") + "s\n"
            script.write_text("".join(lines), encoding="utf-8")
            return number + 1
    raise SystemExit(
        f"bench: {script} has no line of plain prose in a text cell to edit"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m booktools bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--output", type=Path, default=BOOK.build_dir / "bench.json")
    parser.add_argument(
        "--edit",
        default=BOOK.tutorials()[0].name,
        help="the tutorial whose text is edited for the edit rebuild "
        "(default: %(default)s)",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="book-bench-"))
    try:
        book = copy_sources(work / "book")
        edited = book.gallery / args.edit
        if not edited.is_file():
            names = ", ".join(p.name for p in book.tutorials())
            raise SystemExit(f"bench --edit: no tutorial {args.edit!r}; one of {names}")
        colds: list[float] = []
        alone: dict[str, list[float]] = {s.name: [] for s in book.tutorials()}
        for _ in range(REPEATS):  # the rounds: a cold build, then each tutorial
            forget_build(book)
            colds.append(timed_build(book).seconds)
            for script in book.tutorials():
                alone[script.name].append(time_tutorial(script, book))
        peak = peak_child_mb()
        sums = [sum(times[i] for times in alone.values()) for i in range(REPEATS)]
        ratios = [cold / total for cold, total in zip(colds, sums, strict=True)]
        cold_seconds = statistics.median(colds)
        tutorials = {
            name: round(statistics.median(times), 3) for name, times in alone.items()
        }
        rebuild = timed_build(book)
        sphinx_rebuild = timed_build(book, skip_unchanged=False)
        edits = []
        for _ in range(REPEATS):
            edited_line = edit_one_character(edited)
            edits.append(timed_build(book).seconds)
        edit_seconds = statistics.median(edits)
        imports = min(time_tutorial(None, book) for _ in range(3))
        own_imports = {
            script.name: round(time_imports(script, book), 3)
            for script in book.tutorials()
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = statistics.median(sums)
    ratio = statistics.median(ratios)
    edit_bound = tutorials[args.edit] + 3
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "cold_build_s": round(cold_seconds, 2),
        "cold_builds_s": [round(seconds, 2) for seconds in colds],
        "no_change_rebuild_s": round(rebuild.seconds, 2),
        "no_change_rebuild_skipped_sphinx": rebuild.skipped,
        "no_change_sphinx_rebuild_s": round(sphinx_rebuild.seconds, 2),
        "edit_rebuild": {
            "tutorial": args.edit,
            "line": edited_line,
            "seconds": round(edit_seconds, 2),
            "each_s": [round(seconds, 2) for seconds in edits],
            "tutorial_alone_s": tutorials[args.edit],
            "over_tutorial_alone": round(edit_seconds / tutorials[args.edit], 3),
            "bound_s": round(edit_bound, 2),
        },
        "build_peak_memory_mb": round(peak, 1),
        "tutorials_alone_s": tutorials,
        "tutorials_alone_each_s": {
            name: [round(seconds, 3) for seconds in times]
            for name, times in alone.items()
        },
        "imports_only_s": round(imports, 3),
        "tutorials_imports_s": own_imports,
        "tutorials_own_work_s": {
            name: round(sec - own_imports[name], 3) for name, sec in tutorials.items()
        },
        "tutorials_alone_sum_s": round(total, 2),
        "rounds": [
            {
                "cold_build_s": round(cold, 2),
                "tutorials_alone_sum_s": round(sum_, 2),
                "cold_build_over_sum": round(r, 3),
            }
            for cold, sum_, r in zip(colds, sums, ratios, strict=True)
        ],
        "cold_build_over_sum": round(ratio, 3),
        "targets": {
            "cold_build_over_sum": "<= 0.35",
            "no_change_rebuild_s": "<= 2",
            "edit_rebuild_s": "<= the edited tutorial alone + 3",
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")

    rows = [
        (
            f"cold build (median of {REPEATS})",
            f"{cold_seconds:.2f} s  ({', '.join(f'{c:.2f}' for c in colds)})",
        ),
        (
            "no-change rebuild (make html)",
            f"{rebuild.seconds:.2f} s  (target <= 2 s; "
            + ("up to date, no Sphinx)" if rebuild.skipped else "Sphinx ran)"),
        ),
        ("  Sphinx's own no-change rebuild", f"{sphinx_rebuild.seconds:.2f} s"),
        (
            f"edit rebuild ({args.edit}:{edited_line})",
            f"{edit_seconds:.2f} s  (target <= {edit_bound:.2f} s: alone + 3 s; "
            f"{', '.join(f'{e:.2f}' for e in edits)})",
        ),
        ("peak memory of the build", f"{peak:.0f} MB"),
        ("imports only (torch, Matplotlib, gradbook)", f"{imports:.2f} s"),
        *(
            (
                f"  {name} alone",
                f"{sec:.2f} s  (its imports {own_imports[name]:.2f} s, "
                f"own work {sec - own_imports[name]:.2f} s)",
            )
            for name, sec in tutorials.items()
        ),
        (
            f"sum of tutorials alone (median of {REPEATS})",
            f"{total:.2f} s  ({', '.join(f'{t:.2f}' for t in sums)})",
        ),
        (
            f"cold build / sum (median of {REPEATS} rounds)",
            f"{ratio:.3f}  (target <= 0.35; each round "
            f"{', '.join(f'{r:.3f}' for r in ratios)})",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"\nwritten to {args.output}")
    return 0
