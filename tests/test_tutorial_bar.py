"""docs/_ext/tutorial_bar.py: the one setting of the Colab link, validated."""

from __future__ import annotations

import re

import pytest
from sphinx.errors import ConfigError
from tutorial_bar import github_repo


def test_colab_link_comes_from_the_repository_setting():
    assert github_repo("") is None
    assert github_repo("https://github.com/me/book") == ("me", "book")
    assert github_repo("https://github.com/me/book.git/") == ("me", "book")
    with pytest.raises(ConfigError, match=re.escape("https://github.com/OWNER/REPO")):
        github_repo("https://gitlab.com/me/book")
    with pytest.raises(ConfigError, match="must be a string"):
        github_repo(None)  # type: ignore[arg-type]
