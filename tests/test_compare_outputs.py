"""``python -m booktools compare-outputs``, the weekly newer-torch workflow's judge, on
small synthetic builds: pages shaped as sphinx-gallery and myst-nb write them (no build
of the book needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from booktools.compare_outputs import (
    log_failures,
    main,
    mask_torch_version,
    read_build,
)

REPO = Path(__file__).resolve().parents[1]


def tutorial_page(outputs: list[str], torch: str = "2.13.0+cpu") -> str:
    """A tutorial page as the book writes it: the bar with the torch version, then
    code and sphinx-gallery's output blocks."""
    blocks = "".join(
        '<div class="highlight-Python notranslate"><div class="highlight"><pre>'
        '<span></span><span class="nb">print</span>(x)</pre></div></div>\n'
        '<div class="sphx-glr-script-out highlight-none notranslate">'
        f'<div class="highlight"><pre><span></span>{text}</pre></div></div>\n'
        for text in outputs
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title></head>"
        '<body><section><h1>A tutorial</h1><nav class="book-tutorial-bar">'
        '<p class="book-torch-version">Outputs computed with <code>torch '
        f"{torch}</code> when this page was built.</p></nav>{blocks}"
        "<p>Prose<br>with a break.</p><img src='a.png' alt=''></section></body></html>"
    )


def myst_page(outputs: list[str]) -> str:
    """A MyST page with executed cells, as myst-nb writes them."""
    cells = "".join(
        '<div class="cell docutils container"><div class="cell_input docutils '
        'container"><div class="highlight"><pre>x</pre></div></div>'
        '<div class="cell_output docutils container"><div class="output stream '
        f'highlight-myst-ansi notranslate"><div class="highlight"><pre><span></span>'
        f"{text}</pre></div></div></div></div>"
        for text in outputs
    )
    return f"<html><body><main>{cells}</main></body></html>"


def write_build(root: Path, pages: dict[str, str]) -> Path:
    for name, html in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    return root


BOOK_PAGES = {
    "index.html": "<html><body><p>No code ran here.</p></body></html>",
    "auto_examples/01_scalar.html": tutorial_page(
        ["f(2) = 4.0000\n✓ check_derivative", "x.grad = tensor(4.)"]
    ),
    "auto_examples/02_graph.html": tutorial_page(["y.grad_fn = &lt;MulBackward0&gt;"]),
    "tensors.html": myst_page(["tensor([1., 2.])"]),
}


@pytest.fixture
def two_builds(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write_build(tmp_path / "lock", BOOK_PAGES),
        write_build(tmp_path / "newest", BOOK_PAGES),
    )


def test_reads_both_kinds_of_output_and_the_torch_version(two_builds):
    pages = read_build(two_builds[0])
    assert sorted(pages) == [
        "auto_examples/01_scalar.html",
        "auto_examples/02_graph.html",
        "tensors.html",
    ]  # index.html executed nothing
    scalar = pages["auto_examples/01_scalar.html"]
    assert scalar.blocks == ["f(2) = 4.0000\n✓ check_derivative", "x.grad = tensor(4.)"]
    assert scalar.versions == ["2.13.0+cpu"]
    assert pages["auto_examples/02_graph.html"].blocks == ["y.grad_fn = <MulBackward0>"]
    assert pages["tensors.html"].blocks == ["tensor([1., 2.])"]


def test_identical_outputs_pass(two_builds, capsys):
    assert main([str(two_builds[0]), str(two_builds[1])]) == 0
    out = capsys.readouterr().out
    assert "0 problem(s)" in out
    assert "torch 2.13.0+cpu" in out


def test_a_changed_output_names_the_page_with_a_diff(two_builds, capsys):
    lock, newest = two_builds
    write_build(
        newest,
        {
            "auto_examples/01_scalar.html": tutorial_page(
                ["f(2) = 4.0001\n✓ check_derivative", "x.grad = tensor(4.)"]
            )
        },
    )
    assert main([str(lock), str(newest)]) == 1
    out = capsys.readouterr().out
    assert "auto_examples/01_scalar.html: output differs" in out
    assert "-f(2) = 4.0000" in out and "+f(2) = 4.0001" in out
    assert "02_graph" not in out and "tensors.html" not in out  # unchanged pages
    assert "1 problem(s)" in out


def test_a_changed_myst_cell_output_is_a_difference(two_builds, capsys):
    lock, newest = two_builds
    write_build(newest, {"tensors.html": myst_page(["tensor([1., 3.])"])})
    assert main([str(lock), str(newest)]) == 1
    assert "tensors.html: output differs" in capsys.readouterr().out


def test_the_torch_version_alone_is_no_difference(two_builds, capsys):
    lock, newest = two_builds
    printed = "torch 2.13.0+cpu\nx = 1"
    write_build(lock, {"auto_examples/03_v.html": tutorial_page([printed])})
    write_build(
        newest,
        {
            "auto_examples/03_v.html": tutorial_page(
                ["torch 2.15.1+cpu\nx = 1"], torch="2.15.1+cpu"
            ),
            "auto_examples/01_scalar.html": tutorial_page(
                ["f(2) = 4.0000\n✓ check_derivative", "x.grad = tensor(4.)"],
                torch="2.15.1+cpu",
            ),
        },
    )
    assert main([str(lock), str(newest)]) == 0, capsys.readouterr().out
    assert "torch 2.13.0+cpu (" in capsys.readouterr().out


def test_masking_keeps_numbers_that_are_not_the_version():
    assert mask_torch_version("torch==2.13.0 ok", ["2.13.0+cpu"]) == (
        "torch==<torch version> ok"
    )
    assert mask_torch_version("version 2.13.0+cpu", ["2.13.0+cpu"]) == (
        "version <torch version>"
    )
    assert mask_torch_version("torch.__version__ = '2.16.0'") == (
        "torch.__version__ = '<torch version>'"
    )
    kept = "torch.tensor(2.5) * 2.13 = 12.13.0x"
    assert mask_torch_version(kept, ["2.13.0"]) == kept


def test_a_page_missing_from_one_build_is_named(two_builds, capsys):
    lock, newest = two_builds
    (newest / "auto_examples" / "02_graph.html").unlink()
    write_build(newest, {"auto_examples/19_new.html": tutorial_page(["y = 1"])})
    assert main([str(lock), str(newest)]) == 1
    out = capsys.readouterr().out
    assert f"auto_examples/02_graph.html: executed output only in {lock}" in out
    assert f"auto_examples/19_new.html: executed output only in {newest}" in out


GALLERY_LOG = """\
generating gallery for auto_examples... [ 50%] 01_scalar.py
Extension error (sphinx_gallery.gen_gallery):
Handler <function summarize_failing_examples at 0x7f> for event 'build-finished' threw an exception (exception: Here is a summary of the problems encountered when running the examples:

Unexpected failing examples (2):

    ../gallery/05_partial_derivatives.py failed leaving traceback:

    Traceback (most recent call last):
      File "/w/gallery/05_partial_derivatives.py", line 40, in <module>
        gradbook.check_derivative(f, x, expected=3.0)
    gradbook.errors.CheckError: df/dx at x=2.0: autograd gives 4.0, expected 3.0

    ../gallery/\x1b[01m09_higher_order.py\x1b[39;49;00m failed leaving traceback:

    Traceback (most recent call last):
    RuntimeError: boom

    ---------------------------------------------------------------------------
make html exit status: 2
"""


def test_a_failing_tutorial_in_the_log_is_named_with_its_error():
    found = dict(log_failures(GALLERY_LOG))
    assert found["auto_examples/05_partial_derivatives.html"] == (
        "the tutorial 05_partial_derivatives.py failed: gradbook.errors.CheckError: "
        "df/dx at x=2.0: autograd gives 4.0, expected 3.0"
    )
    assert "RuntimeError: boom" in found["auto_examples/09_higher_order.html"]


# What a parallel build printed (tools/booktools, -j auto, sphinx-gallery parallel)
# when a check of a tutorial and a check in a MyST page's cell failed: sphinx-gallery
# reports the tutorial as it fails; the cell's failure ends the build before any page
# is written.
PARALLEL_LOG = """\
generating gallery for auto_examples... [ 28%] 05_partial_derivatives.py

\x1b[01m\x1b[91m../gallery/05_partial_derivatives.py\x1b[39;49;00m\x1b[39;49;00m \
unexpectedly failed to execute correctly:

\x1b[91m    Traceback (most recent call last):
      File "/w/gallery/05_partial_derivatives.py", line 68, in <module>
        print(gradbook.check_value(u.grad, 4.5, name="u"))
    gradbook.check.CheckFailed: u: computed 4.0, but the book states 4.5
\x1b[39;49;00m
generating gallery for auto_examples... [ 33%] 06_sum_trick.py
[IPKernelApp] WARNING | Kernel is running over TCP without encryption.
/w/docs/tensors.md: Executing notebook using local CWD [mystnb]

Sphinx parallel build error!
    nbclient.exceptions.CellExecutionError: An error occurred while executing:
    ------------------
    \x1b[31mCheckFailed\x1b[39m: dims: computed 2.0, stated 3.0
    The above exception was the direct cause of the following exception:
    Traceback (most recent call last):
        raise ExecutionError(str(self.path)) from result.err
    myst_nb.core.execute.base.ExecutionError: /w/docs/tensors.md

make html exit status: 2
"""


def test_a_parallel_builds_failures_are_named_with_their_errors():
    assert log_failures(PARALLEL_LOG) == [
        (
            "auto_examples/05_partial_derivatives.html",
            "the tutorial 05_partial_derivatives.py failed: "
            "gradbook.check.CheckFailed: u: computed 4.0, but the book states 4.5",
        ),
        (None, "Sphinx parallel build error!"),
        (
            "tensors.html",
            "a cell of tensors.md failed: CheckFailed: dims: computed 2.0, stated 3.0",
        ),
        (None, "make html exit status: 2"),
    ]


def test_a_build_that_wrote_no_pages_is_named_by_its_log(two_builds, tmp_path, capsys):
    lock, _ = two_builds
    log = tmp_path / "newest.log"
    log.write_text(PARALLEL_LOG)
    missing = tmp_path / "newest" / "html"
    assert main([str(lock), str(missing), "--build-log", str(log)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out[:3]] == [
        "auto_examples/05_partial_derivatives.html",
        "tensors.html",
        str(missing),
    ]
    assert "only in" not in "\n".join(out), "no page-by-page list of a failed build"


def test_failed_checks_fail_the_comparison_even_with_equal_outputs(
    two_builds, tmp_path, capsys
):
    lock, newest = two_builds
    log = tmp_path / "newest.log"
    log.write_text(GALLERY_LOG)
    clean = tmp_path / "lock.log"
    clean.write_text("build succeeded.\nmake html exit status: 0\n")
    assert main([str(lock), str(newest), "--build-log", str(clean)]) == 0
    capsys.readouterr()
    code = main(
        [str(lock), str(newest), "--build-log", str(clean), "--build-log", str(log)]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "auto_examples/05_partial_derivatives.html: check failed" in out
    assert "auto_examples/09_higher_order.html: check failed" in out


def test_a_failing_myst_cell_and_a_sphinx_warning_name_their_pages():
    log = (
        "/w/docs/tensors.md: WARNING: Executing notebook failed: CellExecutionError"
        " [mystnb.exec]\n"
        "/w/docs/auto_examples/07_activation_functions.rst:12: WARNING: undefined "
        "label: 'tut-x'\n"
        "WARNING: 11_forward_mode.py: a memory address in the page\n"
    )
    pages = [page for page, _ in log_failures(log)]
    assert pages == [
        "tensors.html",
        "auto_examples/07_activation_functions.html",
        "auto_examples/11_forward_mode.html",
    ]


def test_a_failed_build_that_names_no_page_still_fails(two_builds, tmp_path, capsys):
    log = tmp_path / "build.log"
    log.write_text("Exception occurred:\n  boom\nmake html exit status: 1\n")
    assert main([*map(str, two_builds), "--build-log", str(log)]) == 1
    assert "the build failed" in capsys.readouterr().out


def test_a_folder_that_is_no_built_book_is_refused(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    book = write_build(tmp_path / "book", BOOK_PAGES)
    assert main([str(book), str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main([str(book), str(empty)]) == 2
    assert "no page with executed output" in capsys.readouterr().err
    assert main([str(book), str(book), "--build-log", str(tmp_path / "x.log")]) == 2
    assert "no such build log" in capsys.readouterr().err


def test_the_command_line_runs_it_with_only_the_standard_library(two_builds):
    """As the workflow runs it: ``PYTHONPATH=tools python3 -m booktools ...``, with
    ``-I -S`` here so that nothing of this venv's site-packages is importable."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c",
         "import sys; sys.path.insert(0, 'tools'); from booktools.__main__ import main;"
         "sys.exit(main(sys.argv[1:]))",
         "compare-outputs", *map(str, two_builds)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "0 problem(s)" in done.stdout
