"""Make wrong versions of a tutorial: each one changes one value the tutorial states.

A *site* is a number literal passed as the expected value of a gradbook check
(``check_value(y, 4.0, ...)``, ``check_value(J, [[4, 1], [1, 3]], ...)``,
``check_derivative(f, at=2.0, expected=4.0)``,
``check_partials(..., expected={"u": 4.0, ...})``, ...), except inside a
``with expect_error(...)`` block, where the check is meant to fail. A *mutant* is the tutorial with
one site changed by a clear amount; the tutorial's own checks must then fail.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# For each check: the position of its expected value when given positionally.
CHECKS = {
    "check_value": 1,
    "check_derivative": 2,
    "check_partials": 2,
    "check_elementwise": None,
}


@dataclass(frozen=True)
class Site:
    line: int
    col: int
    end_col: int
    value: float
    check: str

    def describe(self) -> str:
        return f"line {self.line}: {self.check}(... {self.value!r} ...)"


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        return -float(node.operand.value)
    return None


def _numbers(node: ast.AST) -> list[ast.AST]:
    """Number literals given as an expected value: a number, the values of a dict, or
    the entries of a (nested) list or tuple such as a stated matrix."""
    if _number(node) is not None:
        return [node]
    if isinstance(node, ast.Dict):
        return [v for v in node.values if _number(v) is not None]
    if isinstance(node, ast.List | ast.Tuple):
        return [n for element in node.elts for n in _numbers(element)]
    return []


def _inside_expect_error(tree: ast.AST) -> set[int]:
    """Lines inside ``with expect_error(...)`` blocks: a check there is *meant* to fail
    (the tutorial shows the error), so its numbers are not stated values."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.With):
            continue
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call):
                func = call.func
                name = getattr(func, "attr", getattr(func, "id", ""))
                if name == "expect_error":
                    lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def sites(source: str) -> list[Site]:
    found = []
    tree = ast.parse(source)
    skip = _inside_expect_error(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or node.lineno in skip:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in CHECKS:
            continue
        candidates = [kw.value for kw in node.keywords if kw.arg == "expected"]
        position = CHECKS[name]
        if position is not None and len(node.args) > position:
            candidates.append(node.args[position])
        for candidate in candidates:
            for literal in _numbers(candidate):
                if literal.lineno != literal.end_lineno:
                    continue
                found.append(
                    Site(
                        literal.lineno,
                        literal.col_offset,
                        literal.end_col_offset,
                        _number(literal),
                        name,
                    )
                )
    return sorted(found, key=lambda s: (s.line, s.col))


def mutate(source: str, site: Site) -> str:
    """The tutorial with the value at ``site`` changed by max(1, half its size)."""
    wrong = site.value + max(1.0, 0.5 * abs(site.value))
    lines = source.splitlines(keepends=True)
    line = lines[site.line - 1]
    # AST offsets are in UTF-8 bytes.
    raw = line.encode()
    raw = raw[: site.col] + repr(wrong).encode() + raw[site.end_col :]
    lines[site.line - 1] = raw.decode()
    return "".join(lines)


# A long-lived subprocess: imports torch, matplotlib and gradbook once, warms up what
# torch imports lazily on first use (torch.func and forward mode: about 2 s), then for
# each line of jobs it reads, forks a child per mutant (which starts warm) and answers
# with a line of exit codes: 0 passed, 3 CheckFailed, 4 any other error.
RUNNER = r"""
import json, os, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot
import torch, torch.func, gradbook
from torch.autograd import forward_ad
from gradbook import CheckFailed

_x = torch.tensor(1.0)
torch.func.grad(lambda x: x * x)(_x)
with forward_ad.dual_level():
    forward_ad.make_dual(_x, torch.tensor(1.0)) * 2

for line in sys.stdin:
    results = []
    for job in json.loads(line):
        pid = os.fork()
        if pid == 0:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            try:
                code = compile(job["source"], job["filename"], "exec")
                exec(code, {"__name__": "__main__"})
            except CheckFailed:
                os._exit(3)
            except BaseException:
                os._exit(4)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        results.append(os.waitstatus_to_exitcode(status))
    print(json.dumps(results), flush=True)
"""


class MutantRunner:
    """Runs mutants of tutorials in one warm subprocess (see ``RUNNER``)."""

    def __init__(self, env: dict[str, str], cwd: str) -> None:
        import subprocess
        import sys

        self._process = subprocess.Popen(
            [sys.executable, "-c", RUNNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
        )

    def run(self, sources: list[str], filename: str) -> list[int]:
        """The exit code of each source, run as a script named ``filename``."""
        import json

        assert self._process.stdin and self._process.stdout
        jobs = [{"source": source, "filename": filename} for source in sources]
        self._process.stdin.write(json.dumps(jobs) + "\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the mutant runner died (exit {self._process.wait()})")
        return json.loads(answer)

    def close(self) -> None:
        assert self._process.stdin and self._process.stdout
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._process.stdout.close()
