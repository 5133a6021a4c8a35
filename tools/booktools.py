"""What tools/repro.py and tools/bench.py share: copy the sources, build the book."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def source_files(repo: Path = REPO) -> list[str]:
    """The files git tracks, plus untracked ones it does not ignore (work in progress)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [f for f in out.split("\0") if f and (repo / f).is_file()]


def copy_sources(dest: Path, repo: Path = REPO) -> Path:
    """A clean copy of the sources (nothing generated) in ``dest``."""
    for rel in source_files(repo):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target)
    return dest


def build_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    if "SOURCE_DATE_EPOCH" not in env:
        stamp = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
        env["SOURCE_DATE_EPOCH"] = stamp or "1700000000"
    env.update(
        PYTHONHASHSEED="0",
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=str(
            root / "src"
        ),  # this copy's gradbook, not the editable install's
    )
    return env


@dataclass
class Build:
    seconds: float
    output: str
    html: Path


def sphinx_build(root: Path, *options: str) -> Build:
    """Build ``root/docs`` into ``root/docs/_build/html`` as `make html` does (same
    options as the Makefile's SPHINXBUILD)."""
    docs = root / "docs"
    html = docs / "_build" / "html"
    cmd = [
        sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-T",
        "-j", "auto", "-d", str(docs / "_build" / "doctrees"), *options, str(docs),
        str(html),
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(
        cmd, cwd=root, env=build_env(root), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-5000:] + done.stderr[-5000:])
        raise SystemExit(f"the build in {root} failed (exit {done.returncode})")
    return Build(seconds, done.stdout, html)
