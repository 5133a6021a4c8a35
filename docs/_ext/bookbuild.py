"""The book's build rules: every tutorial runs, warns about nothing, and builds the same.

* ``reset_tutorial`` is called by sphinx-gallery before and after each tutorial. Before,
  it turns every Python warning into an error (so a tutorial that warns fails the build,
  naming its file), except the few library-internal ones in ``known_warnings.py``, and
  seeds torch; after, it puts the warning filters back.
* ``rerun_when_inputs_change``: sphinx-gallery re-runs a tutorial only when the
  tutorial's own file changes (by MD5). Its output also depends on gradbook, on these
  extensions and on conf.py: when any of them changes, every tutorial runs again, so a
  page never shows what an older gradbook printed.
* ``check_every_tutorial_ran`` refuses a build in which a script in ``gallery/`` was
  not executed (for instance because a ``filename_pattern`` skipped it), or ran
  without a single gradbook check (no "✓" in its output): every tutorial states
  values, and a tutorial that checks none of them proves none of them.
* ``refuse_exit`` turns a tutorial's ``sys.exit()`` (or ``exit()``, or ``raise
  SystemExit``) into an error of that tutorial. Without it the exit would end the whole
  Sphinx process, with status 0 for ``sys.exit(0)``: a "successful" build with the rest
  of the tutorial, and of the book, never run or written.
* ``normalize_zips`` rewrites the "download all" archives with fixed timestamps, so two
  builds of the same sources are byte-identical.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

from known_warnings import ignore_library_warnings
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

_strict_warnings: warnings.catch_warnings | None = None


def reset_tutorial(gallery_conf: dict[str, Any], fname: str, when: str) -> None:
    """sphinx-gallery reset hook: strict warnings and a fixed seed for each tutorial."""
    global _strict_warnings
    if when == "before":
        import torch

        _strict_warnings = warnings.catch_warnings()
        _strict_warnings.__enter__()
        warnings.simplefilter("error")
        ignore_library_warnings()  # known_warnings.py: only those, only from libraries
        torch.manual_seed(0)
    elif _strict_warnings is not None:
        _strict_warnings.__exit__(None, None, None)
        _strict_warnings = None


class TutorialExited(RuntimeError):
    """A tutorial called sys.exit(): the code after it would be shown but never run."""


def refuse_exit() -> None:
    """Make a SystemExit inside a tutorial's code block an ordinary tutorial failure.

    sphinx-gallery catches ``Exception`` around each code block and reports the
    tutorial as failing; ``SystemExit`` is not an ``Exception``, so it is converted
    where the block is executed.
    """
    from sphinx_gallery import gen_rst

    execute = gen_rst._exec_and_get_memory
    if getattr(execute, "_refuses_exit", False):
        return

    def exec_and_get_memory(*args: Any, **kwargs: Any) -> Any:
        try:
            return execute(*args, **kwargs)
        except SystemExit as exc:
            raise TutorialExited(
                f"the tutorial called sys.exit({exc.code!r}): the code after it would "
                "be shown but never run. A tutorial runs to its end; to show an exit, "
                "catch it with gradbook.expect_error(SystemExit)."
            ) from None

    exec_and_get_memory._refuses_exit = True  # type: ignore[attr-defined]
    gen_rst._exec_and_get_memory = exec_and_get_memory


INPUTS_STAMP = ".tutorial-inputs.sha256"


def _gallery_runs(conf: dict[str, Any]) -> bool:
    """False for `make html-noplot`, which executes nothing on purpose."""
    return bool(conf["plot_gallery"]) and str(conf["plot_gallery"]) not in {
        "0",
        "False",
    }


def _tutorial_inputs_digest(app: Sphinx) -> str:
    """A digest of what a tutorial's output depends on besides its own file: the
    gradbook it imports, conf.py, and docs/_ext (whose digest conf.py computes)."""
    spec = importlib.util.find_spec("gradbook")
    package = Path(spec.origin).parent if spec and spec.origin else None
    files = sorted(package.rglob("*.py")) if package else []
    files.append(Path(app.confdir) / "conf.py")
    digest = hashlib.sha256(app.config.book_extensions_digest.encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(app.config.sphinx_gallery_conf["first_notebook_cell"]).encode())
    return digest.hexdigest()


def rerun_when_inputs_change(app: Sphinx) -> None:
    """Forget sphinx-gallery's record of what ran when gradbook or the build changed."""
    conf = app.config.sphinx_gallery_conf
    if not _gallery_runs(conf):
        return  # leave the record for the next build that runs the tutorials
    digest = _tutorial_inputs_digest(app)
    for out in conf["gallery_dirs"]:
        folder = Path(app.srcdir) / out
        stamp = folder / INPUTS_STAMP
        if stamp.exists() and stamp.read_text() == digest:
            continue
        records = sorted(folder.glob("*.md5"))
        if records:
            logger.info(
                "gradbook, docs/_ext or conf.py changed since the tutorials last ran: "
                "running every tutorial again"
            )
        for record in records:
            record.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest)


def _gallery_scripts(app: Sphinx) -> dict[str, Path]:
    conf = app.config.sphinx_gallery_conf
    scripts = {}
    for src in conf["examples_dirs"]:
        root = (Path(app.srcdir) / src).resolve()
        for path in sorted(root.rglob("*.py")):
            scripts[str(path.relative_to(root))] = path
    return scripts


CHECK_MARK = "✓"  # every passing gradbook check prints a line that ends with it


def check_every_tutorial_ran(app: Sphinx) -> None:
    """Fail the build if a gallery script was not executed, or checked nothing."""
    conf = app.config.sphinx_gallery_conf
    if not _gallery_runs(conf):
        return
    ran: set[str] = set()
    passed: dict[str, Path] = {}  # script -> its generated page (.rst)
    for src, out in zip(conf["examples_dirs"], conf["gallery_dirs"], strict=True):
        src_root = (Path(app.srcdir) / src).resolve()
        out_root = (Path(app.srcdir) / out).resolve()
        for done in [*conf["passing_examples"], *conf["failing_examples"]]:
            path = Path(done).resolve()
            if path.is_relative_to(src_root):
                ran.add(str(path.relative_to(src_root)))
        for done in conf["passing_examples"]:
            path = Path(done).resolve()
            if path.is_relative_to(src_root):
                rel = path.relative_to(src_root)
                passed[str(rel)] = out_root / rel.with_suffix(".rst")
        # "stale" examples ran in an earlier build and are unchanged since (same MD5).
        for done in conf["stale_examples"]:
            path = Path(done).resolve()
            if path.is_relative_to(out_root):
                rel = path.relative_to(out_root)
                ran.add(str(rel))
                passed[str(rel)] = out_root / rel.with_suffix(".rst")
    missed = sorted(set(_gallery_scripts(app)) - ran)
    if missed:
        raise ExtensionError(
            "These gallery scripts were not executed, so their pages would show code "
            f"that never ran: {', '.join(missed)}. Every script in gallery/ must run: "
            "check sphinx_gallery_conf['filename_pattern'] and ['ignore_pattern'] in "
            "docs/conf.py."
        )
    # A failing tutorial is reported by sphinx-gallery with its traceback; not here.
    unchecked = sorted(
        name
        for name, page in passed.items()
        if not page.is_file() or CHECK_MARK not in page.read_text(encoding="utf-8")
    )
    if unchecked:
        raise ExtensionError(
            f"These tutorials ran but checked nothing: {', '.join(unchecked)}. Each "
            "value a tutorial states is checked in the same script with gradbook "
            "(check_value, check_derivative, ...), whose passing checks print a line "
            f"ending in {CHECK_MARK}; a tutorial with none states values nobody proved."
        )


def normalize_zips(app: Sphinx, exception: Exception | None) -> None:
    """Rewrite every .zip in the output with fixed dates and a sorted member list."""
    if exception is not None or app.builder.format != "html":
        return
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    stamp = max(epoch, 315532800)  # zip dates start in 1980
    import time

    date_time = time.gmtime(stamp)[:6]
    for archive in sorted(Path(app.outdir).rglob("*.zip")):
        with zipfile.ZipFile(archive) as src:
            members = sorted((info.filename, src.read(info)) for info in src.infolist())
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as dst:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=date_time)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, data)


_ADDRESS = re.compile(r"at 0x[0-9a-fA-F]{6,}")


def refuse_addresses(app: Sphinx, docname: str, source: list[str]) -> None:
    """A memory address in a generated page makes builds differ; name the page."""
    match = _ADDRESS.search(source[0]) if docname.startswith("auto_examples/") else None
    if match:
        line = source[0][: match.start()].count("\n") + 1
        raise ExtensionError(
            f"{docname}.rst:{line}: the tutorial prints a memory address "
            f"({match.group(0)}); print a value or a name instead "
            "(object reprs change from build to build)."
        )


def setup(app: Sphinx) -> dict[str, Any]:
    refuse_exit()
    # Set in conf.py; "env": when it changes, every page is read and written again.
    app.add_config_value("book_extensions_digest", "", "env", types=frozenset({str}))
    # sphinx-gallery generates and runs the gallery at builder-inited (priority 500).
    app.connect("builder-inited", rerun_when_inputs_change, priority=400)
    app.connect("builder-inited", check_every_tutorial_ran, priority=900)
    app.connect("source-read", refuse_addresses)
    app.connect("build-finished", normalize_zips, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
