"""The code stays as `make lint` wants it: ruff's rules and format, sphinx-lint's docs."""

from __future__ import annotations

import sys

import pytest
from booktest import REPO, run

CODE = ["src", "tests", "gallery", "tools", "docs"]


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", *CODE],
        ["ruff", "format", "--check", *CODE],
    ],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff(command):
    result = run([sys.executable, "-m", *command], cwd=REPO)
    assert result.returncode == 0, result.stdout


def test_sphinx_lint():
    ignored = ["docs/_build", "docs/auto_examples", "docs/gen_modules"]
    options = [arg for path in ignored for arg in ("--ignore", path)]
    result = run(
        [sys.executable, "-m", "sphinxlint", "--enable", "all", "--disable",
         "line-too-long", *options, "docs", "gallery", "src"],
        cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
