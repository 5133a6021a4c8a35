"""The strict build refuses broken books: each failure mode, shown with a broken example.

Each small book is assembled in a temporary folder from the project's own
``docs/conf.py``, ``docs/_ext``, static files and templates, and built with the book's
own command line (``booktools.sphinx``, as ``make html`` does). One piece of it is
broken on purpose for each failure mode, and each test checks that the build failed
and that its *problems* (warnings, errors and sphinx-gallery's failure summary, not
the progress lines, which name every file) name that piece and the reason.

A build costs seconds, so the failure modes share builds: one book holds every broken
tutorial and page that can be reported together (and a wrong copy of every real
tutorial), and one test per failure mode reads the shared result. The good tutorial
in the same book must still pass, so a failure is never just a broken harness. Modes
that stop a build early (a tutorial that would exit Sphinx itself) or change the
configuration get books of their own.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from booktools import BOOK, Book
from booktools.sphinx import build
from conftest import new_small_book, shared_result

pytestmark = pytest.mark.build

GOOD_TUTORIAL = '''
"""
A good tutorial
===============

It prints a checked value.
"""

# %%
# The derivative of :math:`x^2` at 3 is :math:`6`.
import torch

import gradbook

x = torch.tensor(3.0, requires_grad=True)
(x**2).backward()
print("dy/dx:", x.grad.item())
print(gradbook.check_derivative(lambda x: x**2, at=3.0, expected=6.0, name="x^2"))
'''

INDEX = """
# A small book

```{toctree}
auto_examples/index
```
"""

PASSING_CHECK = (
    "\n# %%\nimport gradbook\n\n"
    "print(gradbook.check_value(2.0**2, 4.0, name='2 squared'))\n"
)


def tutorial(body: str, checked: bool = True) -> str:
    """A minimal tutorial whose first cell is ``body``, followed (unless ``checked`` is
    False) by a cell with a passing gradbook check, as every tutorial has one."""
    return (
        textwrap.dedent(
            '''
            """
            A broken tutorial
            =================

            It is broken on purpose.
            """

            # %%
            '''
        )
        + textwrap.dedent(body)
        + (PASSING_CHECK if checked else "")
    )


def make_book(
    root: Path,
    scripts: dict[str, str],
    pages: dict[str, str] | None = None,
    index: str = INDEX,
) -> Book:
    """A small book that uses the project's real configuration and extensions."""
    book = new_small_book(root)
    (book.docs / "index.md").write_text(index)
    for name, text in (pages or {}).items():
        (book.docs / name).write_text(textwrap.dedent(text))
    (book.gallery / "01_good.py").write_text(GOOD_TUTORIAL)
    for name, text in scripts.items():
        (book.gallery / name).write_text(text)
    return book


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Not "error" alone: myst-nb prints its configuration, which has "render_error_lexer".
_PROBLEM_LINE = re.compile(r"WARNING|ERROR|[Ee]rror:|Exception|failed")
_SUMMARY = "Here is a summary of the problems encountered when running the examples"


@dataclass(frozen=True)
class Outcome:
    """What a build of a small book said, reduced to what the tests look at."""

    returncode: int
    output: str

    @property
    def failed_examples(self) -> dict[str, str]:
        """sphinx-gallery's failure summary: {script name: its traceback}."""
        text = _ANSI.sub("", self.output)
        if _SUMMARY not in text:
            return {}
        parts = re.split(r"^\s*(\S+\.py) failed leaving traceback:",
                         text.split(_SUMMARY)[1], flags=re.M)  # fmt: skip
        return {
            Path(name).name: tb
            for name, tb in zip(parts[1::2], parts[2::2], strict=True)
        }

    @property
    def problems(self) -> str:
        """The build's warning and error lines and the failing tutorials'
        tracebacks; not its progress lines."""
        text = _ANSI.sub("", self.output)
        lines = [line for line in text.splitlines() if _PROBLEM_LINE.search(line)]
        if _SUMMARY in text:
            lines.append(text.split(_SUMMARY)[1])
        return "\n".join(lines)

    def assert_fails_naming(self, *names: str) -> None:
        assert self.returncode != 0, (
            f"the build passed but should have failed:\n{self.output[-3000:]}"
        )
        for name in names:
            assert name in self.problems, (
                f"the build failed without naming {name!r} among its problems:\n"
                f"{self.problems[-4000:]}"
            )

    def executed(self) -> int:
        """How many tutorials sphinx-gallery ran in this build."""
        text = _ANSI.sub("", self.output)
        found = re.search(r"successfully executed (\d+) out of", text)
        return int(found.group(1)) if found else 0


def build_book(book: Book, *options: str) -> Outcome:
    done = build(book, options, timeout=900)
    return Outcome(done.returncode, done.output)


# -- One book, every failure that can be reported together ----------------------------

# A tutorial that warns: the code, and the warning the failure must show.
WARNS = {
    "03_warns_deprecation.py": (
        "import warnings\nwarnings.warn('old API', DeprecationWarning)\n",
        "DeprecationWarning: old API",
    ),
    "04_warns_user.py": (
        "import warnings\nwarnings.warn('something odd')\n",
        "UserWarning: something odd",
    ),
    # A real-world case: reading .grad of a non-leaf tensor warns in PyTorch.
    "05_warns_nonleaf_grad.py": (
        "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x**2\n"
        "y.backward()\nprint(y.grad)\n",
        "UserWarning: The .grad attribute of a Tensor that is not a leaf",
    ),
    # known_warnings.py ignores this message only when torch's own module raises it.
    "06_warns_known_message_own_code.py": (
        "import warnings\nwarnings.warn('`torch.jit.script` is deprecated.', "
        "DeprecationWarning)\n",
        "DeprecationWarning: `torch.jit.script` is deprecated.",
    ),
}
# A tutorial that exits: without the build's guard, sys.exit(0) would end Sphinx
# itself with status 0, a "successful" build of which the rest never ran.
EXITS = {
    "07_exits_sys_exit.py": "import sys\nprint('before')\nsys.exit(0)\nprint('after')\n",
    "08_exits_exit.py": "exit()\n",
    "09_exits_quit.py": "quit(3)\n",
    "10_exits_imported_exit.py": "from sys import exit as leave\nleave(0)\n",
}
OTHER_SCRIPTS = {
    "02_raises.py": tutorial("raise ValueError('broken on purpose')\n"),
    "11_unchecked.py": tutorial("print('dy/dx at x = 2:', 5.0)\n", checked=False),
    "12_badref.py": tutorial("# See :ref:`no-such-label` for more.\nprint('hello')\n"),
    "13_badfunc.py": tutorial(
        "# :func:`gradbook.check_derivatve` checks it.\nprint('hello')\n"
    ),
    "14_wrong_value.py": GOOD_TUTORIAL.replace("expected=6.0", "expected=7.0"),
    "15_address.py": tutorial("class Thing:\n    pass\n\nprint(Thing())\n"),
    # Reader aids (docs/_ext/tutorial_meta.py): a term the glossary lacks, and a
    # prerequisite (":Assumes:") that names no page.
    "16_broken_term.py": tutorial("# The :term:`no such term` of x.\nprint('hi')\n"),
    "17_broken_prerequisite.py": tutorial("print('hi')\n").replace(
        "It is broken on purpose.",
        "It is broken on purpose.\n\n:Assumes: :ref:`tut-no-such-page`",
    ),
}
PAGES = {
    "glossary.md": "# Glossary\n\n```{glossary}\nGradient\n  The partials.\n```\n",
    "lost.md": "# Lost\n\nIn no toctree.\n",
    "one.md": "(same-label)=\n# One\n\nText.\n",
    "two.md": "(same-label)=\n# Two\n\nText.\n",
}
BROKEN_INDEX = INDEX.replace(
    "auto_examples/index", "auto_examples/index\nglossary\none\ntwo\nnot_written_yet"
)


# A real tutorial with its first stated value changed. One is enough here: that every
# stated value of every tutorial is checked is proven on the scripts themselves
# (tests/test_tutorials.py, each value changed in turn), and that a failed check
# fails the build, by 14_wrong_value.py; this one proves a real tutorial's checks run
# in the build as they run alone.
WRONG_REAL = BOOK.tutorials()[0]


def wrong_real_tutorial() -> dict[str, str]:
    from mutants import mutate, sites

    source = WRONG_REAL.read_text()
    found = sites(source)
    assert found, f"{WRONG_REAL.name} states no value in a gradbook check"
    return {f"wrong_{WRONG_REAL.name}": mutate(source, found[0])}


def _build_broken_book(tmp: Path) -> dict:
    scripts = {name: tutorial(code) for name, (code, _) in WARNS.items()}
    scripts |= {name: tutorial(code) for name, code in EXITS.items()}
    scripts |= OTHER_SCRIPTS | wrong_real_tutorial()
    book = make_book(tmp, scripts, pages=PAGES, index=BROKEN_INDEX)
    outcome = build_book(book)
    return {"returncode": outcome.returncode, "output": outcome.output}


@pytest.fixture(scope="module")
def broken(tmp_path_factory, worker_id) -> Outcome:
    """The book with every broken piece, built once for the whole test run."""
    return Outcome(**shared_result(tmp_path_factory, worker_id, "broken-book",
                                   _build_broken_book))  # fmt: skip


def test_the_good_tutorial_still_passes_in_the_broken_book(broken):
    """The harness: the one good tutorial is not among the failures, and its page
    was written."""
    assert broken.returncode != 0
    assert broken.failed_examples, broken.output[-3000:]
    assert "01_good.py" not in broken.failed_examples
    assert "01_good" not in broken.problems
    # Many tutorials to run: sphinx-gallery's worker processes run them
    # (build_speed.parallel_only_when_it_pays), and every refusal still names its file.
    assert "generating gallery (with parallel=" in broken.output


def test_tutorial_that_raises_fails_the_build(broken):
    broken.assert_fails_naming("02_raises.py", "broken on purpose")


@pytest.mark.parametrize("name", sorted(WARNS))
def test_tutorial_that_warns_fails_the_build(broken, name):
    broken.assert_fails_naming(name)
    assert WARNS[name][1] in broken.failed_examples[name]


@pytest.mark.parametrize("name", sorted(EXITS))
def test_tutorial_that_exits_fails_the_build(broken, name):
    """sys.exit(), exit() and quit() in a tutorial are that tutorial's failure
    (bookbuild's reset hook), not the end of the build: the others still ran."""
    broken.assert_fails_naming(name)
    assert "TutorialExited" in broken.failed_examples[name]


def test_tutorial_that_checks_nothing_fails_the_build(broken):
    """It runs and prints values, but proves none of them with gradbook."""
    broken.assert_fails_naming("11_unchecked.py", "checked nothing")


def test_broken_cross_reference_fails_the_build(broken):
    broken.assert_fails_naming("12_badref", "no-such-label")


def test_broken_api_reference_fails_the_build(broken):
    """A :func: reference to a function that does not exist (a renamed gradbook
    function, say) is a warning too: the build is nitpicky."""
    broken.assert_fails_naming("13_badfunc", "gradbook.check_derivatve")


def test_wrong_stated_value_fails_the_build(broken):
    broken.assert_fails_naming("14_wrong_value.py", "CheckFailed")


def test_memory_address_in_output_fails_the_build(broken):
    broken.assert_fails_naming("15_address", "memory address")


def _one_problem_names(outcome: Outcome, name: str, complaint: str) -> None:
    outcome.assert_fails_naming(name)
    lines = outcome.problems.splitlines()
    assert any(name in line and complaint in line for line in lines), (
        f"no problem names both {name!r} and {complaint!r}:\n{outcome.problems[-3000:]}"
    )


def test_term_not_in_the_glossary_fails_the_build(broken):
    _one_problem_names(broken, "16_broken_term", "term not in glossary")


def test_prerequisite_that_names_no_page_fails_the_build(broken):
    _one_problem_names(broken, "17_broken_prerequisite", "undefined label")


def test_page_in_no_toctree_fails_the_build(broken):
    broken.assert_fails_naming("lost.md", "isn't included in any toctree")


def test_duplicate_label_fails_the_build(broken):
    """Also when the two pages are read by different parallel workers, where Sphinx
    itself says nothing (bookbuild.refuse_duplicate_labels)."""
    broken.assert_fails_naming("duplicate label same-label")


def test_missing_file_in_toctree_fails_the_build(broken):
    broken.assert_fails_naming("not_written_yet")


def test_changing_a_stated_value_in_a_real_tutorial_fails_the_build(broken):
    name = f"wrong_{WRONG_REAL.name}"
    failed = broken.failed_examples
    assert name in failed, f"{name} was not refused; refused: {sorted(failed)}"
    assert "CheckFailed" in failed[name], failed[name][-2000:]


# -- Failures that need a book of their own --------------------------------------------


def notebook_page(title: str, code: str) -> str:
    """A MyST notebook page (myst-nb executes it) with one code cell."""
    return (
        "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n"
        f"  display_name: Python 3\n---\n\n# {title}\n\n"
        f"```{{code-cell}} python\n{code}\n```\n"
    )


NOTEBOOK_PAGE = notebook_page("A notebook page", "1 / 0")


def test_skipped_script_and_failing_notebook_cell_fail_the_build(tmp_path):
    """Two modes in one build with its own configuration:

    * narrowing sphinx-gallery's ``filename_pattern`` (its default runs only
      ``plot_*``) would show code that never ran: the skipped script is named;
    * a failing cell of a MyST notebook page fails the build, and its traceback does
      not land in the published site (myst-nb's ``reports/`` folder).
    """
    index = INDEX.replace("auto_examples/index", "auto_examples/index\nnotebook")
    book = make_book(
        tmp_path,
        {"02_never_run.py": tutorial("print('hi')\n")},
        pages={"notebook.md": NOTEBOOK_PAGE},
        index=index,
    )
    outcome = build_book(book, "-D", "sphinx_gallery_conf.filename_pattern=/plot_")
    outcome.assert_fails_naming("02_never_run.py", "not executed")
    outcome.assert_fails_naming("notebook", "ZeroDivisionError")
    assert not (book.html / "reports").exists(), "tracebacks leaked into the site"


def test_raise_system_exit_is_refused_before_anything_runs(tmp_path):
    """``raise SystemExit`` cannot be caught where a tutorial runs without patching
    sphinx-gallery, and would end the whole build: the build reads every script
    first and refuses it, naming the file and line, before any tutorial runs."""
    script = tutorial("print('before')\nraise SystemExit(0)\n")
    book = make_book(tmp_path, {"02_raises_exit.py": script})
    outcome = build_book(book)
    outcome.assert_fails_naming("02_raises_exit.py:", "SystemExit")
    assert outcome.executed() == 0
    assert not (book.html / "index.html").exists()


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder``: the digest of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


NOTEBOOK_SUMS = notebook_page("Sums", "print(6 * 7)")
RAN_AHEAD = "executing notebook pages while the tutorials run: sums.md"
FROM_CACHE = "sums.md: Using cached notebook"


def test_control_book_rebuilds_only_what_changed(tmp_path):
    """The small book with nothing broken builds; ``make html`` right after it
    (``skip_unchanged``) finds it up to date and starts no Sphinx; Sphinx's own build
    with nothing changed runs no tutorial, reads and writes no page, and leaves every
    output byte as it was (it still writes its indexes again, with the same bytes:
    before bookbuild.keep_index_entries, the search index lost its index entries); a
    change to what tutorials import (here the build's own extensions; gradbook and
    conf.py count too) is no longer up to date and runs every tutorial again, so
    pages never keep what an older gradbook printed; and the build after that
    writes nothing again.

    Its notebook page runs while the tutorials do (notebook_cache.py) and is stored;
    when Sphinx reads it again (the extensions changed: every page is read) its
    outputs come from the store, since its code, gradbook and the installed packages
    are as they were (tests/test_notebook_cache.py: the key)."""
    glossary = "# Terms\n\n```{glossary}\nGradient\n  The vector of partials.\n```\n"
    index = INDEX.replace("auto_examples/index", "auto_examples/index\nterms\nsums")
    book = make_book(
        tmp_path,
        {},
        pages={"terms.md": glossary, "sums.md": NOTEBOOK_SUMS},
        index=index,
    )
    done = build(book, skip_unchanged=True)
    cold = Outcome(done.returncode, done.output)
    assert cold.returncode == 0, cold.output[-3000:]
    assert not done.skipped
    assert RAN_AHEAD in cold.output and FROM_CACHE in cold.output, cold.output[-3000:]
    assert "42" in (book.html / "sums.html").read_text(encoding="utf-8")
    assert build(book, skip_unchanged=True).skipped, (
        "make html rebuilt an up-to-date book"
    )
    # An index entry (a glossary term) is in the search index, and stays there.
    assert '"gradient":[[' in (book.html / "searchindex.js").read_text()
    assert (book.html / "auto_examples" / "01_good.html").exists()
    assert cold.executed() == 1

    def unchanged_rebuild() -> None:
        before = _snapshot(book.html)
        again = build_book(book)
        assert again.returncode == 0, again.output[-3000:]
        assert again.executed() == 0, "nothing changed, yet a tutorial ran"
        # ... and no worker processes were started to skip it.
        assert (
            "no tutorials to run: running the gallery in this process" in again.output
        )
        assert "(with parallel=" not in again.output
        assert "targets for 0 source files that are out of date" in again.output
        assert "executing notebook pages" not in again.output
        after = _snapshot(book.html)
        changed = sorted(
            k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
        )
        assert not changed, f"a build with nothing changed changed {changed}"

    unchanged_rebuild()
    with (book.docs / "_ext" / "bookbuild.py").open("a") as ext:
        ext.write("\n# a change to the build's own code\n")
    done = build(book, skip_unchanged=True)
    assert not done.skipped, "an extension changed, yet make html skipped the build"
    changed = Outcome(done.returncode, done.output)
    assert changed.returncode == 0, changed.output[-3000:]
    assert changed.executed() == 1
    assert FROM_CACHE in changed.output and RAN_AHEAD not in changed.output
    unchanged_rebuild()
