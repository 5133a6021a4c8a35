"""Benchmark the book: build times, each tutorial's standalone time, peak memory.

Measures, on a clean copy of the sources in a temporary folder:
  * the cold build (nothing generated yet), its wall time and peak memory;
  * a no-change rebuild right after it;
  * each tutorial run alone with ``python`` (what a reader does with the download);
  * the ratio cold build / sum of standalone runs (target <= 0.5).
Writes a JSON file and prints a table. It asserts nothing: it is a benchmark, not a test.
Usage: python -m booktools bench [--output docs/_build/bench.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
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


def timed_build(book: Book) -> BuildResult:
    done = build(book)
    if not done.ok:
        sys.stderr.write(done.output[-5000:])
        raise SystemExit(f"the build in {book.root} failed (exit {done.returncode})")
    return done


def time_tutorial(script: Path, book: Book) -> float:
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, str(script)],
            cwd=cwd,
            env=build_environment(book),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m booktools bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--output", type=Path, default=BOOK.build_dir / "bench.json")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="book-bench-"))
    try:
        book = copy_sources(work / "book")
        cold = timed_build(book)
        peak = peak_child_mb()
        rebuild = timed_build(book)
        tutorials = {
            script.name: round(time_tutorial(script, book), 3)
            for script in book.tutorials()
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = sum(tutorials.values())
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "platform": platform.platform(),
        },
        "cold_build_s": round(cold.seconds, 2),
        "no_change_rebuild_s": round(rebuild.seconds, 2),
        "build_peak_memory_mb": round(peak, 1),
        "tutorials_alone_s": tutorials,
        "tutorials_alone_sum_s": round(total, 2),
        "cold_build_over_sum": round(cold.seconds / total, 3) if total else None,
        "targets": {"cold_build_over_sum": "<= 0.5", "no_change_rebuild_s": "< 3"},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")

    rows = [
        ("cold build", f"{cold.seconds:.2f} s"),
        ("no-change rebuild", f"{rebuild.seconds:.2f} s  (target < 3 s)"),
        ("peak memory of the build", f"{peak:.0f} MB"),
        *((f"  {name} alone", f"{sec:.2f} s") for name, sec in tutorials.items()),
        ("sum of tutorials alone", f"{total:.2f} s"),
        ("cold build / sum", f"{result['cold_build_over_sum']}  (target <= 0.5)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"\nwritten to {args.output}")
    return 0
