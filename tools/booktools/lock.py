"""``make lock``: requirements-lock.txt, generated from pyproject.toml by uv.

pyproject.toml declares what is needed (gradbook's dependencies and the dependency
groups docs, test, audit, lint; ``dev`` includes them all); the lock pins every package
of that set and nothing else. ``uv pip compile`` resolves it:

* for Debian bookworm's Python 3.11.2 on x86_64 Linux (``PYTHON_VERSION``,
  ``PLATFORM``), where the book is built and tested (CI runs in that container): uv then
  refuses a release that needs a later Python (soupsieve 2.7 and newer need 3.11.5), and
  the result does not depend on the machine that ran ``make lock``;
* keeping every pin of the current lock that still fits (``--upgrade NAME`` or
  ``--upgrade all`` lifts them), so regenerating reproduces the file byte for byte;
* without hashes: the torch file differs between this machine and PyTorch's index.

torch is the CPU build. uv does not read pip's configuration, which here names a
find-links folder holding ``torch-2.13.0+cpu``; this module passes pip's find-links to
uv. Resolved from PyPI alone, torch would be the CUDA build, with gigabytes of nvidia
packages. uv sees the CPU build as ``2.13.0+cpu``; the lock says ``torch==2.13.0``, which
pip accepts for ``2.13.0+cpu`` (here from that folder, on CI from PyTorch's CPU index),
and which is handed back to uv as ``2.13.0+cpu`` when it keeps the pins. A resolution
with the CUDA build is refused. On a machine without such a folder, uv's own
``UV_TORCH_BACKEND=cpu`` should take torch from PyTorch's CPU index instead (not tried
here: that index cannot be reached from this machine).

Usage: python -m booktools lock [--upgrade NAME|all ...] [--check]
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from booktools.paths import BOOK

LOCK_NAME = "requirements-lock.txt"
GROUP = "dev"  # every other group is included in it (pyproject.toml)
PYTHON_VERSION = "3.11.2"  # Debian bookworm's python3
PLATFORM = "x86_64-manylinux_2_28"  # the platform tag of the torch CPU wheel
TORCH_LOCAL = "cpu"  # the local version label of PyTorch's CPU builds
# Names that only a CUDA build of torch brings in.
CUDA_PACKAGES = re.compile(r"^(nvidia-|cuda-|triton\b)")

# The arguments that decide the result; the header shows them (the find-links folder
# and the output file, which differ between machines, are added when uv runs).
UV_ARGS = [
    "pyproject.toml",
    "--group",
    f"pyproject.toml:{GROUP}",
    "--python-version",
    PYTHON_VERSION,
    "--python-platform",
    PLATFORM,
    "--no-config",
    "--no-header",
]

HEADER = f"""\
# Every package that building, testing, auditing and linting the book needs, pinned:
# gradbook's dependencies and the dependency group '{GROUP}' of pyproject.toml, resolved
# by `make lock` (tools/booktools/lock.py) with
#    uv pip compile {shlex.join(UV_ARGS[:3])}
#        {shlex.join(UV_ARGS[3:7])}
#        {shlex.join(UV_ARGS[7:])} --find-links <pip's find-links> -o {LOCK_NAME}
# Do not edit: change pyproject.toml, then run `make lock` (it keeps every pin it can;
# `make lock UPGRADE=name` or `UPGRADE=all` upgrades). `make venv` installs this file.
# torch is the CPU build, resolved as torch==X+{TORCH_LOCAL} and written as torch==X: pip
# takes the CPU file from its find-links folder here, from PyTorch's CPU index on CI.
"""

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)$")


class LockError(Exception):
    """The lock cannot be generated as asked; the message says why."""


def normalize(name: str) -> str:
    """A package name as the lock writes it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    """``{name: version}`` of every ``name==version`` line of a lock."""
    found = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[normalize(match["name"])] = match["version"]
    return found


def pip_find_links(config_list: str) -> list[str]:
    """The find-links locations in the output of ``pip config list``, in order.

    >>> pip_find_links("global.find-links='/opt/wheels'\\n:env:.find-links='/a /b'\\n")
    ['/opt/wheels', '/a', '/b']
    """
    found: list[str] = []
    for line in config_list.splitlines():
        key, _, value = line.partition("=")
        if key.strip().rsplit(".", 1)[-1] != "find-links":
            continue
        for location in shlex.split(value.strip().strip("'\"")):
            if location not in found:
                found.append(location)
    return found


def for_uv(lock_text: str) -> str:
    """The lock as uv's preferences: torch's pin as the CPU build uv resolves."""
    return re.sub(
        r"^torch==([^+\s]+)$", rf"torch==\1+{TORCH_LOCAL}", lock_text, flags=re.M
    )


def from_uv(resolved: str) -> str:
    """uv's output as the lock: the header, torch without its local label.

    Refuses a resolution with the CUDA build of torch or another local version."""
    found = pins(resolved)
    torch = found.get("torch")
    if torch is None:
        raise LockError("uv's resolution has no torch: pyproject.toml must pin it")
    cuda = sorted(name for name in found if CUDA_PACKAGES.match(name))
    if not torch.endswith(f"+{TORCH_LOCAL}") or cuda:
        raise LockError(
            f"uv resolved torch=={torch}"
            + (f" with {', '.join(cuda)}" if cuda else "")
            + f", not the CPU build (torch==X+{TORCH_LOCAL}). uv reads no pip "
            "configuration: give pip a find-links folder holding the CPU wheel "
            "(pip config set global.find-links DIR), or run with UV_TORCH_BACKEND=cpu "
            "where PyTorch's CPU index can be reached."
        )
    local = sorted(
        f"{name}=={version}"
        for name, version in found.items()
        if "+" in version and name != "torch"
    )
    if local:
        raise LockError(f"uv resolved local builds pip cannot find elsewhere: {local}")
    body = re.sub(
        rf"^torch==([^+\s]+)\+{TORCH_LOCAL}$", r"torch==\1", resolved, flags=re.M
    )
    return HEADER + body


def declared(pyproject: Mapping[str, Any], group: str = GROUP) -> list[str]:
    """gradbook's dependencies and those of ``group``, its included groups expanded.

    >>> declared({"project": {"dependencies": ["a>=1"]},
    ...           "dependency-groups": {"x": ["b"], "dev": [{"include-group": "x"}, "c"]}})
    ['a>=1', 'b', 'c']
    """
    groups = pyproject.get("dependency-groups", {})

    def expand(name: str, seen: tuple[str, ...]) -> Iterable[str]:
        if name in seen:
            raise LockError(f"dependency group {name!r} includes itself: {seen}")
        if name not in groups:
            raise LockError(f"pyproject.toml has no dependency group {name!r}")
        for item in groups[name]:
            if isinstance(item, str):
                yield item
            else:
                yield from expand(item["include-group"], (*seen, name))

    requirements = list(pyproject["project"]["dependencies"])
    for requirement in expand(group, ()):
        if requirement not in requirements:
            requirements.append(requirement)
    return requirements


def upgrade_args(upgrade: list[str], current: Mapping[str, str]) -> list[str]:
    """uv's arguments for ``--upgrade``: ``all``, or names the lock pins."""
    if upgrade == ["all"]:
        return ["--upgrade"]
    unknown = [name for name in upgrade if normalize(name) not in current]
    if unknown or "all" in upgrade:
        raise LockError(
            f"cannot upgrade {', '.join(unknown or ['all'])}: expected 'all' alone or "
            f"names of packages in {LOCK_NAME} (a new package: add it to "
            "pyproject.toml and run 'make lock')"
        )
    return [arg for name in upgrade for arg in ("--upgrade-package", normalize(name))]


def generate(root: Path = BOOK.root, upgrade: list[str] | None = None) -> str:
    """The lock that ``uv pip compile`` gives for ``root``, keeping the current pins."""
    lock = root / LOCK_NAME
    current = lock.read_text() if lock.exists() else ""
    config = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    find_links = [a for loc in pip_find_links(config) for a in ("--find-links", loc)]
    with tempfile.TemporaryDirectory(prefix="lock-") as folder:
        output = Path(folder) / LOCK_NAME
        output.write_text(for_uv(current))  # uv keeps the pins of its output file
        command = [sys.executable, "-m", "uv", "pip", "compile", *UV_ARGS]
        command += ["--python", sys.executable, "--quiet", "--no-progress"]
        command += [*find_links, *upgrade_args(upgrade or [], pins(current))]
        command += ["--output-file", str(output)]
        done = subprocess.run(
            command, cwd=root, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise LockError(f"{shlex.join(command)} failed:\n{done.stderr}")
        return from_uv(output.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m booktools lock",
        description=f"Regenerate {LOCK_NAME} from pyproject.toml with uv.",
    )
    parser.add_argument(
        "--upgrade",
        nargs="+",
        default=[],
        metavar="NAME",
        help="upgrade these packages ('all': every one); otherwise keep every pin",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"write nothing; fail when {LOCK_NAME} is not what it regenerates to",
    )
    args = parser.parse_args(argv)
    lock = BOOK.root / LOCK_NAME
    old = lock.read_text() if lock.exists() else ""
    try:
        new = generate(BOOK.root, args.upgrade)
    except LockError as error:
        print(error, file=sys.stderr)
        return 1
    before, after = pins(old), pins(new)
    changes = [
        f"  {name}: {before.get(name, '-')} -> {after.get(name, '-')}"
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]
    if new == old:
        print(f"{LOCK_NAME} is up to date ({len(after)} packages).")
        return 0
    what = f"{len(changes)} pins changed" if changes else "pins unchanged, text changed"
    print("\n".join([f"{LOCK_NAME}: {what}", *changes]))
    if args.check:
        print("Run 'make lock' and commit the result.", file=sys.stderr)
        return 1
    lock.write_text(new)
    return 0
