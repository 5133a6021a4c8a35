"""The strict build refuses broken books: each failure mode, shown with a broken example.

Every test assembles a small book in a temporary folder from the project's own
``docs/conf.py`` and ``docs/_ext`` (and static files), adds one deliberately broken
piece, runs ``sphinx-build -W`` as ``make html`` does, and checks that the build fails
and that its output names the broken file. A control build of the same small book
without the broken piece must pass, so a failure is never just a broken harness.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from booktest import DOCS, run

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
) -> Path:
    """A small book that uses the project's real configuration."""
    docs = root / "docs"
    docs.mkdir(parents=True)
    shutil.copy(DOCS / "conf.py", docs / "conf.py")
    for folder in ("_ext", "_static", "_templates"):
        if (DOCS / folder).exists():
            shutil.copytree(
                DOCS / folder,
                docs / folder,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
    (docs / "index.md").write_text(index)
    for name, text in (pages or {}).items():
        (docs / name).write_text(textwrap.dedent(text))
    gallery = root / "gallery"
    gallery.mkdir()
    (gallery / "GALLERY_HEADER.rst").write_text("Tutorials\n=========\n\nA gallery.\n")
    (gallery / "01_good.py").write_text(GOOD_TUTORIAL)
    for name, text in scripts.items():
        (gallery / name).write_text(text)
    return docs


def build(docs: Path, *options: str):
    out = docs / "_build"
    return run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "--keep-going",
            "-T",
            "-d",
            str(out / "doctrees"),
            *options,
            str(docs),
            str(out / "html"),
        ],
        cwd=docs.parent,
    )


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Not "error" alone: myst-nb prints its configuration, which has "render_error_lexer".
_PROBLEM_LINE = re.compile(r"WARNING|ERROR|[Ee]rror:|Exception|failed")
_SUMMARY = "Here is a summary of the problems encountered when running the examples"


def failed_examples(stdout: str) -> dict[str, str]:
    """sphinx-gallery's failure summary: {script name: its traceback}."""
    text = _ANSI.sub("", stdout)
    if _SUMMARY not in text:
        return {}
    parts = re.split(r"^\s*(\S+\.py) failed leaving traceback:", text.split(_SUMMARY)[1],
                     flags=re.M)  # fmt: skip
    return {
        Path(name).name: tb for name, tb in zip(parts[1::2], parts[2::2], strict=True)
    }


def problems(stdout: str) -> str:
    """What the build reported as wrong: its warning and error lines, and the
    tracebacks of the tutorials that failed; not the progress lines, which name
    every file whether it is broken or not."""
    text = _ANSI.sub("", stdout)
    lines = [line for line in text.splitlines() if _PROBLEM_LINE.search(line)]
    if _SUMMARY in text:
        lines.append(text.split(_SUMMARY)[1])
    return "\n".join(lines)


def assert_fails_naming(result, *names: str) -> None:
    assert result.returncode != 0, (
        f"the build passed but should have failed:\n{result.stdout[-3000:]}"
    )
    reported = problems(result.stdout)
    for name in names:
        assert name in reported, (
            f"the build failed without naming {name} among its problems:\n"
            f"{result.stdout[-3000:]}"
        )


def test_control_book_builds(tmp_path):
    """The harness itself: the small book with nothing broken builds cleanly."""
    docs = make_book(tmp_path, {})
    result = build(docs)
    assert result.returncode == 0, result.stdout[-3000:]
    assert (docs / "_build" / "html" / "auto_examples" / "01_good.html").exists()


def test_tutorial_that_raises_fails_the_build(tmp_path):
    docs = make_book(
        tmp_path, {"02_raises.py": tutorial("raise ValueError('broken on purpose')\n")}
    )
    assert_fails_naming(build(docs), "02_raises.py", "broken on purpose")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "import warnings\nwarnings.warn('old API', DeprecationWarning)\n",
            "DeprecationWarning: old API",
        ),
        (
            "import warnings\nwarnings.warn('something odd')\n",
            "UserWarning: something odd",
        ),
        # A real-world case: reading .grad of a non-leaf tensor warns in PyTorch.
        (
            "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x**2\n"
            "y.backward()\nprint(y.grad)\n",
            "UserWarning: The .grad attribute of a Tensor that is not a leaf",
        ),
        # known_warnings.py ignores this message only when torch's own module raises it.
        (
            "import warnings\nwarnings.warn('`torch.jit.script` is deprecated.', "
            "DeprecationWarning)\n",
            "DeprecationWarning: `torch.jit.script` is deprecated.",
        ),
    ],
    ids=[
        "DeprecationWarning",
        "UserWarning",
        "non-leaf-grad",
        "known-message-own-code",
    ],
)
def test_tutorial_that_warns_fails_the_build(tmp_path, code, message):
    docs = make_book(tmp_path, {"02_warns.py": tutorial(code)})
    result = build(docs)
    assert_fails_naming(result, "02_warns.py")
    assert message in failed_examples(result.stdout)["02_warns.py"]


@pytest.mark.parametrize(
    "code",
    ["import sys\nprint('before')\nsys.exit(0)\nprint('after')\n", "exit()\n"],
    ids=["sys.exit(0)", "exit()"],
)
def test_tutorial_that_exits_fails_the_build(tmp_path, code):
    """Uncaught, sys.exit(0) in a tutorial would end Sphinx itself with status 0: a
    'successful' build of which the rest never ran (bookbuild.refuse_exit)."""
    docs = make_book(tmp_path, {"02_exits.py": tutorial(code)})
    result = build(docs)
    assert_fails_naming(result, "02_exits.py")
    assert "TutorialExited" in failed_examples(result.stdout)["02_exits.py"]


def test_tutorial_that_checks_nothing_fails_the_build(tmp_path):
    """It runs and prints values, but proves none of them with gradbook."""
    script = tutorial("print('dy/dx at x = 2:', 5.0)\n", checked=False)
    docs = make_book(tmp_path, {"02_unchecked.py": script})
    assert_fails_naming(build(docs), "02_unchecked.py", "checked nothing")


def test_page_in_no_toctree_fails_the_build(tmp_path):
    docs = make_book(tmp_path, {}, pages={"lost.md": "# Lost\n\nIn no toctree.\n"})
    assert_fails_naming(build(docs), "lost")


def test_broken_cross_reference_fails_the_build(tmp_path):
    script = tutorial("# See :ref:`no-such-label` for more.\nprint('hello')\n")
    docs = make_book(tmp_path, {"02_badref.py": script})
    assert_fails_naming(build(docs), "02_badref", "no-such-label")


def test_broken_api_reference_fails_the_build(tmp_path):
    """A :func: reference to a function that does not exist (a renamed gradbook
    function, say) is a warning too: the build is nitpicky."""
    script = tutorial("# :func:`gradbook.check_derivatve` checks it.\nprint('hello')\n")
    docs = make_book(tmp_path, {"02_badfunc.py": script})
    assert_fails_naming(build(docs), "02_badfunc", "gradbook.check_derivatve")


def test_duplicate_label_fails_the_build(tmp_path):
    pages = {
        "one.md": "(same-label)=\n# One\n\nText.\n",
        "two.md": "(same-label)=\n# Two\n\nText.\n",
    }
    index = INDEX.replace("auto_examples/index", "auto_examples/index\none\ntwo")
    docs = make_book(tmp_path, {}, pages=pages, index=index)
    assert_fails_naming(build(docs), "duplicate label same-label")


def test_missing_file_in_toctree_fails_the_build(tmp_path):
    index = INDEX.replace("auto_examples/index", "auto_examples/index\nnot_written_yet")
    docs = make_book(tmp_path, {}, index=index)
    assert_fails_naming(build(docs), "not_written_yet")


def test_failing_myst_notebook_cell_fails_the_build(tmp_path):
    page = """\
        ---
        file_format: mystnb
        kernelspec:
          name: python3
          display_name: Python 3
        ---

        # A notebook page

        ```{code-cell} python
        1 / 0
        ```
        """
    index = INDEX.replace("auto_examples/index", "auto_examples/index\nnotebook")
    docs = make_book(tmp_path, {}, pages={"notebook.md": page}, index=index)
    result = build(docs)
    assert_fails_naming(result, "notebook", "ZeroDivisionError")
    assert not (docs / "_build" / "html" / "reports").exists(), (
        "tracebacks leaked into the site"
    )


def test_script_skipped_by_filename_pattern_fails_the_build(tmp_path):
    """Narrowing sphinx-gallery's filename_pattern (its default runs only plot_*) would
    show code that never ran; the build refuses it and names the skipped script."""
    docs = make_book(tmp_path, {"02_never_run.py": tutorial("print('hi')\n")})
    result = build(docs, "-D", "sphinx_gallery_conf.filename_pattern=/plot_")
    assert_fails_naming(result, "02_never_run.py", "not executed")


def test_wrong_stated_value_fails_the_build(tmp_path):
    wrong = GOOD_TUTORIAL.replace("expected=6.0", "expected=7.0")
    assert wrong != GOOD_TUTORIAL
    docs = make_book(tmp_path, {"02_wrong_value.py": wrong})
    assert_fails_naming(build(docs), "02_wrong_value.py", "CheckFailed")


def test_memory_address_in_output_fails_the_build(tmp_path):
    script = tutorial("class Thing:\n    pass\n\nprint(Thing())\n")
    docs = make_book(tmp_path, {"02_address.py": script})
    assert_fails_naming(build(docs), "02_address", "memory address")


def test_changing_a_stated_value_in_any_real_tutorial_fails_the_build(tmp_path):
    """One build with a wrong copy of every real tutorial: each must be refused."""
    from booktest import TUTORIALS
    from mutants import mutate, sites

    wrong = {}
    for script in TUTORIALS:
        source = script.read_text()
        found = sites(source)
        assert found, f"{script.name} states no value in a gradbook check"
        wrong[f"wrong_{script.name}"] = mutate(source, found[0])
    docs = make_book(tmp_path, wrong)
    result = build(docs)
    assert result.returncode != 0, result.stdout[-3000:]
    failed = failed_examples(result.stdout)
    for name in wrong:
        assert name in failed, f"{name} was not refused; refused: {sorted(failed)}"
        assert "CheckFailed" in failed[name], failed[name][-2000:]
    assert "01_good.py" not in failed


def test_tutorials_run_again_when_what_they_import_changes(tmp_path):
    """sphinx-gallery re-runs a tutorial only when its own file changes; a change to
    gradbook, docs/_ext or conf.py must run them again (bookbuild.rerun_when_inputs_change),
    or pages would keep what an older gradbook printed."""

    def executed(result) -> int:
        assert result.returncode == 0, result.stdout[-3000:]
        text = _ANSI.sub("", result.stdout)
        return int(re.search(r"successfully executed (\d+) out of", text).group(1))

    docs = make_book(tmp_path, {})
    assert executed(build(docs)) == 1
    assert executed(build(docs)) == 0  # nothing changed: nothing runs
    with (docs / "_ext" / "bookbuild.py").open("a") as ext:
        ext.write("\n# a change to the build's own code\n")
    assert executed(build(docs)) == 1
