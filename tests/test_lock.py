"""requirements-lock.txt is what `make lock` makes of pyproject.toml (booktools.lock).

These tests read files and installed metadata only. They do not run uv: resolving
needs PyPI's metadata and a CPU build of torch, which only machines with pip's
find-links folder (or PyTorch's CPU index) have; on GitHub's runners a resolution
would give the CUDA build and be refused, and uv's cache is empty on a fresh clone,
so an offline run could only skip. `make lock` twice gives the same bytes, and
`python -m booktools lock --check` says whether the file is what it regenerates to.
What a hand edit or a stale lock breaks is checked here: the header, exact pins, every
declared requirement pinned within its bounds, every pin needed by a declared one,
every pin installable on the Python the lock is resolved for, and every third-party
module the book, its extensions, tools and tests import declared in its group.
"""

from __future__ import annotations

import ast
import doctest
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
import tomllib
from booktools import BOOK, lock
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

LOCK = BOOK.root / lock.LOCK_NAME
TEXT = LOCK.read_text()
PYPROJECT = tomllib.loads((BOOK.root / "pyproject.toml").read_text())
PINS = lock.pins(TEXT)
# The environment the lock is resolved for: markers are evaluated there.
TARGET = default_environment() | {
    "python_version": lock.PYTHON_VERSION.rsplit(".", 1)[0],
    "python_full_version": lock.PYTHON_VERSION,
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "extra": "",
}
# uv's annotation for a requirement of pyproject.toml, directly or in the group.
DECLARED_HERE = re.compile(r"^gradbook \(pyproject\.toml(?::(?P<group>[\w-]+))?\)$")


def declared(group: str = lock.GROUP) -> dict[str, Requirement]:
    """Requirements of gradbook and of ``group`` (included groups expanded), by name,
    those whose markers hold on the target only."""
    found: dict[str, Requirement] = {}
    for text in lock.declared(PYPROJECT, group):
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(TARGET):
            name = lock.normalize(requirement.name)
            if name in found:  # the same package in two groups: both bounds hold
                requirement.specifier &= found[name].specifier
            found[name] = requirement
    return found


def via(text: str) -> dict[str, list[str]]:
    """What uv says each pin is there for: ``{name: [source, ...]}``."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if pin := re.match(r"^([a-z0-9-]+)==\S+$", line):
            current = found.setdefault(pin[1], [])
        elif (note := re.match(r"^ +# +(via)? *(.*)$", line)) and note[2]:
            assert current is not None, f"an annotation before any pin: {line!r}"
            current.append(note[2].strip())
    return found


def test_the_header_says_how_the_lock_was_made():
    assert TEXT.startswith(lock.HEADER), (
        f"{LOCK.name} does not start with the header booktools.lock writes: it was "
        "edited by hand or made another way; run 'make lock'"
    )
    assert "make lock" in lock.HEADER
    assert f"--python-version {lock.PYTHON_VERSION}" in lock.HEADER


def test_every_line_is_a_comment_or_an_exact_pin():
    body = TEXT[len(lock.HEADER) :] if TEXT.startswith(lock.HEADER) else TEXT
    wrong = [
        line
        for line in body.splitlines()
        if not re.fullmatch(r"[a-z0-9-]+==[0-9][0-9A-Za-z.!]*|    # .*", line)
    ]
    # No hashes, markers, options, URLs, editable installs or local versions (+cpu):
    # pip must install every line both here and on GitHub's runners.
    assert not wrong, f"lines that are not name==version (normalized): {wrong}"
    assert PINS, "no pins at all"


def test_torch_is_pinned_without_a_cuda_package():
    wanted = declared()["torch"].specifier
    assert PINS["torch"] in wanted, (PINS["torch"], wanted)
    cuda = [name for name in PINS if lock.CUDA_PACKAGES.match(name)]
    assert not cuda, f"the CUDA build of torch came in with {cuda}"


def test_every_declared_requirement_is_pinned_within_its_bounds():
    missing, outside = [], []
    for name, requirement in declared().items():
        if name not in PINS:
            missing.append(name)
        elif not requirement.specifier.contains(PINS[name], prereleases=True):
            outside.append(f"{name}=={PINS[name]} (wanted {requirement.specifier})")
    assert not missing, f"declared in pyproject.toml, not in the lock: {missing}"
    assert not outside, f"pins outside pyproject.toml's bounds: {outside}"


def test_every_pin_is_needed():
    """Each pin is declared in pyproject.toml, or required by a pin that is needed."""
    sources = via(TEXT)
    wanted = declared()
    problems = []
    children: dict[str, set[str]] = {name: set() for name in PINS}
    for name in PINS:
        if not sources.get(name):
            problems.append(f"{name}: no '# via' (added by hand?)")
        for source in sources.get(name, []):
            here = DECLARED_HERE.match(source)
            if here is None and source not in PINS:
                problems.append(f"{name}: via {source!r}, which the lock does not pin")
            elif here is None:
                children[source].add(name)
            elif here["group"] not in (None, lock.GROUP):
                problems.append(
                    f"{name}: via group {here['group']!r}, not {lock.GROUP}"
                )
            elif name not in wanted:
                problems.append(f"{name}: via {source!r}, but pyproject.toml lacks it")
    reached, todo = set(), [name for name in wanted if name in PINS]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(children[name])
    problems += [f"{name}: needed by nothing declared" for name in set(PINS) - reached]
    assert not problems, "\n".join(sorted(problems))


def test_every_pin_is_installed_and_runs_on_the_target_python():
    """The environment is the lock, and each release allows the lock's Python
    (Debian bookworm's 3.11.2: soupsieve 3 and newer need 3.11.5)."""
    target = Version(lock.PYTHON_VERSION)
    problems = []
    for name, pinned in sorted(PINS.items()):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}=={pinned} is not installed")
            continue
        if Version(dist.version).public != Version(pinned).public:
            problems.append(f"{name}: {dist.version} installed, {pinned} pinned")
        requires = dist.metadata.get("Requires-Python")
        if requires and not SpecifierSet(requires).contains(target, prereleases=True):
            problems.append(f"{name}=={pinned} requires Python {requires}")
    assert not problems, (
        "\n".join(problems) + "\n(an installed version differs: run 'make venv')"
    )


# -- every import declared -------------------------------------------------------------

STDLIB = set(sys.stdlib_module_names) | {"__future__"}
LOCAL = (
    {"gradbook", "booktools", "conf"}
    | {p.stem for p in (BOOK.docs / "_ext").glob("*.py")}
    | {p.stem for p in (BOOK.root / "tests").glob("*.py")}
)
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.M | re.S)


def imported(source: str, filename: str) -> set[str]:
    """Top-level names of the absolute imports in Python source."""
    names = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def sphinx_modules(conf: Path) -> set[str]:
    """Modules conf.py names by string: its extensions and its theme."""
    names = set()
    for node in ast.parse(conf.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            strings = [node.value, *getattr(node.value, "elts", [])]
            values = [s.value for s in strings if isinstance(s, ast.Constant)]
            if node.targets[0].id in {"extensions", "html_theme"}:
                names |= {value.split(".")[0] for value in values}
    return names


def modules_of(group: str) -> set[str]:
    root = BOOK.root
    if group == "docs":
        files = [root / "docs" / "conf.py", *(root / "docs" / "_ext").glob("*.py")]
        files += [*BOOK.src.rglob("*.py"), *BOOK.tutorials()]
        names = sphinx_modules(root / "docs" / "conf.py")
        for page in BOOK.docs.glob("*.md"):
            for cell in CODE_CELL.findall(page.read_text()):
                names |= imported(cell, str(page))
    else:
        files = list((root / {"test": "tests", "dev": "tools"}[group]).rglob("*.py"))
        names = set()
    for path in files:
        names |= imported(path.read_text(), str(path))
    return names - STDLIB - LOCAL


@pytest.mark.parametrize("group", ["docs", "test", "dev"])
def test_every_imported_module_is_declared(group):
    """What the book (docs), the tests (test) and the tools (dev) import comes from a
    package their group declares, not from one that happens to be installed."""
    distributions = metadata.packages_distributions()
    wanted = declared(group)
    problems = []
    for module in sorted(modules_of(group)):
        names = {lock.normalize(d) for d in distributions.get(module, [])}
        if not names:
            problems.append(f"{module}: imported, but no installed package provides it")
        elif not names & wanted.keys():
            problems.append(f"{module}: from {sorted(names)}, not declared in {group}")
    assert not problems, "\n".join(problems)


# -- the generator's own rules -----------------------------------------------------------


def test_the_generators_examples_hold():
    result = doctest.testmod(lock, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2 and result.failed == 0, result


def test_torch_goes_to_uv_as_the_cpu_build_and_comes_back_without_its_label():
    resolved = "numpy==2.4.6\n    # via torch\ntorch==2.13.0+cpu\n    # via x\n"
    written = lock.from_uv(resolved)
    assert written.startswith(lock.HEADER)
    assert lock.pins(written) == {"numpy": "2.4.6", "torch": "2.13.0"}
    assert lock.pins(lock.for_uv(written)) == {"numpy": "2.4.6", "torch": "2.13.0+cpu"}


@pytest.mark.parametrize(
    ("resolved", "named"),
    [
        ("torch==2.13.0\nnvidia-cublas==13.1.1.3\n", "nvidia-cublas"),
        ("torch==2.13.0\n", "torch==2.13.0"),
        ("torch==2.13.0+cu130\n", "torch==2.13.0+cu130"),
        ("numpy==2.4.6\n", "no torch"),
        ("torch==2.13.0+cpu\nfoo==1.0+local\n", "foo==1.0+local"),
    ],
)
def test_a_resolution_pip_cannot_install_everywhere_is_refused(resolved, named):
    with pytest.raises(lock.LockError, match=re.escape(named)):
        lock.from_uv(resolved)


def test_upgrade_takes_all_or_names_the_lock_pins():
    current = {"babel": "2.18.0", "sphinx": "9.0.4"}
    assert lock.upgrade_args([], current) == []
    assert lock.upgrade_args(["all"], current) == ["--upgrade"]
    assert lock.upgrade_args(["Babel", "sphinx"], current) == [
        "--upgrade-package",
        "babel",
        "--upgrade-package",
        "sphinx",
    ]
    for wrong in (["nosuchpackage"], ["all", "babel"]):
        with pytest.raises(lock.LockError, match="expected 'all' alone or names"):
            lock.upgrade_args(wrong, current)
