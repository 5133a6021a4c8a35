"""Shared fixtures (plain helpers live in booktest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from booktest import HTML


@pytest.fixture(scope="session")
def site() -> Path:
    """The book built by `make html` (make test builds it before running pytest)."""
    index = HTML / "index.html"
    if not index.exists():
        pytest.fail(f"{index} does not exist: build the book first ('make html').")
    return HTML


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable
