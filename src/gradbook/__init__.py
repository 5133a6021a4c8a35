"""gradbook: check derivatives against calculus, and plot them, for the book
"Differentiation in PyTorch".

The tutorials use it to state a value and prove it in the same breath: every check
raises :class:`CheckFailed` when autograd, finite differences and the stated value
disagree, so a wrong number can never reach a built page.

One module per concern:

* :mod:`gradbook.check` -- check derivatives, values and claims (``check_derivative``,
  ``check_value``, ``check_claim``, ...);
* :mod:`gradbook.symbolic` -- :class:`Formula`, exact derivatives with sympy;
* :mod:`gradbook.gradcheck` -- ``check_backward`` for custom autograd Functions;
* :mod:`gradbook.errors` -- ``expect_error`` and ``expect_warning``, show an error or
  a warning a tutorial teaches;
* :mod:`gradbook.exercises` -- ``check_answer`` for the reader's practice answers
  (which, unlike the checks, never raises for a wrong answer);
* :mod:`gradbook.graph` -- describe and draw the backward graph, annotated, or a
  graph of your own;
* :mod:`gradbook.plot` -- a function and its derivative on one Axes, in one style.

>>> import gradbook
>>> print(gradbook.check_derivative(lambda x: x**2, at=2.0, expected=4.0, name="x^2"))
d/dx x^2 at x = 2: autograd 4, expected 4 ✓
"""

import typing as _typing
from importlib import import_module as _import_module

from gradbook.check import (
    CheckFailed,
    CheckResult,
    check_claim,
    check_derivative,
    check_elementwise,
    check_partials,
    check_value,
)
from gradbook.errors import expect_error, expect_warning
from gradbook.gradcheck import check_backward

if _typing.TYPE_CHECKING:  # for type checkers and editors; at run time see __getattr__
    from gradbook.exercises import EXERCISES, AnswerResult, Exercise, check_answer
    from gradbook.graph import describe_graph, draw_graph
    from gradbook.plot import plot_derivative, plot_with_derivative, style
    from gradbook.symbolic import Formula

__version__ = "0.1.0"

# Names whose modules need sympy or Matplotlib (about 0.4 s each to import): their
# module is imported the first time one of them is used, so `import gradbook` stays
# fast where nothing is plotted (a notebook page that only checks values) and no
# Formula or exercise is touched.
_LAZY = {
    "Formula": "gradbook.symbolic",
    "EXERCISES": "gradbook.exercises",
    "AnswerResult": "gradbook.exercises",
    "Exercise": "gradbook.exercises",
    "check_answer": "gradbook.exercises",
    "describe_graph": "gradbook.graph",
    "draw_graph": "gradbook.graph",
    "plot_derivative": "gradbook.plot",
    "plot_with_derivative": "gradbook.plot",
    "style": "gradbook.plot",
}


def __getattr__(name: str) -> object:
    """Import the module behind a sympy- or Matplotlib-backed name on first use, or
    that module itself (``gradbook.plot.INK``), as if it had been imported (PEP 562)."""
    if name in {module.rpartition(".")[2] for module in _LAZY.values()}:
        return _import_module(f"gradbook.{name}")  # which also sets it here
    if name not in _LAZY:
        raise AttributeError(f"module 'gradbook' has no attribute {name!r}")
    value = getattr(_import_module(_LAZY[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "EXERCISES",
    "AnswerResult",
    "CheckFailed",
    "CheckResult",
    "Exercise",
    "Formula",
    "__version__",
    "check_answer",
    "check_backward",
    "check_claim",
    "check_derivative",
    "check_elementwise",
    "check_partials",
    "check_value",
    "describe_graph",
    "draw_graph",
    "expect_error",
    "expect_warning",
    "plot_derivative",
    "plot_with_derivative",
    "style",
]
