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
then fail with ``CheckFailed``. ``MutantRunner`` runs a tutorial's mutants, each
from the statement it changes on (see the comment above ``OriginalFailed``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

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


# Running mutants. A mutant differs from its original inside one top-level statement,
# so a job (an original and its mutants) runs the original statement by statement
# and, just before statement i, forks a child per mutant that differs there. The child
# runs the mutated statement i, then the original's statements after it: it starts
# from the state the mutant itself would have reached, since every statement before i
# is the same. So each mutant runs only from its own statement on, not from the top.


class OriginalFailed(Exception):
    """The unmutated script fails: its mutants' exit codes would mean nothing."""


def _compiled(stmt: ast.stmt, filename: str, flags: int):
    """One top-level statement, compiled alone; its line numbers are the file's."""
    module = ast.Module(body=[stmt], type_ignores=[])
    # dont_inherit: not this file's own `from __future__ import annotations`.
    return compile(module, filename, "exec", flags=flags, dont_inherit=True)


def _future_flags(tree: ast.Module) -> int:
    """The compiler flags of a script's ``from __future__`` imports, which each
    statement, compiled alone, must be given."""
    import __future__

    flags = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            for alias in stmt.names:
                flags |= getattr(__future__, alias.name).compiler_flag
    return flags


def _is_bare_text(stmt: ast.stmt) -> bool:
    """A text standing alone: a no-op, except that compiled alone it would set
    ``__doc__`` (only a script's first statement does)."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _changed_statement(original: ast.Module, mutant: str) -> tuple[int, ast.stmt]:
    """Where ``mutant`` differs from ``original`` (the index of the one top-level
    statement), and its version of that statement.

    A mutant that does not parse raises ``SyntaxError``; one with another number of
    statements, or with more or fewer than one changed, ``ValueError``. mutate()
    changes one literal, so neither happens; were it to, the caller runs that mutant
    whole, from the top, which means the same and only costs time.
    """
    body = ast.parse(mutant).body
    if len(body) != len(original.body):
        raise ValueError("not the same number of top-level statements")
    changed = [
        i
        for i, (a, b) in enumerate(zip(original.body, body, strict=True))
        if ast.dump(a) != ast.dump(b)
    ]
    if len(changed) != 1:
        raise ValueError(f"top-level statements changed: {changed}")
    return changed[0], body[changed[0]]


def _exit_code(run) -> int:
    """Forks a child that calls ``run()`` and exits 3 if it raises CheckFailed, 4 if
    it raises anything else, 0 otherwise; waits for it and returns that code."""
    import os

    from gradbook import CheckFailed

    pid = os.fork()
    if pid == 0:
        try:
            run()
        except CheckFailed:
            os._exit(3)
        except BaseException:
            os._exit(4)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _run_job(original: str, mutants: list[str], filename: str) -> dict:
    """Runs ``original`` statement by statement, and each mutant from its changed
    statement on (see above). Answers ``{"codes": [an exit code per mutant]}``, or
    ``{"original_fails": traceback}``."""
    import traceback

    try:
        compile(original, filename, "exec", dont_inherit=True)  # its syntax errors
        tree = ast.parse(original, filename)
    except SyntaxError:
        return {"original_fails": traceback.format_exc()}
    flags = _future_flags(tree)
    statements = [
        None if i and _is_bare_text(stmt) else _compiled(stmt, filename, flags)
        for i, stmt in enumerate(tree.body)
    ]
    codes: list[int | None] = [None] * len(mutants)
    at: dict[int, list[tuple[int, ast.stmt]]] = {}  # statement: (mutant, its version)
    for n, mutant in enumerate(mutants):
        try:
            i, changed = _changed_statement(tree, mutant)
        except (SyntaxError, ValueError):

            def whole(mutant=mutant):
                code = compile(mutant, filename, "exec", dont_inherit=True)
                exec(code, {"__name__": "__main__"})

            codes[n] = _exit_code(whole)
            continue
        at.setdefault(i, []).append((n, changed))

    namespace = {"__name__": "__main__"}
    for i, code in enumerate(statements):
        for n, changed in at.get(i, []):

            def rest(i=i, changed=changed):
                exec(_compiled(changed, filename, flags), namespace)
                for later in statements[i + 1 :]:
                    if later is not None:
                        exec(later, namespace)

            codes[n] = _exit_code(rest)
        if code is None:
            continue
        try:
            exec(code, namespace)
        except BaseException:
            return {"original_fails": traceback.format_exc()}
    return {"codes": codes}


def serve() -> None:
    """The runner process (``MutantRunner``): reads a job a line on stdin, answers a
    line on stdout. Each job runs in a child of its own, with its output sent to
    /dev/null, so no job sees what another left behind (a seed, a default dtype)."""
    import json
    import os
    import sys
    import traceback

    import matplotlib
    from forkserver import WARM_TORCH

    # Imported once, here: every job and every mutant is a fork of this process.
    matplotlib.use("Agg")
    exec(WARM_TORCH, {})

    for line in sys.stdin:
        job = json.loads(line)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                answer = _run_job(job["original"], job["mutants"], job["filename"])
            except BaseException:
                answer = {"error": traceback.format_exc()}
            with os.fdopen(write, "w") as out:
                out.write(json.dumps(answer))
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as answer:
            text = answer.read()
        _, status = os.waitpid(pid, 0)
        if not text:
            code = os.waitstatus_to_exitcode(status)
            text = json.dumps({"error": f"the job's process died (exit {code})"})
        print(text, flush=True)


# The runner's command line: this file, imported by name (tests/ goes last on its path,
# so it shadows nothing a script imports).
RUNNER = (
    f"import sys; sys.path.append({str(Path(__file__).parent)!r}); "
    "import mutants; mutants.serve()"
)


class MutantRunner:
    """Runs mutants of scripts in one warm subprocess (``serve``): torch, matplotlib
    and gradbook are imported once, and every job and mutant is a fork of it."""

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

    def run_mutants(
        self, original: str, mutants: list[str], filename: str
    ) -> list[int]:
        """The exit code of each mutant of ``original``, run as a script named
        ``filename``: 0 passed, 3 ``CheckFailed``, 4 any other error. Raises
        ``OriginalFailed`` if ``original`` itself fails."""
        import json

        assert self._process.stdin and self._process.stdout
        job = {"original": original, "mutants": mutants, "filename": filename}
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the mutant runner died (exit {self._process.wait()})")
        answer = json.loads(line)
        if "original_fails" in answer:
            raise OriginalFailed(
                f"{filename}: the unmutated script fails, so its mutants say "
                f"nothing:\n{answer['original_fails']}"
            )
        if "error" in answer:
            raise RuntimeError(f"the mutant runner failed:\n{answer['error']}")
        return answer["codes"]

    def close(self) -> None:
        assert self._process.stdin and self._process.stdout
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._process.stdout.close()
