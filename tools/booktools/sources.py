"""A clean copy of the book's sources, for builds that must not touch the working tree
(``make repro`` builds two, ``make bench`` one)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from booktools.paths import BOOK, Book


def source_files(repo: Path = BOOK.root) -> list[str]:
    """The files git tracks, plus untracked ones it does not ignore (work in progress)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [f for f in out.split("\0") if f and (repo / f).is_file()]


def copy_sources(dest: Path, repo: Path = BOOK.root) -> Book:
    """Copy the sources (nothing generated) into ``dest``; return that copy."""
    for rel in source_files(repo):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target)
    return Book(dest)
