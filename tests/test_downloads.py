"""A reader's downloads run on their own and print what the page shows.

The .py and .ipynb of every tutorial are taken from the built site (not from gallery/)
and run in a separate virtual environment that has only torch, matplotlib and gradbook
(installed from the wheel the built site ships, docs/_ext/book_wheel.py) plus
ipykernel to run the notebook in a real Jupyter kernel. Their printed output must
equal the executed output on the page. The .py runs as the build runs a tutorial: any
Python warning is an error (except the few library-internal ones of
docs/_ext/known_warnings.py), and it writes no file. Each .py still runs alone in a
process of its own, as ``python -W error ... script.py`` runs it (same options, same
environment), but forked from a warm reader-environment process (tests/forkserver.py)
that has only imported torch, matplotlib and gradbook and made torch's lazy first use
of torch.func and forward mode: the script starts from fresh globals, so a missing
import still fails, without the 3 s a fresh interpreter spends on imports (7 s with
forward mode).

And a reader without gradbook: a notebook's first cell installs the wheel from the
published book (here the built site, served on 127.0.0.1), then the notebook runs.

The reader's environment links the installed files of torch, matplotlib, ipykernel
and what they require (nothing else: importing sphinx fails there), so it is created
in a second; it is kept in .cache/ (``make clean`` leaves it), under a name that
changes with the lock, by whichever test worker needs it first.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from booktools import BOOK, CACHE
from booktools.env import build_environment
from booktools.server import serve
from bs4 import BeautifulSoup
from conftest import book_config
from filelock import FileLock
from forkserver import WARM_TORCH, ForkServer
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from known_warnings import command_line_options
from nbclient import NotebookClient
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.site

TUTORIALS = BOOK.tutorials()
IDS = [t.stem for t in TUTORIALS]
LOCK = BOOK.root / "requirements-lock.txt"
READER_PACKAGES = ["torch", "matplotlib", "ipykernel"]


def pip(python: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *args],
        check=True,
        capture_output=True,
    )


def reader_distributions(roots: list[str]) -> list[metadata.Distribution]:
    """``roots`` and everything they require (extras left out), as installed here at
    the lock's versions."""
    found: dict[str, metadata.Distribution] = {}
    pending = list(roots)
    while pending:
        name = canonicalize_name(Requirement(pending.pop()).name)
        if name in found:
            continue
        dist = found[name] = metadata.distribution(name)
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return sorted(found.values(), key=lambda d: d.metadata["Name"].lower())


def reader_environment() -> Path:
    """The reader's virtual environment (without gradbook), created when missing.

    Its site-packages holds links to the installed files of ``READER_PACKAGES`` and of
    what they require, and nothing else: the same files pip would unpack from the
    lock's wheels (the lock pins them; ``.venv`` was installed from it), in a second
    instead of the minute pip takes to unpack torch again on every fresh clone."""
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
            subprocess.run(
                [base, "-m", "venv", "--clear", "--without-pip", str(folder)],
                check=True,
            )
            target = site_packages(python)
            names = []
            for dist in reader_distributions([*READER_PACKAGES, "pip"]):
                names.append(f"{dist.metadata['Name']}=={dist.version}")
                root = Path(dist.locate_file(""))
                tops = {
                    Path(f).parts[0] for f in dist.files or [] if ".." not in f.parts
                }
                for top in sorted(tops - {"__pycache__"}):
                    link = target / top
                    if not link.exists():
                        link.symlink_to(root / top)
            done.write_text("\n".join(names) + "\n")
    return python


@dataclass(frozen=True)
class Reader:
    """How a reader runs a download: their Python, and the environment to run it in
    (the build's fixed seed and backend; gradbook from a wheel of this repository)."""

    python: Path
    env: dict[str, str]


def site_wheel(site: Path) -> Path:
    """The gradbook wheel in the built site, where the tutorial bar links it."""
    wheel = site / book_config("book_wheel")
    assert wheel.is_file(), f"the built book ships no gradbook wheel at {wheel}"
    return wheel


@pytest.fixture(scope="session")
def reader(site, tmp_path_factory) -> Reader:
    """The reader's environment, with gradbook installed from the wheel in the built
    site into a folder of this test process's own (workers and runs never share it)."""
    python = reader_environment()
    target = tmp_path_factory.mktemp("gradbook-site")
    pip(python, "--no-deps", "--target", str(target), str(site_wheel(site)))
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


@pytest.fixture(scope="session")
def reader_scripts(reader, tmp_path_factory):
    """One warm reader process per test worker (tests/forkserver.py) that runs each
    downloaded script in a child of its own, as ``python -W error ... script.py``."""
    server = ForkServer(
        [str(reader.python), *command_line_options()],
        WARM_TORCH,
        env=reader.env,
        cwd=tmp_path_factory.mktemp("reader-scripts"),
    )
    yield server
    server.close()


@pytest.mark.parametrize("script", TUTORIALS, ids=IDS)
def test_downloaded_script_runs_alone_and_prints_what_the_page_shows(
    site, reader_scripts, script, tmp_path
):
    """The downloaded .py, run alone in its own process (forked from the warm reader
    process, with fresh globals) in an empty folder: it exits 0, prints nothing on
    stderr (a warning is an error), passes a check, writes no file, and prints what
    the page shows."""
    source = download(site, f"{script.stem}.py")
    result = reader_scripts.run(source, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert not result.stderr, f"the script printed to stderr:\n{result.stderr}"
    assert "✓" in result.stdout, "the tutorial printed no passing check"
    assert list(tmp_path.iterdir()) == [], "the tutorial wrote files into its folder"
    printed = [line.rstrip() for line in result.stdout.splitlines() if line.strip()]
    assert printed == page_output(site, script.stem)


def kernel_specs(folder: Path, python: Path, env: dict[str, str]) -> KernelSpecManager:
    """Kernel specs in ``folder`` with one kernel, "reader": ``python`` with ``env``
    added to its environment (nothing global changed)."""
    spec = folder / "reader"
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps(
            {"argv": argv, "display_name": "reader", "language": "python", "env": env}
        )
    )
    return KernelSpecManager(kernel_dirs=[str(folder)])


def run_notebook(notebook, kernels: KernelSpecManager, folder: Path) -> None:
    """Execute ``notebook`` (in place) in a new "reader" kernel, in ``folder``."""
    manager = KernelManager(kernel_name="reader", kernel_spec_manager=kernels)
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=300,
        resources={"metadata": {"path": str(folder)}},
    )
    client.owns_km = True  # the manager is this test's: shut its kernel down after
    client.execute()


# Run first in the warm kernel: what one notebook could leave behind for the next is
# put back as a new kernel has it (names, figures, torch's global modes).
FRESH_START = """\
%reset -f
import matplotlib.pyplot, torch
matplotlib.pyplot.close("all")
torch.set_default_dtype(torch.float32)
torch.set_grad_enabled(True)
torch.autograd.set_detect_anomaly(False)
%reset -f"""


def run_in_warm_kernel(notebook, manager: KernelManager) -> None:
    """Execute ``notebook`` (in place) in ``manager``'s running kernel, from a fresh
    start (``FRESH_START``): the imports are warm, nothing else is kept."""
    notebook.cells.insert(0, nbformat.v4.new_code_cell(FRESH_START))
    client = NotebookClient(notebook, km=manager, timeout=300)
    try:
        client.execute()  # the kernel is the fixture's: it stays up for the next one
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
    del notebook.cells[0]


def printed(cells) -> tuple[list[str], str]:
    """What ``cells`` printed: the stdout lines that are not empty, and stderr."""
    stdout, stderr = [], []
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                (stdout if output["name"] == "stdout" else stderr).append(
                    output["text"]
                )
    lines = [line.rstrip() for line in "".join(stdout).splitlines() if line.strip()]
    return lines, "".join(stderr)


@pytest.fixture(scope="session")
def reader_kernels(reader, tmp_path_factory) -> KernelSpecManager:
    """The reader's Python as a Jupyter kernel, gradbook on its path."""
    return kernel_specs(
        tmp_path_factory.mktemp("jupyter"),
        reader.python,
        {"PYTHONPATH": reader.env["PYTHONPATH"]},
    )


@pytest.fixture(scope="session")
def warm_kernel(reader_kernels, tmp_path_factory):
    """One reader kernel per test worker, for the notebooks one after another: a
    kernel starts and imports torch in about 3 s, a notebook's own work takes one."""
    manager = KernelManager(kernel_name="reader", kernel_spec_manager=reader_kernels)
    manager.start_kernel(cwd=str(tmp_path_factory.mktemp("notebooks")))
    yield manager
    manager.shutdown_kernel(now=True)


@pytest.mark.parametrize("script", TUTORIALS, ids=IDS)
def test_downloaded_notebook_runs_in_a_kernel_and_prints_what_the_page_shows(
    site, warm_kernel, script
):
    """Each tutorial's notebook, run cell by cell in the reader's kernel, prints what
    its page shows, and nothing on stderr. (The kernel is shared by the notebooks a
    worker runs, from a fresh start each; a notebook in a kernel of its own, first
    cell included, is the next test's.)"""
    notebook = nbformat.read(download(site, f"{script.stem}.ipynb"), as_version=4)
    run_in_warm_kernel(notebook, warm_kernel)
    stdout, stderr = printed(notebook.cells)
    assert not stderr, "the notebook printed to stderr:\n" + stderr
    assert stdout == page_output(site, script.stem)


def site_packages(python: Path) -> Path:
    done = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return Path(done.stdout.strip())


def test_a_notebook_installs_gradbook_from_the_book_where_it_is_missing(site, tmp_path):
    """A reader with torch and matplotlib but no gradbook runs a downloaded notebook:
    its first cell installs the wheel from the published book (the built site,
    served on 127.0.0.1 under its published path, stands in for it), and then every
    cell prints what the page shows.

    The reader's environment here is a new one whose only packages are those of the
    cached reader environment (through a .pth file), so the install lands in a
    folder of this test's own; pip may not use an index, so nothing but the wheel
    from the book can be installed."""
    reader_python = reader_environment()
    env_dir = tmp_path / "env"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    own = site_packages(python)
    (own / "reader.pth").write_text(f"{site_packages(reader_python)}\n")
    env = {"PYTHONPATH": "", "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    missing = subprocess.run(
        [str(python), "-c", "import torch, matplotlib; import gradbook"],
        capture_output=True, text=True, env=build_environment(**env), check=False,
    )  # fmt: skip
    assert "No module named 'gradbook'" in missing.stderr, missing.stderr

    script = TUTORIALS[0]
    notebook = nbformat.read(download(site, f"{script.stem}.ipynb"), as_version=4)
    first = notebook.cells[0]
    published = book_config("html_baseurl") + book_config("book_wheel")
    assert f"%pip install {published}" in first.source, first.source
    with serve() as url:
        wheel_url = url + book_config("book_wheel")
        first.source = first.source.replace(published, wheel_url)
        run_notebook(
            notebook, kernel_specs(tmp_path / "jupyter", python, env), tmp_path
        )

    install, _ = printed([first])
    assert any("Successfully installed gradbook" in line for line in install), install
    (installed,) = own.glob("gradbook-*.dist-info")
    origin = json.loads((installed / "direct_url.json").read_text())
    assert origin["url"] == wheel_url, origin
    stdout, stderr = printed(notebook.cells[1:])
    assert not stderr, "the notebook printed to stderr:\n" + stderr
    assert stdout == page_output(site, script.stem)
