"""The GitHub workflows, read as files (they cannot run here): the book published is the
book tested, torch comes from PyTorch's CPU index, a weekly build with the newest torch
compares what the pages print, a version tag releases gradbook to PyPI with trusted
publishing, and every action is pinned by commit."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from booktools import BOOK

REPO = BOOK.root
WORKFLOWS = REPO / ".github" / "workflows"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# `uses: owner/repo@<40 hex> # v1.2.3`: the commit, and the release it is, for people.
PINNED = re.compile(
    r"^\s*(?:-\s+)?uses:\s*(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})"
    r"\s+#\s*(?P<version>v\d+(?:\.\d+){0,2})\b"
)
BUILD_COMMANDS = re.compile(r"\b(make|pip|python3?|sphinx-build|tox|nox)\b|\.ci/run")


def load(name: str) -> dict[str, Any]:
    path = WORKFLOWS / name
    assert path.is_file(), f"no workflow {path}"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(workflow, dict), f"{name}: not a YAML mapping"
    return workflow


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The ``on:`` mapping (YAML 1.1 reads the bare key ``on`` as True)."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict), f"no 'on:' triggers in {workflow.get('name')}"
    return on


def job(workflow: dict[str, Any], name: str) -> dict[str, Any]:
    jobs = workflow.get("jobs", {})
    assert name in jobs, f"no job {name!r} in workflow {workflow.get('name')!r}"
    return jobs[name]


def needs(job_: dict[str, Any]) -> list[str]:
    value = job_.get("needs", [])
    return [value] if isinstance(value, str) else list(value)


def steps(job_: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job_.get("steps", []))


def runs(job_: dict[str, Any]) -> str:
    """Every shell command of a job, one after the other."""
    return "\n".join(str(s.get("run", "")) for s in steps(job_))


def steps_using(job_: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(job_) if str(s.get("uses", "")).startswith(action + "@")]


def env_of(workflow: dict[str, Any], job_: dict[str, Any]) -> dict[str, str]:
    return {**workflow.get("env", {}), **job_.get("env", {})}


def relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


# -- every workflow ------------------------------------------------------------------
ALL = sorted(p.name for p in WORKFLOWS.glob("*.y*ml"))


def test_the_three_workflows_are_there():
    assert {"pages.yml", "newer-torch.yml", "release.yml"} <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_every_action_is_pinned_by_commit_with_its_release_in_a_comment(name):
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if re.match(r"\s*(-\s+)?uses:", line)]
    # Every `uses:` of the parsed file is on one of those lines (none hides in a
    # flow mapping, where the line check would not see it).
    parsed = [
        s["uses"]
        for job_ in load(name)["jobs"].values()
        for s in steps(job_)
        if "uses" in s
    ]
    assert len(parsed) == len(lines), (name, parsed, lines)
    unpinned = [line.strip() for line in lines if not PINNED.match(line)]
    assert not unpinned, (
        f"{name}: pin each action by its full commit SHA, the release in a comment "
        f"('uses: owner/repo@<40 hex> # v1.2.3'): {unpinned}"
    )


def test_one_action_is_pinned_to_one_commit_everywhere():
    pins: dict[str, set[tuple[str, str]]] = {}
    for name in ALL:
        for line in (WORKFLOWS / name).read_text(encoding="utf-8").splitlines():
            found = PINNED.match(line)
            if found:
                pins.setdefault(found["action"], set()).add(
                    (found["sha"], found["version"])
                )
    assert pins, "no pinned action found"
    mixed = {action: pin for action, pin in pins.items() if len(pin) > 1}
    assert not mixed, f"an action pinned to different commits: {mixed}"


# -- pages.yml: the published book is the tested one ---------------------------------
def test_the_test_job_runs_make_test_and_provisions_chromium():
    pages = load("pages.yml")
    commands = runs(job(pages, "test"))
    ci_run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    if ".ci/run" in commands:  # the CI entry point runs the README's command
        commands += "\n" + ci_run
    assert re.search(r"^\s*make test\b", commands, re.M), commands
    assert "tools/provision-browser.sh" in commands


def test_the_test_job_uploads_the_html_it_built_and_tested():
    pages = load("pages.yml")
    test = job(pages, "test")
    uploads = steps_using(test, "actions/upload-artifact")
    assert len(uploads) == 1, "the test job uploads the tested HTML as one artifact"
    upload = uploads[0]
    assert upload["with"]["path"].strip() == relative(BOOK.html)
    # After the tests: the artifact is the folder as tested.
    order = [s.get("run", s.get("uses", "")) for s in steps(test)]
    tested = max(i for i, s in enumerate(order) if ".ci/run" in s or "make test" in s)
    assert order.index(upload["uses"]) > tested


def test_nothing_is_published_that_does_not_build_the_same_twice():
    """`make repro` runs in its own job (three full builds: too long for the test
    job's budget), and publishing waits for it."""
    pages = load("pages.yml")
    assert re.search(r"^\s*make repro\b", runs(job(pages, "repro")), re.M)
    assert "tools/provision-files.sh" in runs(job(pages, "repro"))
    assert "repro" in needs(job(pages, "publish"))


def test_the_publish_job_deploys_that_artifact_and_builds_nothing():
    pages = load("pages.yml")
    publish = job(pages, "publish")
    assert "test" in needs(publish)
    name = steps_using(job(pages, "test"), "actions/upload-artifact")[0]["with"]["name"]
    downloads = steps_using(publish, "actions/download-artifact")
    assert [d["with"]["name"] for d in downloads] == [name]
    folder = downloads[0]["with"]["path"]
    actions = [s["uses"].split("@")[0] for s in steps(publish) if "uses" in s]
    assert actions == ["actions/download-artifact"], (
        f"the publish job only downloads the tested book, it uses {actions}"
    )
    commands = runs(publish)
    built = sorted({m.group(0) for m in BUILD_COMMANDS.finditer(commands)})
    assert not built, f"the publish job must not build the book again: {built}"
    # It pushes the downloaded folder, nothing else.
    assert re.search(rf"^\s*cd {re.escape(folder)}\s*$", commands, re.M), commands
    assert "git push" in commands


def test_the_published_branch_is_where_the_colab_links_point():
    from tutorial_bar import PAGES_BRANCH

    commands = runs(job(load("pages.yml"), "publish"))
    pushed = re.findall(r"git push\b.*", commands)
    assert pushed and all(line.split()[-1] == PAGES_BRANCH for line in pushed), pushed
    assert f"-b {PAGES_BRANCH}" in commands


def test_the_test_job_builds_with_the_published_addresses():
    """The publish job builds nothing, so the tested build must already carry the
    published settings (canonical URLs, Colab links)."""
    pages = load("pages.yml")
    env = env_of(pages, job(pages, "test"))
    assert env.get("BOOK_BASE_URL", "").startswith("https://")
    assert env.get("BOOK_REPOSITORY_URL", "").startswith("${{ github.server_url }}")


def locked_torch() -> str:
    lock = (REPO / "requirements-lock.txt").read_text(encoding="utf-8")
    found = re.search(r"^torch==([^\s;#]+)", lock, re.M)
    assert found, "requirements-lock.txt pins torch exactly"
    return found.group(1)


@pytest.mark.parametrize(
    ("name", "job_name"), [("pages.yml", "test"), ("newer-torch.yml", "build")]
)
def test_torch_comes_from_pytorchs_cpu_index(name, job_name):
    """A plain `pip install torch` on GitHub's runners is the multi-GB CUDA build.
    With the CPU index as an extra index, the lock's exact pin resolves as the +cpu
    build (a later version under PEP 440 than PyPI's)."""
    workflow = load(name)
    env = env_of(workflow, job(workflow, job_name))
    index = env.get("PIP_EXTRA_INDEX_URL", env.get("PIP_INDEX_URL", ""))
    assert index.rstrip("/") == CPU_INDEX, env
    assert "+" not in locked_torch()  # the pin matches the index's local version


# -- newer-torch.yml: the newest torch, weekly ---------------------------------------
def test_the_newer_torch_workflow_runs_weekly():
    on = triggers(load("newer-torch.yml"))
    assert "workflow_dispatch" in on
    crons = [entry["cron"] for entry in on.get("schedule") or []]
    assert len(crons) == 1, on
    _minute, _hour, day, month, weekday = crons[0].split()
    assert (day, month) == ("*", "*") and re.fullmatch(r"[0-6]", weekday), crons[0]


def test_it_builds_with_the_lock_and_with_the_newest_torch_from_the_cpu_index():
    newer = load("newer-torch.yml")
    build = job(newer, "build")
    variants = build["strategy"]["matrix"]["torch"]
    assert len(variants) == 2, variants
    lock_install = [
        i for i, s in enumerate(steps(build)) if "make venv" in s.get("run", "")
    ]
    assert lock_install, "both builds start from the lock (make venv)"
    upgrades = [
        (i, s)
        for i, s in enumerate(steps(build))
        if re.search(r"pip install\b.*\btorch\s*$", " ".join(s.get("run", "").split()))
    ]
    assert len(upgrades) == 1, "one step installs the newest torch"
    index, step = upgrades[0]
    words = shlex.split(step["run"].replace("\\\n", " "))
    assert "--upgrade" in words or "-U" in words
    assert words[words.index("--index-url") + 1].rstrip("/") == CPU_INDEX
    assert words[-1] == "torch", "unpinned: the newest release"
    assert "--pre" not in words, "the newest release, not a pre-release"
    assert index > lock_install[0], "after the lock, so the rest stays locked"
    condition = step.get("if", "")
    only = [v for v in variants if f"'{v}'" in condition]
    assert "matrix.torch" in condition and len(only) == 1, condition
    assert re.search(r"^\s*make html\b", runs(build), re.M)


def test_it_compares_the_two_builds_outputs_and_logs():
    newer = load("newer-torch.yml")
    build, compare = job(newer, "build"), job(newer, "compare")
    assert "build" in needs(compare)
    upload = steps_using(build, "actions/upload-artifact")[0]["with"]
    variants = build["strategy"]["matrix"]["torch"]
    uploaded = {upload["name"].replace("${{ matrix.torch }}", v) for v in variants}
    downloads = {
        d["with"]["name"]: d["with"]["path"]
        for d in steps_using(compare, "actions/download-artifact")
    }
    assert set(downloads) == uploaded
    # The artifact holds html/ and build.log (the common folder of its paths).
    assert set(upload["path"].split()) == {
        relative(BOOK.html),
        relative(BOOK.build_dir / "build.log"),
    }
    command = next(
        s["run"] for s in steps(compare) if "compare-outputs" in s.get("run", "")
    )
    words = shlex.split(command.replace("\\\n", " "))
    at = words.index("compare-outputs")
    assert words[at - 2 : at] == ["-m", "booktools"]
    folders = {f"{path}/html" for path in downloads.values()}
    assert set(words[at + 1 : at + 3]) == folders
    logs = {words[i + 1] for i, w in enumerate(words) if w == "--build-log"}
    assert logs == {f"{path}/build.log" for path in downloads.values()}
    # The build step keeps its log and never stops the comparison from running.
    html_step = next(s for s in steps(build) if "make html" in s.get("run", ""))
    assert "docs/_build/build.log" in html_step["run"]
    assert "exit status" in html_step["run"]


# -- release.yml: a tag releases gradbook --------------------------------------------
def test_a_version_tag_builds_checks_and_publishes_with_trusted_publishing():
    release = load("release.yml")
    on = triggers(release)
    assert set(on) == {"push"} and on["push"]["tags"] == ["v*"], on
    build, publish = job(release, "build"), job(release, "publish")
    commands = runs(build)
    assert re.search(r"^\s*python -m build\s*$", commands, re.M), commands
    assert re.search(r"^\s*twine check --strict dist/\*", commands, re.M), commands
    assert "build" in needs(publish)
    assert publish["permissions"] == {"id-token": "write"}
    assert "id-token" not in release.get("permissions", {}), "only the publish job"
    environment = publish["environment"]
    name = environment["name"] if isinstance(environment, dict) else environment
    assert name == "pypi"
    upload = steps_using(build, "actions/upload-artifact")[0]["with"]
    download = steps_using(publish, "actions/download-artifact")[0]["with"]
    assert upload["name"] == download["name"]
    publishing = steps_using(publish, "pypa/gh-action-pypi-publish")
    assert len(publishing) == 1
    assert "password" not in publishing[0].get("with", {}), "no token: trusted"
    assert not BUILD_COMMANDS.search(runs(publish)), "publish what was checked"


def test_the_sdist_holds_the_package_not_the_book(tmp_path):
    """The sdist is gradbook (its modules, py.typed, README, pyproject.toml), not the
    book's tutorials, docs and tools. hatchling's own sdist hook, run as a build
    frontend runs it, without network."""
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys; from hatchling.build import build_sdist; "
         "print(build_sdist(sys.argv[1]))", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / done.stdout.strip().splitlines()[-1]) as sdist:
        names = {m.name.split("/", 1)[1] for m in sdist.getmembers() if m.isfile()}
    package = {relative(p) for p in (BOOK.src / "gradbook").rglob("*.py")}
    package.add("src/gradbook/py.typed")
    described = {"README.md", "pyproject.toml", "PKG-INFO"}
    assert package | described <= names
    # .gitignore: hatchling adds it to every sdist; a license file, once there is one.
    outside = sorted(
        n
        for n in names - package - described
        if n != ".gitignore" and not n.startswith(("LICENSE", "LICENCE"))
    )
    assert not outside, f"the sdist holds more than the package: {outside}"
