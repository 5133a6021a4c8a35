"""The MyST notebook pages run while the tutorials run, and are not run again for nothing.

myst-nb executes a notebook page (a MyST page with ``{code-cell}`` blocks) when Sphinx
reads it, one page after another, after sphinx-gallery has run every tutorial: in a
cold build, the two pages' kernels were 8 of its 27 s with one core idle. conf.py sets
``nb_execution_mode = "cache"``: myst-nb then looks a page's code up in a jupyter-cache
and takes the outputs stored there, or executes the page and stores them. Around that:

* **The cache is keyed on what the outputs depend on** (``cache_folder``, named in
  conf.py). jupyter-cache's own key is the code cells' source and the kernel's name; a
  page's outputs also depend on the gradbook it imports, the installed packages (torch
  above all) and Python. The cache lives in a folder named by their digest
  (``bookbuild.execution_inputs_digest``), so when any of them changes the pages run
  again; older folders are removed.
* **The pages run while the tutorials run** (``start_notebook_pages``, at
  ``builder-inited`` before sphinx-gallery's own handler there): every notebook page
  whose code is not in the cache is executed in a thread of its own (each thread drives
  a kernel process), exactly as myst-nb would execute it, and stored. Sphinx's reading
  waits for them (``wait_for_notebook_pages``, ``env-before-read-docs``) and then finds
  every page in the cache.

What a cell prints is stored as one piece per stream (``join_streams``), however the
kernel cut it. A page with a failing cell is not stored: myst-nb executes it again as
Sphinx reads it and fails the build with the cell's traceback, as without this
extension. The build's log names the pages that ran here, and when they were done.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.matching import get_matching_files

logger = logging.getLogger(__name__)

CACHE_ROOT = ".jupyter_cache"  # in the build folder, as myst-nb's default
DIGEST_LENGTH = 16  # hex digits of the inputs' digest in the cache folder's name


def cache_folder(build_dir: Path, inputs_digest: str) -> Path:
    """The jupyter-cache folder for notebooks run with inputs of this digest.

    >>> cache_folder(Path("/book/docs/_build"), "0123456789abcdef0123").as_posix()
    '/book/docs/_build/.jupyter_cache/0123456789abcdef'
    """
    if len(inputs_digest) < DIGEST_LENGTH:
        raise ValueError(
            f"expected a hex digest of at least {DIGEST_LENGTH} digits, "
            f"got {inputs_digest!r}"
        )
    return build_dir / CACHE_ROOT / inputs_digest[:DIGEST_LENGTH]


@dataclass
class _Page:
    """A notebook page to execute before Sphinx reads it."""

    path: Path
    notebook: Any  # nbformat.NotebookNode, executed in place
    config: Any  # myst_nb's NbParserConfig, with the page's own overrides
    read_fmt: dict[str, Any]


@dataclass
class _Run:
    """The notebook pages running in the background during this build."""

    pool: ThreadPoolExecutor
    pages: dict[str, Future[str | None]]  # source path -> None, or why not stored
    started: float
    ended: list[float]  # when each page's execution ended (perf_counter)

    def page_ended(self, page: Future[str | None]) -> None:
        """Done-callback of each page's future, in the thread that ran it."""
        self.ended.append(time.perf_counter())


_run: _Run | None = None
# jupyter-cache keeps its records in SQLite: one thread at a time reads or writes.
_cache_lock = threading.Lock()


def _notebook_pages(app: Sphinx, nb_config: Any) -> list[_Page]:
    """The book's MyST notebook pages with code to execute, read as myst-nb reads them
    (``myst_nb.sphinx_.Parser.parse``), so that jupyter-cache's key is the same."""
    from myst_nb.core.nb_to_tokens import nb_node_to_dict
    from myst_nb.core.read import create_nb_reader

    exclude = [
        *app.config.exclude_patterns,
        *app.config.templates_path,
        *app.config.html_static_path,
    ]
    suffixes = tuple(
        suffix for suffix, kind in app.config.source_suffix.items() if kind == "myst-nb"
    )
    env: Any = app.env  # myst_config: set by myst-nb (myst-parser) at builder-inited
    pages = []
    for relative in sorted(get_matching_files(app.srcdir, exclude_patterns=exclude)):
        if not str(relative).endswith(suffixes):
            continue
        path = Path(app.srcdir, relative)
        text = path.read_text(encoding=app.config.source_encoding)
        reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
        if reader is None:
            continue  # plain Markdown
        notebook = reader.read(text)
        page_config = nb_config
        if nb_config.metadata_key in notebook.metadata:
            overrides = nb_node_to_dict(notebook.metadata[nb_config.metadata_key])
            overrides.pop("output_folder", None)
            page_config = nb_config.copy(**overrides)
        if page_config.execution_mode != "cache" or not any(
            cell.cell_type == "code" for cell in notebook.cells
        ):
            continue
        posix = PurePosixPath(path.as_posix())
        if any(posix.match(p) for p in page_config.execution_excludepatterns):
            continue
        pages.append(_Page(path, notebook, page_config, reader.read_fmt))
    return pages


def join_streams(outputs: list[Any]) -> list[Any]:
    r"""A cell's outputs with each stream (stdout, stderr) as one output holding all
    its text, exactly, where that stream first appeared.

    The kernel sends what a cell prints in pieces, cut wherever its flush timer
    fires, so a busy machine cuts it elsewhere; myst-nb's merging of the pieces
    strips each one's trailing whitespace, so a cut changed the page (a blank line
    more or less: ``make repro`` caught it). Joined first, the text is what the cell
    printed, however it was cut.

    >>> from nbformat.v4 import new_output
    >>> pieces = [new_output("stream", name="stdout", text="a = 1\n"),
    ...           new_output("stream", name="stdout", text="\nb = 2\n"),
    ...           new_output("stream", name="stderr", text="careful\n")]
    >>> [(o.name, o.text) for o in join_streams(pieces)]
    [('stdout', 'a = 1\n\nb = 2\n'), ('stderr', 'careful\n')]
    """
    joined: list[Any] = []
    first: dict[str, Any] = {}
    for output in outputs:
        if output.get("output_type") != "stream":
            joined.append(output)
        elif output["name"] in first:
            first[output["name"]]["text"] += output["text"]
        else:
            first[output["name"]] = output
            joined.append(output)
    return joined


def _execute(page: _Page, cache_path: str) -> str | None:
    """Execute one page as myst-nb's cache client does and store it; return None, or
    why it was not stored (a cell failed: myst-nb will report it)."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    result = single_nb_execution(
        page.notebook,
        cwd=str(page.path.parent),
        allow_errors=page.config.execution_allow_errors,
        timeout=page.config.execution_timeout,
        meta_override=True,
    )
    if result.err is not None:
        return f"{type(result.err).__name__} in a cell"
    for cell in page.notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = join_streams(cell.outputs)
    with _cache_lock:
        cache = get_cache(cache_path)
        record = cache.add_nb_to_project(str(page.path), read_data=page.read_fmt)
        cache.cache_notebook_bundle(
            CacheBundleIn(
                page.notebook, record.uri, data={"execution_seconds": result.time}
            ),
            check_validity=False,
            overwrite=True,
        )
    return None


def _remove_other_caches(current: Path) -> None:
    """Remove the caches of other inputs (an older gradbook, torch, ...)."""
    if current.parent.name != CACHE_ROOT or not current.parent.is_dir():
        return
    for folder in current.parent.iterdir():
        if folder != current and folder.is_dir():
            shutil.rmtree(folder)


def start_notebook_pages(app: Sphinx) -> None:
    """Start executing, in the background, every notebook page whose code is not in
    the cache yet (``builder-inited``, before sphinx-gallery runs the tutorials)."""
    global _run
    from jupyter_cache import get_cache

    nb_config = getattr(app.env, "mystnb_config", None)
    if nb_config is None:
        raise ExtensionError(
            "notebook_cache reads myst-nb's configuration at builder-inited: list it "
            "after myst_nb in conf.py's extensions (and before "
            "sphinx_gallery.gen_gallery, so the pages run while the tutorials do)"
        )
    if nb_config.execution_mode != "cache":
        return
    cache_path = Path(nb_config.execution_cache_path)
    _remove_other_caches(cache_path)
    pending = []
    for page in _notebook_pages(app, nb_config):
        with _cache_lock:
            try:
                get_cache(str(cache_path)).match_cache_notebook(page.notebook)
                continue  # stored by an earlier build
            except KeyError:
                pass
        pending.append(page)
    if not pending:
        return
    pool = ThreadPoolExecutor(len(pending), thread_name_prefix="notebook-page")
    _run = _Run(
        pool,
        {str(p.path): pool.submit(_execute, p, str(cache_path)) for p in pending},
        time.perf_counter(),
        [],
    )
    for future in _run.pages.values():
        future.add_done_callback(_run.page_ended)
    names = ", ".join(os.path.relpath(p.path, app.srcdir) for p in pending)
    logger.info(f"executing notebook pages while the tutorials run: {names}")


def wait_for_notebook_pages(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """Wait for the pages started at builder-inited, before Sphinx reads any page
    (``env-before-read-docs``); say how each went."""
    global _run
    if _run is None:
        return
    run, _run = _run, None
    waiting_since = time.perf_counter()
    try:
        for path, done in run.pages.items():
            name = os.path.relpath(path, app.srcdir)
            try:
                problem = done.result()
            except Exception as error:
                raise ExtensionError(
                    f"{name}: executing this notebook page ahead of reading failed "
                    f"({type(error).__name__}: {error})"
                ) from error
            if problem:
                logger.info(
                    f"{name}: not stored ({problem}); it runs again as it is read, "
                    "where its error is reported"
                )
    finally:
        run.pool.shutdown(wait=True)
    # When the last page ended, and how long Sphinx waited for it here: a wait means
    # the pages, not the tutorials, held the build up.
    waited = time.perf_counter() - waiting_since
    logger.info(
        f"notebook pages executed ahead of reading: {len(run.pages)}, the last done "
        f"{max(run.ended) - run.started:.1f} s after they started; waited for them "
        f"{waited:.1f} s"
    )


def setup(app: Sphinx) -> dict[str, Any]:
    # At builder-inited myst-nb builds its configuration, then sphinx-gallery runs
    # the tutorials (all at priority 500, in the order of conf.py's extensions).
    app.connect("builder-inited", start_notebook_pages)
    app.connect("env-before-read-docs", wait_for_notebook_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
