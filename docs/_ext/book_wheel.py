"""gradbook one click away: the book ships the wheel of its helper package.

The gradbook wheel is built from the project the book belongs to, offline, with the
tools already installed (``pip wheel --no-deps --no-build-isolation``), in the
background while the tutorials run (from ``builder-inited``); after a successful HTML
build (``build-finished``) it is written into the HTML output at ``book_wheel``
(``_downloads/gradbook-<version>-py3-none-any.whl``, set in docs/conf.py). The
tutorial bar links it with the one command that installs it, and
the notebooks' first cell installs it from the published book when gradbook is
missing (both in docs/conf.py and docs/_ext/tutorial_bar.py).

Two builds of the same sources write the same bytes: the build backend (hatchling)
dates every member of the wheel with ``SOURCE_DATE_EPOCH`` and sorts them. That date
is the one every zip of the book carries (``notebook_html.ZIP_DATE``, 1980-01-01),
not the last commit's (which the build's environment sets): a commit that leaves the
package alone leaves its wheel alone. The wheel is built again only when what goes
into it changes (the package, ``pyproject.toml``, the README that is its
description, the backend): a build with nothing changed costs nothing here and
leaves the file as it was.

The directive ``{gradbook-install}`` writes, on any page, the commands a reader runs
to install what the tutorials need: torch and Matplotlib from PyPI, gradbook from
this wheel at the published book's address (``html_baseurl``), the command the
tutorial bar shows.

Settings (docs/conf.py): ``book_wheel``, the wheel's path in the output, whose file
name must be the one the backend gives the wheel (the build says so otherwise);
``book_wheel_project``, the folder with the package's ``pyproject.toml`` (default:
the folder above docs/).
"""

from __future__ import annotations

import atexit
import calendar
import hashlib
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from docutils import nodes
from notebook_html import ZIP_DATE
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError, ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

# Builders whose output is a folder of web pages with its _downloads/ (not the epub).
WEB_BUILDERS = frozenset({"html", "dirhtml", "singlehtml"})
# Remembers, in the doctree folder, what the wheel in the output was built from.
STAMP = "book-wheel.sha256"
# The date of every member of the wheel, as of every zip of the book.
WHEEL_DATE = str(calendar.timegm(ZIP_DATE))


def project_folder(config: Config, confdir: str | os.PathLike[str]) -> Path:
    """The folder holding the package's ``pyproject.toml``."""
    folder = Path(config.book_wheel_project or Path(confdir).parent)
    if not (folder / "pyproject.toml").is_file():
        raise ConfigError(
            f"book_wheel_project: no pyproject.toml in {folder}; set it (docs/conf.py) "
            "to the folder of the package whose wheel the book ships"
        )
    return folder


def check_config(app: Sphinx, config: Config) -> None:
    wheel = config.book_wheel
    if (
        not isinstance(wheel, str)
        or posixpath.dirname(wheel) != "_downloads"
        or not wheel.endswith("-py3-none-any.whl")
    ):
        raise ConfigError(
            "book_wheel must be the wheel's path in the output, "
            f"'_downloads/<name>-<version>-py3-none-any.whl', got {wheel!r}"
        )
    project_folder(config, app.confdir)


def wheel_inputs(project: Path) -> str:
    """A digest of everything the wheel's bytes depend on."""
    digest = hashlib.sha256()
    files = [project / "pyproject.toml", project / "README.md"]
    files += sorted(
        p
        for p in (project / "src").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(project)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    digest.update(WHEEL_DATE.encode() + b"\0")
    digest.update(installed_version("hatchling").encode())
    return digest.hexdigest()


@dataclass
class _WheelBuild:
    """``pip wheel`` running in the background, into a temporary folder."""

    process: subprocess.Popen[str]
    folder: Path
    inputs: str  # wheel_inputs() of what it builds


_building: _WheelBuild | None = None


def start_wheel(app: Sphinx) -> None:
    """builder-inited: when the output lacks the wheel of the current sources, start
    building it (``pip wheel``, 1 s of one core) while the tutorials run; it is
    written into the output at build-finished."""
    global _building
    if app.builder.name not in WEB_BUILDERS:
        return
    project = project_folder(app.config, app.confdir)
    target = Path(app.outdir, app.config.book_wheel)
    stamp = Path(app.doctreedir, STAMP)
    inputs = wheel_inputs(project)
    if target.is_file() and stamp.is_file() and stamp.read_text() == inputs:
        return
    folder = Path(tempfile.mkdtemp(prefix="book-wheel-"))
    atexit.register(_discard_wheel)  # a build that stops before build-finished
    process = subprocess.Popen(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--no-build-isolation", "--no-cache-dir", "-w", str(folder), str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, SOURCE_DATE_EPOCH=WHEEL_DATE),
    )  # fmt: skip
    _building = _WheelBuild(process, folder, inputs)


def _discard_wheel() -> None:
    """Stop a wheel build nobody will collect, and remove its folder."""
    global _building
    building, _building = _building, None
    if building is not None:
        building.process.kill()
        building.process.communicate()
        shutil.rmtree(building.folder, ignore_errors=True)


def _finished_wheel(building: _WheelBuild, project: Path) -> Path:
    """Wait for ``pip wheel``; the wheel it made."""
    output, _ = building.process.communicate()
    wheels = sorted(building.folder.glob("*.whl"))
    if building.process.returncode != 0 or len(wheels) != 1:
        raise ExtensionError(
            f"building the wheel of {project} failed (pip wheel exited with "
            f"{building.process.returncode}, made {[w.name for w in wheels]}):\n"
            + output[-3000:]
        )
    return wheels[0]


def write_wheel(app: Sphinx, exception: BaseException | None) -> None:
    """build-finished: the wheel started at builder-inited, at ``book_wheel`` in the
    output (see the docstring); a failed build stops it."""
    global _building
    if exception is not None:
        _discard_wheel()
        return
    building, _building = _building, None
    if building is None:
        return  # not a web build, or the output's wheel is up to date
    try:
        project = project_folder(app.config, app.confdir)
        target = Path(app.outdir, app.config.book_wheel)
        wheel = _finished_wheel(building, project)
        if wheel.name != target.name:
            raise ExtensionError(
                f"book_wheel (docs/conf.py) names {target.name}, but the package's "
                f"wheel is {wheel.name}: the links would lead nowhere"
            )
        if not target.is_file() or target.read_bytes() != wheel.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(wheel, target)
        Path(app.doctreedir, STAMP).write_text(building.inputs)
        logger.info("gradbook wheel written to %s", target)
    finally:
        shutil.rmtree(building.folder, ignore_errors=True)


def install_commands(config: Config) -> str:
    """What a reader runs to install what the tutorials need."""
    return (
        "pip install torch matplotlib\n"
        f"pip install {config.html_baseurl}{config.book_wheel}"
    )


class GradbookInstall(SphinxDirective):
    """``{gradbook-install}``: the install commands, as a bash code block."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        text = install_commands(self.config)
        block = nodes.literal_block(text, text, language="bash")
        self.set_source_info(block)
        return [block]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("gradbook-install", GradbookInstall)
    app.add_config_value("book_wheel", "", "html", types=frozenset({str}))
    app.add_config_value("book_wheel_project", "", "", types=frozenset({str}))
    app.connect("config-inited", check_config)
    app.connect("builder-inited", start_wheel)
    app.connect("build-finished", write_wheel)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
