"""A reader's downloads run on their own and print what the page shows.

The .py and .ipynb of every tutorial are taken from the built site (not from gallery/)
and run in a separate virtual environment that has only torch, matplotlib and gradbook
(installed from a freshly built wheel) plus ipykernel to run the notebook in a real
Jupyter kernel. Their printed output must equal the executed output on the page. The
.py runs as the build runs a tutorial: any Python warning is an error (except the few
library-internal ones of docs/_ext/known_warnings.py), and it writes no file.

The reader's environment takes about a minute to create, so it is kept in .cache/
(``make clean`` leaves it), under a name that changes with what is installed in it,
and created once per run, by whichever test worker needs it first.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from booktools import BOOK, CACHE
from booktools.env import build_environment
from bs4 import BeautifulSoup
from filelock import FileLock
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from known_warnings import command_line_options
from nbclient import NotebookClient

pytestmark = pytest.mark.site

TUTORIALS = BOOK.tutorials()
IDS = [t.stem for t in TUTORIALS]
LOCK = BOOK.root / "requirements-lock.txt"
READER_PACKAGES = ["torch==2.13.0", "matplotlib", "ipykernel"]


def pip(python: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *args],
        check=True,
        capture_output=True,
    )


def reader_environment() -> Path:
    """The reader's virtual environment (without gradbook), created when missing."""
    key = hashlib.sha256(
        LOCK.read_bytes() + " ".join(READER_PACKAGES).encode()
    ).hexdigest()[:16]
    folder = CACHE / f"reader-env-{key}"
    python = folder / "bin" / "python"
    done = folder / ".complete"
    CACHE.mkdir(exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if not done.exists():
            base = getattr(sys, "_base_executable", sys.executable)
            subprocess.run([base, "-m", "venv", "--clear", str(folder)], check=True)
            pip(python, "-c", str(LOCK), *READER_PACKAGES)
            done.write_text(" ".join(READER_PACKAGES) + "\n")
    return python


@dataclass(frozen=True)
class Reader:
    """How a reader runs a download: their Python, and the environment to run it in
    (the build's fixed seed and backend; gradbook from a wheel of this repository)."""

    python: Path
    env: dict[str, str]


@pytest.fixture(scope="session")
def reader(tmp_path_factory) -> Reader:
    """The reader's environment, with gradbook installed from a freshly built wheel
    into a folder of this test process's own (workers and runs never share it)."""
    python = reader_environment()
    wheels = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--no-build-isolation", "-w", str(wheels), str(BOOK.root)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("gradbook-*.whl")
    target = tmp_path_factory.mktemp("gradbook-site")
    pip(python, "--no-deps", "--target", str(target), str(wheel))
    check = subprocess.run(
        [str(python), "-c", "import sphinx"], capture_output=True, check=False
    )
    assert check.returncode != 0, "the reader's environment must not have sphinx"
    return Reader(python, build_environment(PYTHONPATH=str(target)))


def page_output(site: Path, stem: str) -> list[str]:
    page = BeautifulSoup(
        (site / "auto_examples" / f"{stem}.html").read_text(), "html.parser"
    )
    text = "\n".join(
        pre.get_text() for pre in page.select("div.sphx-glr-script-out pre")
    )
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def download(site: Path, name: str) -> Path:
    (path,) = (site / "_downloads").rglob(name)
    return path


@pytest.mark.parametrize("script", TUTORIALS, ids=IDS)
def test_downloaded_script_runs_alone_and_prints_what_the_page_shows(
    site, reader, script, tmp_path
):
    source = download(site, f"{script.stem}.py")
    result = subprocess.run(
        [str(reader.python), *command_line_options(), str(source)],
        cwd=tmp_path,
        env=reader.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert not result.stderr, f"the script printed to stderr:\n{result.stderr}"
    assert "✓" in result.stdout, "the tutorial printed no passing check"
    assert list(tmp_path.iterdir()) == [], "the tutorial wrote files into its folder"
    printed = [line.rstrip() for line in result.stdout.splitlines() if line.strip()]
    assert printed == page_output(site, script.stem)


@pytest.fixture(scope="session")
def reader_kernels(reader, tmp_path_factory) -> KernelSpecManager:
    """Kernel specs with one kernel, the reader's Python (nothing global changed)."""
    spec = tmp_path_factory.mktemp("jupyter") / "gradbook-reader"
    spec.mkdir()
    argv = [str(reader.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": argv,
                "display_name": "reader",
                "language": "python",
                "env": {"PYTHONPATH": reader.env["PYTHONPATH"]},
            }
        )
    )
    return KernelSpecManager(kernel_dirs=[str(spec.parent)])


@pytest.mark.parametrize("script", TUTORIALS, ids=IDS)
def test_downloaded_notebook_runs_in_a_kernel_and_prints_what_the_page_shows(
    site, reader_kernels, script, tmp_path
):
    notebook = nbformat.read(download(site, f"{script.stem}.ipynb"), as_version=4)
    manager = KernelManager(
        kernel_name="gradbook-reader", kernel_spec_manager=reader_kernels
    )
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=300,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.owns_km = True  # the manager is this test's: shut its kernel down after
    client.execute()
    stdout, stderr = [], []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                (stdout if output["name"] == "stdout" else stderr).append(
                    output["text"]
                )
    assert not stderr, "the notebook printed to stderr:\n" + "".join(stderr)
    printed = [line.rstrip() for line in "".join(stdout).splitlines() if line.strip()]
    assert printed == page_output(site, script.stem)
