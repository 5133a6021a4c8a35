"""Shared by the tests: where the repository, the gallery and the built book are, and
how to run a command the way the Makefile does."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GALLERY = REPO / "gallery"
DOCS = REPO / "docs"
HTML = DOCS / "_build" / "html"
TUTORIALS = sorted(GALLERY.glob("[0-9][0-9]_*.py"))


def build_env(**extra: str) -> dict[str, str]:
    """The environment the Makefile builds with: fixed date and hash seed, no display."""
    env = dict(os.environ)
    env.update(
        SOURCE_DATE_EPOCH=env.get("SOURCE_DATE_EPOCH", "1700000000"),
        PYTHONHASHSEED="0",
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, timeout: float = 600, **env: str):
    """Run a command, capturing stdout and stderr together as text."""
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=build_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
