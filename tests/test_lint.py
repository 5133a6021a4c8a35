"""The code stays as `make lint` wants it (the same commands: booktools.lint)."""

from __future__ import annotations

import pytest
from booktools import lint


@pytest.mark.parametrize("name", sorted(lint.COMMANDS))
def test_lint(name):
    result = lint.run(name)
    assert result.returncode == 0, result.stdout
