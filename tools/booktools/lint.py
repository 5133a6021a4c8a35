"""``make lint``: the code as ruff wants it, the docs as sphinx-lint wants them, and
the types of gradbook and of the book's extensions as ``mypy --strict`` wants them.

The test suite runs the same commands (tests/test_lint.py), so CI keeps them clean.
Usage: python -m booktools lint
"""

from __future__ import annotations

import subprocess
import sys

from booktools.paths import BOOK

CODE = ("src", "tests", "gallery", "tools", "docs")
GENERATED = ("docs/_build", "docs/auto_examples", "docs/gen_modules")

# name -> the command, run from the repository's root
COMMANDS: dict[str, list[str]] = {
    "ruff-check": [sys.executable, "-m", "ruff", "check", *CODE],
    "ruff-format": [sys.executable, "-m", "ruff", "format", "--check", *CODE],
    "sphinx-lint": [
        sys.executable,
        "-m",
        "sphinxlint",
        "--enable",
        "all",
        "--disable",
        "line-too-long",
        *(arg for path in GENERATED for arg in ("--ignore", path)),
        "docs",
        "gallery",
        "src",
    ],
    # src/ and docs/_ext, strict, as pyproject.toml's [tool.mypy] says (its cache in
    # .cache/mypy: a run after a small change takes about a second).
    "mypy": [sys.executable, "-m", "mypy"],
}


def run(name: str) -> subprocess.CompletedProcess[str]:
    """Run one of ``COMMANDS``, its output captured."""
    return subprocess.run(
        COMMANDS[name],
        cwd=BOOK.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def main(argv: list[str] | None = None) -> int:
    failed = []
    for name in COMMANDS:
        done = run(name)
        print(f"== {name}: {'ok' if done.returncode == 0 else 'FAILED'}")
        if done.returncode != 0:
            print(done.stdout)
            failed.append(name)
    return 1 if failed else 0
