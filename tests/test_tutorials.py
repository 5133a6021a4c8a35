"""The tutorials as plain scripts: each runs on its own, and none can state a wrong value.

Running a tutorial with ``python`` is what a reader does with the downloaded .py; it is
also much faster feedback than a Sphinx build. The stated-value tests change, one at a
time, every number a tutorial passes to a gradbook check, and require the tutorial to
fail: a check that would pass with a wrong number is no check.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from booktest import REPO, TUTORIALS, build_env, run
from known_warnings import command_line_options
from mutants import RUNNER, mutate, sites

IDS = [t.stem for t in TUTORIALS]


def test_the_gallery_has_tutorials():
    assert len(TUTORIALS) >= 1
    names = [t.name for t in sorted((REPO / "gallery").glob("*.py"))]
    assert names == [t.name for t in TUTORIALS], (
        "every script in gallery/ must be a numbered tutorial (NN_topic.py)"
    )


@pytest.mark.parametrize("script", TUTORIALS, ids=IDS)
def test_tutorial_runs_alone_without_warnings(script, tmp_path):
    # -W error, as in the build, except the library-internal warnings it also ignores.
    options = command_line_options()
    result = run([sys.executable, *options, str(script)], cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "✓" in result.stdout, "the tutorial printed no passing check"
    assert list(tmp_path.iterdir()) == [], "the tutorial wrote files into its folder"


@pytest.mark.parametrize("script", TUTORIALS, ids=IDS)
def test_every_stated_value_is_checked(script):
    source = script.read_text()
    found = sites(source)
    assert found, f"{script.name} states no value in a gradbook check"
    jobs = [{"source": mutate(source, s), "filename": str(script)} for s in found]
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        env=build_env(),
        cwd=REPO,
        timeout=600,
        check=True,
    )
    codes = json.loads(done.stdout.strip().splitlines()[-1])
    unchecked = [
        s.describe() for s, code in zip(found, codes, strict=True) if code != 3
    ]
    assert not unchecked, (
        f"{script.name}: changing these stated values did not make a check fail "
        f"(exit codes {codes}): {unchecked}"
    )
