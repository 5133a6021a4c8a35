"""The environment every build of the book runs in: one fixed date, hash seed and
Matplotlib backend, so two builds of the same sources write the same bytes."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from booktools.paths import BOOK, Book

# When neither the environment nor git gives a date (a copy without .git history).
FALLBACK_SOURCE_DATE_EPOCH = "1700000000"


def source_date_epoch(repo: Path = BOOK.root) -> str:
    """``SOURCE_DATE_EPOCH`` if set, else the date of the last commit, else a fixed one.

    Sphinx clamps the copyright year to it and the build stamps zip entries with it.
    """
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git on this machine
        return FALLBACK_SOURCE_DATE_EPOCH
    return done.stdout.strip() or FALLBACK_SOURCE_DATE_EPOCH


def build_environment(
    book: Book = BOOK, base: Mapping[str, str] | None = None, **extra: str
) -> dict[str, str]:
    """The environment for building ``book`` (or running its tutorials like the build).

    * ``SOURCE_DATE_EPOCH``: a fixed date (the last commit's);
    * ``PYTHONHASHSEED=0``: set iteration order, hence output, is the same each run;
    * ``MPLBACKEND=Agg``: no display needed, same pixels everywhere;
    * ``PYTHONDONTWRITEBYTECODE=1``: no ``__pycache__`` in the sources;
    * ``PYTHONPATH``: the copy's own ``src/`` first, so a copy of the book in a
      temporary folder builds with its own gradbook, not the installed one.
    """
    env = dict(os.environ if base is None else base)
    env.update(
        SOURCE_DATE_EPOCH=source_date_epoch(BOOK.root),
        PYTHONHASHSEED="0",
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if book.src.is_dir():
        paths = [str(book.src), *filter(None, [env.get("PYTHONPATH", "")])]
        env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env
