"""Make wrong versions of a tutorial: each one changes one thing the tutorial states.

A *site* is something a tutorial states and checks:

* a number literal passed as the expected value of a gradbook check
  (``check_value(y, 4.0, ...)``, ``check_value(J, [[4, 1], [1, 3]], ...)``,
  ``check_derivative(f, at=2.0, expected=4.0)``,
  ``check_partials(..., expected={"u": 4.0, ...})``, ...), except inside a
  ``with expect_error(...)`` block, where the check is meant to fail;
* a stated claim: the ``True``/``False``, text or ``None`` passed as the expected
  value of ``check_claim`` (``check_claim(x.is_leaf, True, name=...)``);
* a stated error: the exception type given to ``expect_error(...)`` and its
  ``match=`` text.

A *mutant* is the tutorial with one site changed (a number by a clear amount, a
boolean flipped, a text or an exception type replaced); the tutorial's own checks must
then fail with ``CheckFailed``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

# For each check: the position of its expected value when given positionally.
CHECKS = {
    "check_value": 1,
    "check_derivative": 2,
    "check_partials": 2,
    "check_elementwise": None,
    "check_claim": 1,
}
# expect_error(exc_type, match=None): the positions of the two stated parts.
ERRORS = {"expect_error": {"exc_type": 0, "match": 1}}

# What a mutated exception type becomes: a class that nothing in a tutorial raises.
MUTANT_ERROR = 'type("MutantError", (Exception,), {})'
MUTANT_TEXT = " [mutated]"


@dataclass(frozen=True)
class Site:
    line: int
    col: int
    end_col: int
    value: object
    check: str
    kind: str = "number"  # number, claim, exception or match
    end_line: int | None = None  # when the literal spans lines; else ``line``

    def describe(self) -> str:
        what = {
            "number": "",
            "claim": "the stated claim ",
            "exception": "the expected error ",
            "match": "the expected message ",
        }[self.kind]
        return f"line {self.line}: {self.check}(... {what}{self.value!r} ...)"


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


def _is_claim(node: ast.AST) -> bool:
    """A stated claim: the literal True, False, None or a text."""
    return isinstance(node, ast.Constant) and (
        node.value is None or type(node.value) in (bool, str)
    )


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _argument(call: ast.Call, keyword: str, position: int | None) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def _inside_expect_error(tree: ast.AST) -> set[int]:
    """Lines inside ``with expect_error(...)`` blocks: a check there is *meant* to fail
    (the tutorial shows the error), so its numbers are not stated values."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.With):
            continue
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and _name(call) in ERRORS:
                lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def _site(node: ast.AST, value: object, check: str, kind: str) -> Site:
    return Site(
        node.lineno,
        node.col_offset,
        node.end_col_offset,
        value,
        check,
        kind,
        node.end_lineno,
    )


def _error_sites(call: ast.Call) -> list[Site]:
    """The stated exception type and ``match=`` text of an ``expect_error`` call."""
    found = []
    name = _name(call)
    positions = ERRORS[name]
    exc_type = _argument(call, "exc_type", positions["exc_type"])
    if exc_type is not None:
        found.append(_site(exc_type, ast.unparse(exc_type), name, "exception"))
    match = _argument(call, "match", positions["match"])
    if isinstance(match, ast.Constant) and isinstance(match.value, str):
        found.append(_site(match, match.value, name, "match"))
    return found


def sites(source: str) -> list[Site]:
    found = []
    tree = ast.parse(source)
    skip = _inside_expect_error(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node)
        if name in ERRORS:
            found.extend(_error_sites(node))
            continue
        if node.lineno in skip or name not in CHECKS:
            continue
        candidates = [kw.value for kw in node.keywords if kw.arg == "expected"]
        position = CHECKS[name]
        if position is not None and len(node.args) > position:
            candidates.append(node.args[position])
        for candidate in candidates:
            if name == "check_claim":
                if _is_claim(candidate):
                    found.append(_site(candidate, candidate.value, name, "claim"))
                continue
            for literal in _numbers(candidate):
                if literal.lineno != literal.end_lineno:
                    continue
                found.append(_site(literal, _number(literal), name, "number"))
    return sorted(found, key=lambda s: (s.line, s.col))


def _wrong(site: Site) -> str:
    """The source text that replaces the site."""
    if site.kind == "number":
        value = float(site.value)  # type: ignore[arg-type]
        return repr(value + max(1.0, 0.5 * abs(value)))
    if site.kind == "claim":
        if isinstance(site.value, bool):
            return repr(not site.value)  # the stated yes becomes no, and back
        if site.value is None:
            return "True"
        return repr(str(site.value) + MUTANT_TEXT)
    if site.kind == "exception":
        return MUTANT_ERROR
    if site.kind == "match":
        return repr(str(site.value) + MUTANT_TEXT)
    raise ValueError(f"unknown kind of site: {site.kind!r}")


def mutate(source: str, site: Site) -> str:
    """The tutorial with the value at ``site`` changed: a number by max(1, half its
    size), a stated boolean flipped, a stated text or message changed, an expected
    exception type replaced by one that nothing raises."""
    lines = source.splitlines(keepends=True)
    end_line = site.line if site.end_line is None else site.end_line
    # AST offsets are in UTF-8 bytes.
    first = lines[site.line - 1].encode()
    last = lines[end_line - 1].encode()
    changed = first[: site.col] + _wrong(site).encode() + last[site.end_col :]
    lines[site.line - 1 : end_line] = [changed.decode()]
    return "".join(lines)


_CELL_OPTION = re.compile(r"^:[\w-]+:")


def myst_script(text: str) -> str:
    """The code cells of a MyST notebook page (``{code-cell}`` fences) as one script.

    Every other line becomes blank, so a line number in the script is the line of the
    page; a cell's leading options (``:tags: [...]``) are left out too.
    """
    out = []
    fence: str | None = None
    options = False  # still at the top of a cell, where options may stand
    for line in text.splitlines():
        stripped = line.strip()
        if fence is None:
            if stripped.startswith(("```{code-cell}", "~~~{code-cell}")):
                fence, options = stripped[:3], True
            out.append("")
        elif stripped == fence:
            fence = None
            out.append("")
        elif options and _CELL_OPTION.match(stripped):
            out.append("")
        else:
            options = False
            out.append(line)
    return "\n".join(out) + "\n"


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
