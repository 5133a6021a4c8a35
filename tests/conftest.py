"""Shared fixtures. Paths, the build's command line and environment, the server and
the browser all come from ``booktools`` (tools/booktools); nothing here repeats them.

The suite runs on every core (``make test`` passes ``-n auto`` to pytest-xdist): each
worker is its own process, so a session fixture runs once per worker. What is too
expensive to do twice (a Sphinx build of a broken book, the reader's environment) is
done once per run with ``shared_result``, under a file lock.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from booktools import BOOK
from filelock import FileLock

# Tests that draw never need a display.
os.environ.setdefault("MPLBACKEND", "Agg")

TUTORIALS = BOOK.tutorials()


def shared_result(
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
    name: str,
    compute: Callable[[Path], dict[str, Any]],
) -> dict[str, Any]:
    """``compute(folder)`` once per test run, whichever worker asks first; the others
    wait for it and read its (JSON) result. ``folder`` is a fresh temporary folder
    that outlives the call (the result may name files in it)."""
    if worker_id == "master":  # not under xdist: nobody to share with
        return compute(tmp_path_factory.mktemp(name))
    root = tmp_path_factory.getbasetemp().parent  # shared by this run's workers
    result = root / f"{name}.json"
    with FileLock(str(result) + ".lock"):
        if result.is_file():
            return json.loads(result.read_text())
        data = compute(tmp_path_factory.mktemp(name))
        result.write_text(json.dumps(data))
        return data


@pytest.fixture(scope="session")
def site() -> Path:
    """The book built by `make html` (make test builds it before running pytest)."""
    index = BOOK.html / "index.html"
    if not index.exists():
        pytest.fail(f"{index} does not exist: build the book first ('make html').")
    return BOOK.html


@pytest.fixture(scope="session")
def mutant_runner(tmp_path_factory):
    """One warm process that runs mutated tutorials (tests/mutants.py), per worker."""
    from booktools.env import build_environment
    from mutants import MutantRunner

    runner = MutantRunner(build_environment(), str(tmp_path_factory.mktemp("mutants")))
    yield runner
    runner.close()


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable
