"""A reader's downloads run on their own and print what the page shows.

The .py and .ipynb of every tutorial are taken from the built site (not from gallery/)
and run in a separate virtual environment that has only torch, matplotlib and gradbook
(installed from a freshly built wheel) plus ipykernel to run the notebook in a real
Jupyter kernel. Their printed output must equal the executed output on the page.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from booktest import DOCS, REPO, TUTORIALS, build_env, run
from bs4 import BeautifulSoup
from nbclient import NotebookClient

pytestmark = pytest.mark.site

READER_ENV = DOCS / "_build" / "reader-env"
READER_PACKAGES = ["torch==2.13.0", "matplotlib", "ipykernel"]


def pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *args], check=True)


@pytest.fixture(scope="session")
def reader_python(tmp_path_factory) -> Path:
    """Python of a reader's environment: torch, matplotlib, gradbook (from a wheel)."""
    lock = REPO / "requirements-lock.txt"
    key = hashlib.sha256(
        lock.read_bytes() + " ".join(READER_PACKAGES).encode()
    ).hexdigest()
    python = READER_ENV / "bin" / "python"
    stamp = READER_ENV / ".packages"
    if not python.exists() or not stamp.exists() or stamp.read_text() != key:
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", "--clear", str(READER_ENV)], check=True)
        pip(python, "-c", str(lock), *READER_PACKAGES)
        stamp.write_text(key)
    wheels = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--no-build-isolation", "-w", str(wheels), str(REPO)],
        check=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("gradbook-*.whl")
    pip(python, "--no-deps", "--force-reinstall", str(wheel))
    check = run([str(python), "-c", "import sphinx"], cwd=wheels)
    assert check.returncode != 0, (
        "the reader's environment must not have the build tools"
    )
    return python


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


@pytest.mark.parametrize("script", TUTORIALS, ids=[t.stem for t in TUTORIALS])
def test_downloaded_script_runs_alone_and_prints_what_the_page_shows(
    site, reader_python, script, tmp_path
):
    source = download(site, f"{script.stem}.py")
    result = subprocess.run(
        [str(reader_python), str(source)],
        cwd=tmp_path,
        env=build_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert not result.stderr, f"the script printed to stderr:\n{result.stderr}"
    printed = [line.rstrip() for line in result.stdout.splitlines() if line.strip()]
    assert printed == page_output(site, script.stem)


@pytest.fixture(scope="session")
def reader_kernel(reader_python, tmp_path_factory) -> str:
    """A Jupyter kernel spec that starts the reader's Python."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "gradbook-reader"
    spec.mkdir(parents=True)
    argv = [str(reader_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "reader", "language": "python"})
    )
    os.environ["JUPYTER_PATH"] = str(root)
    return "gradbook-reader"


@pytest.mark.parametrize("script", TUTORIALS, ids=[t.stem for t in TUTORIALS])
def test_downloaded_notebook_runs_in_a_kernel_and_prints_what_the_page_shows(
    site, reader_kernel, script, tmp_path
):
    notebook = nbformat.read(download(site, f"{script.stem}.ipynb"), as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=reader_kernel,
        timeout=300,
        resources={"metadata": {"path": str(tmp_path)}},
    )
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
