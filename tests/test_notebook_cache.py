"""The key of the notebook pages' stored outputs (docs/_ext/notebook_cache.py).

jupyter-cache's own key is a page's code; the book's cache folder is named by
``bookbuild.execution_inputs_digest()``, which must change with everything else a
page's outputs depend on (and with nothing that is the same). Each case computes it
in a fresh Python, as conf.py does, with gradbook imported from a copy in a temporary
folder. How a page is stored and read back: test_build_strict.py's control book."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from booktools import BOOK

DIGEST = (
    "import sys; sys.path.insert(0, sys.argv[1]); import bookbuild; "
    "print(bookbuild.execution_inputs_digest())"
)


def digest(path: list[Path], **environment: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", **environment}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in path)
    done = subprocess.run(
        [sys.executable, "-c", DIGEST, str(BOOK.docs / "_ext")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def gradbook_copy(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(
        BOOK.src / "gradbook",
        src / "gradbook",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return src


def test_the_key_changes_with_gradbook_packages_and_environment_only(
    gradbook_copy: Path, tmp_path: Path
) -> None:
    first = digest([gradbook_copy])
    assert first == digest([gradbook_copy]), "the same inputs gave another key"

    # Another gradbook: one more line in one of its files.
    with (gradbook_copy / "gradbook" / "check.py").open("a") as module:
        module.write("\n# a change to gradbook\n")
    edited = digest([gradbook_copy])
    assert edited != first

    # Another installed package (a distribution's metadata folder on the path).
    site = tmp_path / "site"
    (site / "newtorch-9.9.dist-info").mkdir(parents=True)
    assert digest([gradbook_copy, site]) != edited

    # Another environment for the kernel.
    assert digest([gradbook_copy], PYTHONHASHSEED="1") != edited


def test_without_gradbook_the_key_says_what_is_missing(tmp_path: Path) -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); sys.modules['gradbook'] = None; "
        "import bookbuild; bookbuild.execution_inputs_digest()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(BOOK.docs / "_ext")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "gradbook is not importable" in done.stderr
