"""A faster build that writes the same bytes: work moved to where a core is idle.

A cold build runs the tutorials in sphinx-gallery's worker processes (both cores busy),
then reads and writes the pages, much of it in Sphinx's own process alone. Each rule
here moves work off that single-core part, or skips work whose result is never used;
none changes a page (``make repro`` compares the bytes). The MyST notebook pages,
which run while the tutorials do, have their own module: notebook_cache.py.

* ``parallel_only_when_it_pays``: sphinx-gallery's worker processes take about 3 s
  to start, for every build; when fewer than two tutorials will run (nothing
  changed, or one was edited) the gallery runs in the build's own process.
* ``import_gradbook_meanwhile``: while the workers run the tutorials, Sphinx's own
  process only waits; it imports gradbook and its modules then (torch and sympy with
  them: 2.5 s), which autodoc would otherwise import as it reads api.md, with the
  other core idle.
* ``stop_gallery_workers``: the workers are joblib's reusable loky processes, which
  wait for more work until Sphinx exits, and Sphinx's exit waited for each to tear
  down its torch (0.5 s). Once the tutorials have run, they are told to stop, and
  exit while the pages are read.
* ``freeze_before_reading``, ``freeze_at_the_end``: what Sphinx's process holds
  once the tutorials have run, and again when the build is over, lives until the
  process ends; its garbage collector nevertheless walked all of it at each full
  collection while the pages were read and written (with gradbook and torch
  imported: 0.4 s of reading, 0.6 s of writing) and at Python's exit (1.4 s).
  ``gc.freeze`` hides those objects from it.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import sys
import threading
from pathlib import Path
from typing import Any

from bookbuild import gallery_runs
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _tutorials_to_run(app: Sphinx) -> list[str]:
    """The gallery scripts sphinx-gallery will execute in this build: those whose
    record of their last run (its ``.md5`` beside the generated page) is missing or
    names other contents (sphinx-gallery's own test, by the same digest)."""
    from sphinx_gallery.utils import get_md5sum

    conf = app.config.sphinx_gallery_conf
    pending = []
    for src, out in zip(conf["examples_dirs"], conf["gallery_dirs"], strict=True):
        generated = Path(app.srcdir, out)
        for script in sorted(Path(app.srcdir, src).glob("*.py")):
            record = generated / (script.name + ".md5")
            if not record.is_file() or record.read_text() != get_md5sum(script, "t"):
                pending.append(script.name)
    return pending


def parallel_only_when_it_pays(app: Sphinx) -> None:
    """Run the tutorials in sphinx-gallery's worker processes only when two or more
    of them will run. Its pool of workers is started for every build, and is handed
    every script, even those it only skips: about 3 s of starting processes for a
    build that runs nothing, or one tutorial after an edit. With one tutorial or none
    to run, they run (or are skipped) in this process.

    Changes only this build's copy of the gallery configuration, after Sphinx has
    compared the configuration with the last build's (``builder-inited``)."""
    conf = app.config.sphinx_gallery_conf
    if not conf["parallel"] or not gallery_runs(conf):
        return
    pending = _tutorials_to_run(app)
    if len(pending) < 2:
        logger.info(
            f"{len(pending) or 'no'} tutorial{'s' if len(pending) != 1 else ''} to "
            "run: running the gallery in this process, without worker processes"
        )
        conf["parallel"] = False


def _workers_run_the_tutorials(app: Sphinx) -> bool:
    """Whether this build runs its tutorials in sphinx-gallery's worker processes
    (decided at builder-inited by ``parallel_only_when_it_pays``)."""
    conf = app.config.sphinx_gallery_conf
    return bool(conf["parallel"]) and gallery_runs(conf)


_gradbook_import: threading.Thread | None = None


def _import_gradbook() -> None:
    """gradbook and every module of it, as autodoc will import them."""
    try:
        package = importlib.import_module("gradbook")
        for module in pkgutil.walk_packages(package.__path__, "gradbook."):
            importlib.import_module(module.name)
    except Exception:
        # Not reported here: autodoc imports the module again as it reads api.md,
        # fails the same way and reports it on that page, with its traceback.
        pass


def import_gradbook_meanwhile(app: Sphinx) -> None:
    """Start importing gradbook in a thread of this process, when the tutorials run
    in worker processes (``builder-inited``, after ``parallel_only_when_it_pays``,
    before sphinx-gallery's own handler). The reader processes Sphinx forks for
    api.md then find it imported."""
    global _gradbook_import
    if not _workers_run_the_tutorials(app) or "gradbook" in sys.modules:
        return
    _gradbook_import = threading.Thread(target=_import_gradbook, name="gradbook")
    _gradbook_import.start()


def wait_for_gradbook(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """Before any page is read, and before Sphinx forks its reader processes
    (``env-before-read-docs``): the import is done."""
    global _gradbook_import
    if _gradbook_import is not None:
        _gradbook_import.join()
        _gradbook_import = None


def freeze_before_reading(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """What this process holds once the tutorials have run (Sphinx, its extensions,
    gradbook, torch) lives until the build ends: out of the garbage collector's
    sight, each collection while pages are read and written walks only what they
    make (``env-before-read-docs``; the reader processes inherit it)."""
    gc.freeze()


def stop_gallery_workers(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """Tell sphinx-gallery's worker processes to exit once the tutorials have run
    (``env-before-read-docs``), without waiting for them; a later parallel run in
    this process would start new ones."""
    if not _workers_run_the_tutorials(app):
        return  # the tutorials ran (or were skipped) in this process: no worker
    from joblib.externals.loky import get_reusable_executor

    # reuse=True: the executor that exists, whatever it was created with (loky's
    # "auto" would replace one created with other arguments, as joblib's is).
    get_reusable_executor(reuse=True).shutdown(wait=False)


def freeze_at_the_end(app: Sphinx, exception: BaseException | None) -> None:
    """The last handler of ``build-finished``: what is alive now stays alive until
    the process exits, out of the garbage collector's sight."""
    gc.freeze()


def setup(app: Sphinx) -> dict[str, Any]:
    # sphinx-gallery runs the tutorials at builder-inited, priority 500.
    app.connect("builder-inited", parallel_only_when_it_pays, priority=450)
    app.connect("builder-inited", import_gradbook_meanwhile, priority=460)
    app.connect("env-before-read-docs", wait_for_gradbook)
    app.connect("env-before-read-docs", stop_gallery_workers)
    app.connect("env-before-read-docs", freeze_before_reading, priority=900)
    app.connect("build-finished", freeze_at_the_end, priority=1000)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
