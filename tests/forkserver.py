"""Run Python scripts each in a process of its own, forked from one warm process.

``ForkServer(command, preload)`` starts ``command + [this file, preload]`` (a Python
and its options, such as ``-W error``), which runs ``preload`` (imports, say) once and
then, for each script asked for, forks a child that runs the script as
``python script.py`` would: with fresh globals named ``__main__``, ``sys.argv`` and
``sys.path[0]`` of the script, in a given folder, its stdout and stderr (the files
behind fd 1 and 2, so C-level output too) captured, an uncaught exception's traceback
on stderr and exit code 1, ``SystemExit``'s code. The child inherits the server's
modules, warning filters and environment, and nothing it does reaches the next script.

This file is run by the other Python (a reader's environment, say): it uses only the
standard library.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import runpy
import select
import signal
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

# What a warm process of the book's tests imports once, then forks from: what every
# tutorial imports, and what torch imports only on first use (torch.func and forward
# mode: some 800 modules, sympy among them, 2 to 4 s). No name is left defined for a
# script to lean on: a script runs with fresh globals.
WARM_TORCH = """\
import matplotlib.pyplot, torch, gradbook
from torch.autograd import forward_ad
torch.func.grad(lambda x: x * x)(torch.tensor(1.0))
with forward_ad.dual_level():
    forward_ad.make_dual(torch.tensor(1.0), torch.tensor(1.0)) * 2
"""


class ForkServerError(RuntimeError):
    """The fork server died or stopped answering."""


class ForkServer:
    """A warm process (see the module's docstring) that runs one script at a time."""

    def __init__(
        self,
        command: Sequence[str],
        preload: str = "",
        *,
        env: dict[str, str] | None = None,
        cwd: Path | str | None = None,
        start_timeout: float = 120,
    ) -> None:
        # The server's own stderr, for the story of its death; closed by close().
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            [*command, __file__, preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            env=env,
            cwd=cwd,
        )
        if self._answer(start_timeout) != "ready":
            raise self._failure("did not start")

    def run(
        self, script: Path | str, cwd: Path | str, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run ``script`` in a child forked from the server, in folder ``cwd``; the
        child is killed after ``timeout`` seconds."""
        job = {"script": str(script), "cwd": str(cwd), "timeout": timeout}
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(job) + "\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            raise self._failure("died") from None
        answer = self._answer(timeout + 30)
        if not answer:
            raise self._failure(f"gave no answer for {script}")
        result = json.loads(answer)
        return subprocess.CompletedProcess(
            [str(script)], result["returncode"], result["stdout"], result["stderr"]
        )

    def close(self) -> None:
        """Stop the server (it ends when its input does) and close its pipes."""
        if self._errors.closed:
            return
        assert self._process.stdin is not None and self._process.stdout is not None
        with contextlib.suppress(BrokenPipeError):  # the server died
            self._process.stdin.close()
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()
        self._errors.close()

    def _answer(self, timeout: float) -> str:
        """The server's next line, "" if it sent none in ``timeout`` seconds."""
        stdout = self._process.stdout
        assert stdout is not None
        if not select.select([stdout], [], [], timeout)[0]:
            return ""
        return stdout.readline().rstrip("\n")

    def _failure(self, what: str) -> ForkServerError:
        if self._process.poll() is None:  # alive but silent: stop it
            self._process.kill()
        code = self._process.wait()
        self._errors.seek(0)
        errors = self._errors.read().decode(errors="replace")[-4000:]
        self.close()
        return ForkServerError(f"the fork server {what} (exit {code}):\n{errors}")


# The server's side: this file run by the other Python.


def _exit_code(stop: SystemExit) -> int:
    """The exit code Python gives ``SystemExit(code)`` (a text is printed, code 1)."""
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    print(stop.code, file=sys.stderr)
    return 1


def _child(script: str, cwd: str, stdout: int, stderr: int) -> None:
    """Run ``script`` as ``python script.py`` does, then exit (never return)."""
    code = 1
    try:
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(stdout, 1)
        os.dup2(stderr, 2)
        os.chdir(cwd)
        sys.argv = [script]
        sys.path[0] = os.path.dirname(os.path.realpath(script))
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as stop:
            code = _exit_code(stop)
        # What the script left is collected, as at an interpreter's exit: a
        # ResourceWarning (an error under -W error) is then printed on stderr.
        gc.collect()
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _run(script: str, cwd: str, timeout: float) -> dict[str, object]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            _child(script, cwd, out.fileno(), err.fileno())
        child = os.pidfd_open(pid)
        killed = not select.select([child], [], [], timeout)[0]
        if killed:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(child)
        out.seek(0)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        if killed:
            stderr += f"\n[fork server: killed the script after {timeout} s]\n"
        return {
            "returncode": os.waitstatus_to_exitcode(status),
            "stdout": out.read().decode(errors="replace"),
            "stderr": stderr,
        }


def _serve(preload: str) -> None:
    exec(compile(preload, "<preload>", "exec"), {"__name__": "__preload__"})
    print("ready", flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        print(json.dumps(_run(job["script"], job["cwd"], job["timeout"])), flush=True)
    os._exit(0)  # no more jobs; skip a shutdown that takes seconds after torch


if __name__ == "__main__":
    _serve(sys.argv[1])
