"""tests/forkserver.py runs a script as ``python -W error script.py`` would: tiny
scripts, each run both ways, end the same (exit code, stdout, last line of stderr)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from forkserver import ForkServer, ForkServerError

OPTIONS = ["-W", "error"]
PRELOAD = "import json"  # in sys.modules for every script, yet not in its globals

SCRIPTS = {
    "prints": """
        import os, sys
        print("out", __name__, os.path.basename(__file__), sys.argv == [__file__])
        print("path", sys.path[0] == os.path.dirname(__file__), os.getcwd())
        os.write(1, b"from C\\n")
        os.write(2, b"to stderr\\n")
        """,
    "warns": 'import warnings\nwarnings.warn("careful")\nprint("not reached")',
    "raises": "print('before')\nraise ValueError('wrong')",
    "exits": "import sys\nprint('bye')\nsys.exit(3)",
    "exits with text": "import sys\nsys.exit('a message')",
    "missing import": "print(json.dumps(1))",
    # In a cycle (g's globals hold g), so only the garbage collector closes it.
    "leaves a file open": "f = open(__file__)\ndef g():\n    return f\nprint('done')",
    "ignores warnings": 'import warnings\nwarnings.simplefilter("ignore")',
    # Runs after the one before in the same server: its filter did not stay.
    "warns again": 'import warnings\nwarnings.warn("still an error")',
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = ForkServer(
        [sys.executable, *OPTIONS], PRELOAD, cwd=tmp_path_factory.mktemp("server")
    )
    yield server
    server.close()


def ending(result: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr's last line (an object's repr left out: the
    garbage collector may report a file's buffer or its text wrapper)."""
    last = result.stderr.strip().rpartition("\n")[2]
    return result.returncode, result.stdout, re.sub("<.*>", "<>", last)


def test_a_script_ends_as_in_a_fresh_python(server, tmp_path):
    folder = tmp_path / "scripts"
    folder.mkdir()
    for name, source in SCRIPTS.items():
        script = folder / (name.replace(" ", "_") + ".py")
        script.write_text(textwrap.dedent(source))
        fresh = subprocess.run(
            [sys.executable, *OPTIONS, str(script)],
            cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        forked = server.run(script, cwd=tmp_path, timeout=30)
        assert ending(forked) == ending(fresh), name
    assert fresh.returncode == 1 and "UserWarning: still an error" in fresh.stderr


def test_a_script_that_hangs_is_killed(server, tmp_path):
    script = tmp_path / "hangs.py"
    script.write_text("import time\ntime.sleep(60)")
    result = server.run(script, cwd=tmp_path, timeout=0.2)
    assert result.returncode == -9
    assert "killed the script after 0.2 s" in result.stderr


def test_a_dead_server_fails_the_run_with_its_story(tmp_path):
    with pytest.raises(
        ForkServerError, match=r"(?s)did not start.*ImportError: no torch here"
    ):
        ForkServer([sys.executable], "raise ImportError('no torch here')")
    server = ForkServer([sys.executable])
    script = tmp_path / "kills_the_server.py"
    script.write_text("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")
    with pytest.raises(ForkServerError, match=r"(?s)gave no answer.*\(exit -9\)"):
        server.run(script, cwd=tmp_path)
    server.close()
