"""The book's build rules: every tutorial runs, warns about nothing, and builds the same.

* ``reset_tutorial`` is called by sphinx-gallery before and after each tutorial. Before,
  it turns every Python warning into an error (so a tutorial that warns fails the build,
  naming its file), except the few library-internal ones in ``known_warnings.py``; puts
  a guard in place of Python's own ``sys.exit``, ``exit`` and ``quit``; and seeds torch.
  After, it puts all of them back. A tutorial that calls ``sys.exit()`` thus fails
  (``TutorialExited``) like one that raises: unguarded, the ``SystemExit`` would end
  Sphinx itself, with status 0 for ``sys.exit(0)``, a "successful" build with the rest
  of the book never run or written.
* ``refuse_raise_system_exit``: a ``raise SystemExit`` statement cannot be guarded that
  way, so every script is read before any runs, and one that raises it is refused.
* ``rerun_when_inputs_change``: sphinx-gallery re-runs a tutorial only when the
  tutorial's own file changes (by MD5). Its output also depends on gradbook, on the
  installed packages (torch), on these extensions and on conf.py: when any of them
  changes, every tutorial runs again, so a page never shows what an older gradbook
  or torch printed. (The notebook pages' cache is keyed the same way:
  ``execution_inputs_digest``, notebook_cache.py.)
* ``check_every_tutorial_ran`` refuses a build in which a script in ``gallery/`` was
  not executed (for instance because a ``filename_pattern`` skipped it), or ran
  without a single gradbook check (no "✓" in its output): every tutorial states
  values, and a tutorial that checks none of them proves none of them.
* ``forget_removed_tutorials``: sphinx-gallery never deletes what it generated for a
  script that was renamed or removed, so its old page would stay in the book (in no
  toctree: a build error). Those generated files are removed before the gallery runs,
  so renumbering the tutorials needs no ``make clean``.
* ``refuse_addresses``: a memory address in a page makes two builds differ.
* ``keep_index_entries``: Sphinx collects a page's index entries (glossary terms, API
  objects) for the search index only when it writes the page, after it has saved its
  environment; a rebuild that does not write a page then drops its entries from
  ``searchindex.js`` (sphinx-doc/sphinx#12599, open). They are collected when the
  page is read instead, so they are saved with the environment.

A refusal is a Sphinx warning naming its file: ``make html`` builds with ``-W
--keep-going`` (booktools.sphinx), so each fails the build, and all of them are
reported before it does. sphinx-gallery reports failing tutorials itself.

No function of sphinx-gallery is replaced: everything here runs through its reset
hook and Sphinx's events, so it holds in sphinx-gallery's ``parallel`` workers too.
"""

from __future__ import annotations

import ast
import builtins
import gc
import hashlib
import importlib.util
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn, TypeGuard

from docutils import nodes
from known_warnings import ignore_library_warnings
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.index_entries import split_index_msg

logger = logging.getLogger(__name__)


class TutorialExited(RuntimeError):
    """A tutorial called sys.exit(): the code after it would be shown but never run."""


def _refuse_exit(code: object = None) -> NoReturn:
    raise TutorialExited(
        f"the tutorial called sys.exit({code!r}) (or exit() or quit()): the code after "
        "it would be shown but never run. A tutorial runs to its end; to show an "
        "exit, catch it with gradbook.expect_error(SystemExit)."
    )


class _TutorialRun:
    """What ``reset_tutorial`` changes for one tutorial's run, and puts back after."""

    def __init__(self) -> None:
        self.warnings = warnings.catch_warnings()
        self.exits = (sys.exit, builtins.exit, builtins.quit)

    def enter(self) -> None:
        self.warnings.__enter__()
        warnings.simplefilter("error")
        ignore_library_warnings()  # known_warnings.py: only those, only from libraries
        sys.exit = _refuse_exit
        # exit() and quit() are site's Quitter objects; a function stands in for them
        # while the tutorial runs (set by name: their declared type is Quitter).
        for name in ("exit", "quit"):
            setattr(builtins, name, _refuse_exit)

    def leave(self) -> None:
        sys.exit, builtins.exit, builtins.quit = self.exits
        self.warnings.__exit__(None, None, None)


_current_run: _TutorialRun | None = None


def reset_tutorial(gallery_conf: dict[str, Any], fname: str | None, when: str) -> None:
    """sphinx-gallery's reset hook, before and after each tutorial (see above).

    It runs in whichever process executes the tutorial, sphinx-gallery's ``parallel``
    workers included, and changes nothing of sphinx-gallery's."""
    global _current_run
    if _current_run is not None:  # "after", or a "before" that had no "after"
        _current_run.leave()
        _current_run = None
    if when == "before":
        import torch

        _freeze_long_lived_objects()
        _current_run = _TutorialRun()
        _current_run.enter()
        torch.manual_seed(0)


_modules_when_frozen = 0


def _freeze_long_lived_objects() -> None:
    """Move the modules imported so far (Sphinx, torch, what tutorials loaded on
    first use: torch.func brings some 800) out of the garbage collector's sight,
    whenever more have come since the last time. sphinx-gallery runs
    ``gc.collect()`` before every tutorial, which otherwise walks all of them each
    time (0.2 s a tutorial). What the last tutorial left is collected first, so no
    garbage is frozen with them."""
    global _modules_when_frozen
    if len(sys.modules) > _modules_when_frozen:
        if _modules_when_frozen:
            gc.collect()
        gc.freeze()
        _modules_when_frozen = len(sys.modules)


def _raises_system_exit(node: ast.AST) -> TypeGuard[ast.Raise]:
    if not isinstance(node, ast.Raise) or node.exc is None:
        return False
    target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return getattr(target, "id", getattr(target, "attr", "")) == "SystemExit"


def refuse_raise_system_exit(app: Sphinx) -> None:
    """Refuse, before any tutorial runs, a script with a ``raise SystemExit``.

    sphinx-gallery stops only ``Exception`` where it executes a tutorial, so a
    ``SystemExit`` would pass through and end Sphinx; the calls that raise it are
    guarded while a tutorial runs (``reset_tutorial``), a ``raise`` statement cannot
    be. This one stops the build at once: nothing has run yet."""
    if not gallery_runs(app.config.sphinx_gallery_conf):
        return
    found = []
    for script in _gallery_scripts(app).values():
        tree = ast.parse(script.read_bytes(), filename=str(script))
        lines = sorted(n.lineno for n in ast.walk(tree) if _raises_system_exit(n))
        found += [f"{script.name}:{line}" for line in lines]
    if found:
        raise ExtensionError(
            f"raise SystemExit in a tutorial ({', '.join(found)}): it would end the "
            "build itself. A tutorial runs to its end; to show an exit, use "
            "sys.exit() inside gradbook.expect_error(SystemExit)."
        )


INPUTS_STAMP = ".tutorial-inputs.sha256"


def gallery_runs(conf: dict[str, Any]) -> bool:
    """False for `make html-noplot`, which executes nothing on purpose."""
    return bool(conf["plot_gallery"]) and str(conf["plot_gallery"]) not in {
        "0",
        "False",
    }


# The environment variables a tutorial's or a notebook page's run reads
# (booktools.env sets them for every build).
EXECUTION_ENVIRONMENT = ("PYTHONHASHSEED", "MPLBACKEND")


def execution_inputs_digest() -> str:
    """A digest of what code run by the build computes with, besides the code itself:
    the gradbook it imports (every file of the package Python would import), the
    installed distributions and their versions (torch above all; each one's
    ``*.dist-info`` folder on ``sys.path`` names both), Python's version, and the
    environment variables in ``EXECUTION_ENVIRONMENT``. Read without importing
    anything (importing gradbook imports torch: 2 s)."""
    digest = hashlib.sha256(sys.version.encode() + b"\0")
    spec = importlib.util.find_spec("gradbook")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionError(
            "gradbook is not importable: the book's tutorials need it (make html "
            "installs it; a copy of the book puts its src/ on PYTHONPATH)"
        )
    package = Path(next(iter(spec.submodule_search_locations)))
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(package).as_posix()
            digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    installed = sorted(
        {d.name for entry in sys.path if entry for d in Path(entry).glob("*.dist-info")}
    )
    digest.update("\n".join(installed).encode() + b"\0")
    for name in EXECUTION_ENVIRONMENT:
        digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
    return digest.hexdigest()


def _tutorial_inputs_digest(app: Sphinx) -> str:
    """A digest of what a tutorial's output depends on besides its own file: what it
    computes with (``execution_inputs_digest``: gradbook, the installed packages),
    conf.py, and docs/_ext (whose digest conf.py computes)."""
    digest = hashlib.sha256(app.config.book_extensions_digest.encode())
    digest.update(execution_inputs_digest().encode())
    conf = Path(app.confdir) / "conf.py"
    digest.update(conf.read_bytes() + b"\0")
    digest.update(repr(app.config.sphinx_gallery_conf["first_notebook_cell"]).encode())
    return digest.hexdigest()


def rerun_when_inputs_change(app: Sphinx) -> None:
    """Forget sphinx-gallery's record of what ran when gradbook or the build changed."""
    conf = app.config.sphinx_gallery_conf
    if not gallery_runs(conf):
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


def forget_removed_tutorials(app: Sphinx) -> None:
    """Delete the generated files of gallery scripts that no longer exist."""
    conf = app.config.sphinx_gallery_conf
    for src, out in zip(conf["examples_dirs"], conf["gallery_dirs"], strict=True):
        source, generated = Path(app.srcdir, src), Path(app.srcdir, out)
        stems = {path.stem for path in source.glob("*.py")}
        stale = sorted(
            {p.name.split(".")[0] for p in generated.glob("*.rst")} - stems - {"index"}
        )
        for stem in stale:
            logger.info(f"{stem}.py is gone from {src}: removing its generated files")
            doomed = [
                *generated.glob(f"{stem}.*"),
                *generated.glob(f"images/sphx_glr_{stem}_*"),
            ]
            doomed += generated.glob(f"images/thumb/sphx_glr_{stem}_*")
            # and, from an earlier build, its page (a redirect may take its place) and
            # downloads.
            doomed += Path(app.outdir, out).glob(f"{stem}.html")
            doomed += Path(app.outdir, "_downloads").glob(f"*/{stem}.*")
            for path in doomed:
                path.unlink()


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
    if not gallery_runs(conf):
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
    scripts = _gallery_scripts(app)
    for name in sorted(set(scripts) - ran):
        logger.warning(
            f"{scripts[name]}: this gallery script was not executed, so its page would "
            "show code that never ran. Every script in gallery/ must run: check "
            "sphinx_gallery_conf['filename_pattern'] and ['ignore_pattern'] in "
            "docs/conf.py.",
            type="book",
            subtype="not_executed",
        )
    # A failing tutorial is reported by sphinx-gallery with its traceback; not here.
    for name, page in sorted(passed.items()):
        if page.is_file() and CHECK_MARK in page.read_text(encoding="utf-8"):
            continue
        logger.warning(
            f"{scripts.get(name, page)}: this tutorial ran but checked nothing. Each value a tutorial states is "
            "checked in the same script with gradbook (check_value, check_derivative, "
            f"...), whose passing checks print a line ending in {CHECK_MARK}; a "
            "tutorial with none states values nobody proved.",
            type="book",
            subtype="unchecked",
        )


_ADDRESS = re.compile(r"at 0x[0-9a-fA-F]{6,}")


def refuse_addresses(app: Sphinx, docname: str, source: list[str]) -> None:
    """A memory address in a generated page makes builds differ; name the page."""
    match = _ADDRESS.search(source[0]) if docname.startswith("auto_examples/") else None
    if match:
        line = source[0][: match.start()].count("\n") + 1
        logger.warning(
            f"the tutorial prints a memory address ({match.group(0)}); print a value "
            "or a name instead (object reprs change from build to build).",
            location=(docname, line),
            type="book",
            subtype="address",
        )


def _index_entries(doctree: nodes.document) -> list[tuple[str, str, str]]:
    """A page's entries of the search index, as Sphinx's ``IndexBuilder.feed``
    computes them (sphinx/search/__init__.py)."""
    entries: set[tuple[str, str, str]] = set()
    for node in doctree.findall(addnodes.index):
        for entry_type, value, target_id, main, _category in node["entries"]:
            try:
                words = split_index_msg(entry_type, value)
            except ValueError:
                continue
            if entry_type in {"see", "seealso"}:
                entries.add((words[0], target_id or "", main))
            entries |= {(word, target_id or "", main) for word in words}
    return sorted(entries)


def keep_index_entries(app: Sphinx, doctree: nodes.document) -> None:
    """Store a page's search-index entries where Sphinx keeps them, when it is read
    (``doctree-read``), so the saved environment has them for the next build."""
    app.env._search_index_index_entries[app.env.docname] = _index_entries(doctree)


def merge_index_entries(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    """Bring the entries of pages read in a parallel worker into the main process."""
    for docname in docnames:
        if docname in other._search_index_index_entries:
            entries = other._search_index_index_entries[docname]
            env._search_index_index_entries[docname] = entries


def forget_index_entries(app: Sphinx, env: Any, docname: str) -> None:
    env._search_index_index_entries.pop(docname, None)


# -- Labels: each names one place, also when pages are read in parallel ---------------
# Sphinx warns about a label defined twice when it reads the second page, but not
# when the two pages were read by different parallel workers: merging their data
# keeps one silently (sphinx/domains/std: "XXX duplicates?"). Each page's labels are
# kept here and compared once every page is in.


def _labels(app: Sphinx) -> dict[str, list[str]]:
    env: Any = app.env
    if not hasattr(env, "book_labels"):
        env.book_labels = {}
    return env.book_labels  # type: ignore[no-any-return]


def _is_label(doctree: nodes.document, name: str) -> bool:
    """Whether ``name`` is a label the standard domain keeps (as its ``process_doc``
    decides): explicit, and not a footnote, a link's own name or an object."""
    labelid = doctree.nameids.get(name)
    if not doctree.nametypes.get(name) or labelid is None:
        return False
    node: nodes.Element | None = doctree.ids[labelid]
    if isinstance(node, nodes.target) and "refid" in node:  # indirect target
        node = doctree.ids.get(node["refid"])
    return node is not None and not (
        node.tagname == "footnote"
        or "refuri" in node
        or node.tagname.startswith("desc_")
    )


def keep_labels(app: Sphinx, doctree: nodes.document) -> None:
    """The labels of a page (``(name)=``, ``.. _name:``, ``:name:``)."""
    _labels(app)[app.env.docname] = sorted(
        name for name in doctree.nametypes if _is_label(doctree, name)
    )


def merge_labels(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    mine = _labels(app)
    for docname in docnames:
        mine[docname] = getattr(other, "book_labels", {}).get(docname, [])


def forget_labels(app: Sphinx, env: Any, docname: str) -> None:
    _labels(app).pop(docname, None)


def refuse_duplicate_labels(app: Sphinx, env: Any) -> None:
    where: dict[str, list[str]] = {}
    for docname, labels in sorted(_labels(app).items()):
        for label in labels:
            where.setdefault(label, []).append(docname)
    for label, docnames in sorted(where.items()):
        if len(docnames) > 1:
            logger.warning(
                "duplicate label %s, also in %s: a label names one place",
                label,
                ", ".join(docnames[1:]),
                location=docnames[0],
                type="book",
                subtype="duplicate_label",
            )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", keep_labels)
    app.connect("env-merge-info", merge_labels)
    app.connect("env-purge-doc", forget_labels)
    app.connect("env-check-consistency", refuse_duplicate_labels)
    app.connect("doctree-read", keep_index_entries)
    app.connect("env-merge-info", merge_index_entries)
    app.connect("env-purge-doc", forget_index_entries)
    # Set in conf.py; "env": when it changes, every page is read and written again.
    app.add_config_value("book_extensions_digest", "", "env", types=frozenset({str}))
    # sphinx-gallery generates and runs the gallery at builder-inited (priority 500).
    app.connect("builder-inited", forget_removed_tutorials, priority=380)
    app.connect("builder-inited", refuse_raise_system_exit, priority=390)
    app.connect("builder-inited", rerun_when_inputs_change, priority=400)
    app.connect("builder-inited", check_every_tutorial_ran, priority=900)
    app.connect("source-read", refuse_addresses)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
