"""Practice exercises the reader checks with one call.

An exercise knows how to *compute* its answer, with sympy or torch, at the moment the
answer is checked; the answer is stored nowhere, so the question, the code shown on
the page and the expected answer cannot drift apart. The answer may be a number, a
vector or a matrix, True or False, or text; or the derivatives of a formula at a
point (:meth:`Exercise.derivative() <gradbook.Exercise.derivative>`); or something
to run, such as the reader's own function, whose result is compared (``apply``).

A page uses an exercise of the registry :data:`~gradbook.EXERCISES` by its id, or
defines its own :class:`~gradbook.Exercise` and passes it. It asks first, with
``your_answer = None``, and hides the solution until the reader opens it:

>>> your_answer = None  # dy/dx at x = 1
>>> print(check_answer("cubic", your_answer))
No answer yet: set your answer to dy/dx at x = 1 (a number, e.g. 2.5) and run again.
>>> print(check_answer("cubic", 7))
Correct: dy/dx = 7 at x = 1.
>>> print(check_answer("cubic", 6.0))
Not quite: expected 7, you gave 6 (off by 1).

A wrong answer is not an error: :func:`~gradbook.check_answer` returns an
:class:`~gradbook.AnswerResult` that prints "Not quite: ...", so a notebook keeps
running. It raises ``TypeError`` or ``ValueError`` only for an answer of the wrong
kind or shape (a text for a number, two numbers for one), saying what to give. The
page's own proofs are different: the ``gradbook.check_*`` functions raise
:class:`~gradbook.CheckFailed`, and so fail the build, when a value the book states
is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np
import sympy
import torch

from gradbook._validate import describe, require_number, require_tolerance
from gradbook.check import fmt
from gradbook.symbolic import Formula, symbol

__all__ = ["EXERCISES", "AnswerResult", "Exercise", "check_answer"]


def _point(at: object, formula: Formula) -> dict[str, float]:
    if not isinstance(at, Mapping):
        raise TypeError(
            f"at must map each variable to a number, e.g. {{'x': 1.0}}; "
            f"got {describe(at)}"
        )
    if set(at) != set(formula.variables):
        raise ValueError(
            f"at must give a value to each variable of {formula.text!r}, "
            f"{list(formula.variables)}; got {sorted(map(str, at))}"
        )
    return {n: require_number(at[n], f"at[{n!r}]") for n in formula.variables}


def _where(at: Mapping[str, float]) -> str:
    return ", ".join(f"{n} = {fmt(v)}" for n, v in at.items())


@dataclass(frozen=True)
class Exercise:
    """A practice problem: a question, and how its answer is computed.

    Create one with :meth:`derivative` (the derivatives of a formula at a point),
    :meth:`value` (the value of a formula at a point), or directly, with a function
    ``compute`` that computes the answer when it is checked, with torch or sympy:
    its result says what kind of answer is expected (a number; a vector or matrix of
    numbers as a tensor or nested list; ``True`` or ``False``; text). NaN and
    infinities are answers too (NaN matches NaN).

    Parameters
    ----------
    id
        A short name, e.g. ``"cubic"``; the key in :data:`EXERCISES`.
    question
        The question, as the page asks it.
    formula, at
        For :meth:`derivative` exercises: the formula and the point.
    asks
        What the answer is, as it reads in the verdict "Correct: <asks> is <value>.",
        e.g. ``"x.grad after two backward() calls"``.
    compute
        A function of no arguments that returns the expected answer.
    apply
        For an answer that is something to run, such as the reader's own function:
        ``apply(answer)`` returns the value compared with ``compute()``.
    form
        With ``apply``: what the reader gives, e.g. ``"your sigmoid, a function of
        a Value"``; said when no answer is given yet.

    Examples
    --------
    A number that autograd computes (the expected answer is never typed in):

    >>> def twice():
    ...     x = torch.tensor(3.0, requires_grad=True)
    ...     (x**2).backward()
    ...     (x**2).backward()
    ...     return x.grad
    >>> ex = Exercise(
    ...     "two-backward",
    ...     "What is x.grad after calling backward() twice on y = x^2 at x = 3?",
    ...     asks="x.grad after two backward() calls",
    ...     compute=twice,
    ... )
    >>> print(check_answer(ex, None))
    No answer yet: set your answer to x.grad after two backward() calls (a number, e.g. 2.5) and run again.
    >>> print(check_answer(ex, 12))
    Correct: x.grad after two backward() calls is 12.

    The reader's code, run and compared with torch:

    >>> def gradient_at_half(sigmoid):
    ...     x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    ...     sigmoid(x).backward()
    ...     return x.grad
    >>> ex = Exercise(
    ...     "my-sigmoid",
    ...     "Write sigmoid(x) = 1 / (1 + exp(-x)) with torch operations.",
    ...     asks="the gradient of your sigmoid at x = 0.5",
    ...     compute=lambda: gradient_at_half(torch.sigmoid),
    ...     apply=gradient_at_half,
    ...     form="your sigmoid, a function of a tensor",
    ... )
    >>> print(check_answer(ex, None))
    No answer yet: set your answer to your sigmoid, a function of a tensor, and run again.
    >>> print(check_answer(ex, lambda x: 1 / (1 + torch.exp(-x))))
    Correct: the gradient of your sigmoid at x = 0.5 is 0.235004.
    >>> print(check_answer(ex, lambda x: 1 / (1 + torch.exp(x))))
    Not quite: expected 0.235004, your answer gives -0.235004 (off by 0.470007).
    """

    id: str
    question: str
    formula: Formula | None = None
    at: Mapping[str, float] = field(default_factory=dict)
    asks: str = ""
    compute: Callable[[], Any] | None = field(default=None, repr=False)
    apply: Callable[[Any], Any] | None = field(default=None, repr=False)
    form: str = ""

    def __post_init__(self) -> None:
        for name in ("id", "question"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise TypeError(
                    f"an exercise's {name} must be non-empty text, got {describe(value)}"
                )
        if (self.formula is None) == (self.compute is None):
            raise TypeError(
                f"exercise {self.id!r} needs either a formula (Exercise.derivative) or "
                "compute=, a function that computes the answer"
            )
        if self.formula is not None:
            if not isinstance(self.formula, Formula):
                raise TypeError(
                    f"formula must be a Formula, got {describe(self.formula)}"
                )
            point = _point(self.at, self.formula)
            object.__setattr__(self, "at", point)
            return
        if not callable(self.compute):
            raise TypeError(
                "compute must be a function that computes the expected answer (with "
                "torch or sympy), not the answer itself: a stored value could drift "
                f"from the question; got {describe(self.compute)}"
            )
        if not isinstance(self.asks, str) or not self.asks.strip():
            raise TypeError(
                f"exercise {self.id!r} needs asks=, what the answer is, e.g. "
                "'x.grad after two backward() calls'"
            )
        if self.apply is not None:
            if not callable(self.apply):
                raise TypeError(
                    f"apply must be a function of the answer, got {describe(self.apply)}"
                )
            if not isinstance(self.form, str) or not self.form.strip():
                raise TypeError(
                    f"exercise {self.id!r} runs the answer (apply=), so it needs "
                    "form=, what the reader gives, e.g. 'your sigmoid, a function of "
                    "a Value'"
                )

    @classmethod
    def derivative(
        cls,
        id: str,
        question: str,
        formula: Formula | str,
        at: Mapping[str, float],
    ) -> Exercise:
        """The derivative of ``formula`` at the point ``at`` (the partial derivatives,
        for several variables), derived by sympy.

        The reader answers with a number for one variable; for several, with a pair
        (in the order of the formula's variables), a tensor, or a dict.

        >>> ex = Exercise.derivative("sq", "d/dx of x^2 at 3?", "x**2", at={"x": 3})
        >>> print(check_answer(ex, 6))
        Correct: dy/dx = 6 at x = 3.
        """
        if isinstance(formula, str):
            formula = Formula(formula)
        return cls(id, question, formula, at)

    @classmethod
    def value(
        cls,
        id: str,
        question: str,
        formula: Formula | str,
        at: Mapping[str, float],
        *,
        asks: str | None = None,
    ) -> Exercise:
        """The value of ``formula`` at the point ``at``, computed exactly by sympy.

        ``asks`` defaults to ``"y at x = 2"`` (one variable) or ``"f at u = 2, v = 1"``.

        >>> ex = Exercise.value("f2", "f(2)?", "log(x**2)*sin(x) + 1/x", at={"x": 2})
        >>> print(check_answer(ex, 1.7606))
        Correct: y at x = 2 is 1.76055.
        """
        if isinstance(formula, str):
            formula = Formula(formula)
        if not isinstance(formula, Formula):
            raise TypeError(f"formula must be a Formula, got {describe(formula)}")
        point = _point(at, formula)
        exact = {symbol(n): sympy.nsimplify(v) for n, v in point.items()}
        expr = formula.expr
        name = "y" if len(point) == 1 else "f"
        return cls(
            id,
            question,
            asks=asks or f"{name} at {_where(point)}",
            compute=lambda: float(expr.subs(exact)),
        )

    def expected(self) -> Any:
        """The expected answer, computed now.

        For a derivative exercise, the exact derivative with respect to each
        variable at ``at`` (by sympy):

        >>> EXERCISES["partial-uv"].expected()
        {'u': 5.0, 'v': 10.0}
        """
        if self.formula is None:
            assert self.compute is not None
            return self.compute()
        point = {symbol(n): sympy.nsimplify(v) for n, v in self.at.items()}
        return {
            n: float(self.formula.diff(n).expr.subs(point))
            for n in self.formula.variables
        }


def _registry(exercises: Iterable[Exercise]) -> dict[str, Exercise]:
    registry: dict[str, Exercise] = {}
    for exercise in exercises:
        if exercise.id in registry:
            raise ValueError(f"two exercises have the id {exercise.id!r}")
        registry[exercise.id] = exercise
    return registry


#: The practice exercises by id: ``"cubic"`` (dy/dx of y = 2x^3 + x at x = 1) and
#: ``"partial-uv"`` (the partial derivatives of f = uv + (uv)^2 at u = 2, v = 1).
EXERCISES: dict[str, Exercise] = _registry(
    [
        Exercise.derivative(
            "cubic",
            "What is the derivative of y = 2x^3 + x at x = 1?",
            "2*x**3 + x",
            at={"x": 1.0},
        ),
        Exercise.derivative(
            "partial-uv",
            "What are the partial derivatives of f = uv + (uv)^2 with respect to u "
            "and to v at u = 2, v = 1?",
            "u*v + (u*v)**2",
            at={"u": 2.0, "v": 1.0},
        ),
    ]
)


@dataclass(frozen=True)
class AnswerResult:
    """The verdict on an answer; ``str()`` is one sentence for the reader.

    ``correct`` is False both for a wrong answer and for no answer yet (``None``);
    ``expected`` is the computed answer, ``given`` the reader's, as compared.
    """

    correct: bool
    message: str
    expected: Any = field(repr=False)
    given: Any = field(repr=False)

    def __str__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.correct

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.message)  # a notebook shows the sentence, not the repr


# -- Derivatives of a formula -----------------------------------------------------


def _given(exercise: Exercise, answer: object) -> dict[str, float]:
    """The reader's answer as {variable: number}, whatever form it came in."""
    assert exercise.formula is not None
    names = exercise.formula.variables
    example = (
        "a number, e.g. 2.5"
        if len(names) == 1
        else f"a pair in the order {names} or a dict such as "
        + "{"
        + ", ".join(f"{n!r}: ..." for n in names)
        + "}"
    )
    if isinstance(answer, Mapping):
        if set(answer) != set(names):
            raise ValueError(
                f"exercise {exercise.id!r} asks for the derivatives with respect to "
                f"{list(names)}; your dict has the keys {sorted(map(str, answer))}"
            )
        return {n: require_number(answer[n], f"your answer for {n}") for n in names}
    if isinstance(answer, torch.Tensor):
        if answer.is_complex() or answer.dtype == torch.bool:
            raise TypeError(f"the answer must be real numbers, got {describe(answer)}")
        if answer.numel() != len(names):
            raise ValueError(
                f"exercise {exercise.id!r} expects {len(names)} number(s), "
                f"got {describe(answer)}"
            )
        answer = answer.detach().reshape(-1).tolist()
        if len(names) == 1:
            answer = answer[0]
    if isinstance(answer, Real) and not isinstance(answer, bool):
        if len(names) != 1:
            raise TypeError(
                f"exercise {exercise.id!r} expects {example}, got one number {answer!r}"
            )
        return {names[0]: require_number(answer, "your answer")}
    if isinstance(answer, Sequence) and not isinstance(answer, str):
        if len(answer) != len(names):
            raise ValueError(
                f"exercise {exercise.id!r} expects {len(names)} number(s) "
                f"({', '.join(names)}), got {len(answer)}"
            )
        return {
            n: require_number(a, f"your answer for {n}")
            for n, a in zip(names, answer, strict=True)
        }
    raise TypeError(
        f"exercise {exercise.id!r} expects {example}, got {describe(answer)}"
    )


def _symbol(exercise: Exercise, name: str) -> str:
    assert exercise.formula is not None
    if len(exercise.formula.variables) == 1:
        return f"dy/d{name}"
    return f"∂f/∂{name}"


def _check_derivative(
    ex: Exercise, answer: object, atol: float, rtol: float
) -> AnswerResult:
    assert ex.formula is not None
    names = ex.formula.variables
    where = _where(ex.at)
    expected = ex.expected()
    if answer is None:  # not wrong, just not given yet: say what to give
        if len(names) == 1:
            wanted = f"{_symbol(ex, names[0])} at {where} (a number, e.g. 2.5)"
        else:
            symbols = " and ".join(_symbol(ex, n) for n in names)
            wanted = f"{symbols} at {where} (a pair, in this order)"
        message = f"No answer yet: set your answer to {wanted} and run again."
        return AnswerResult(False, message, expected, None)
    given = _given(ex, answer)
    wrong = [
        n for n in names if abs(given[n] - expected[n]) > atol + rtol * abs(expected[n])
    ]
    if not wrong:
        parts = " and ".join(f"{_symbol(ex, n)} = {fmt(expected[n])}" for n in names)
        return AnswerResult(True, f"Correct: {parts} at {where}.", expected, given)
    if len(names) == 1:
        (n,) = names
        off = fmt(abs(given[n] - expected[n]))
        message = (
            f"Not quite: expected {fmt(expected[n])}, you gave {fmt(given[n])} "
            f"(off by {off})."
        )
    else:
        misses = "; ".join(
            f"for {_symbol(ex, n)} expected {fmt(expected[n])}, you gave "
            f"{fmt(given[n])} (off by {fmt(abs(given[n] - expected[n]))})"
            for n in wrong
        )
        rights = [
            f"{_symbol(ex, n)} = {fmt(expected[n])}" for n in names if n not in wrong
        ]
        message = f"Not quite: {misses}" + (
            f"; {' and '.join(rights)} is right." if rights else "."
        )
    return AnswerResult(False, message, expected, given)


# -- Any other answer: a number, an array, True or False, text --------------------


def _is_bool(value: object) -> bool:
    if isinstance(value, torch.Tensor):
        return value.dtype == torch.bool and value.numel() == 1
    return isinstance(value, bool | np.bool_)


def _plain(value: object) -> object:
    """Tensors inside a (nested) list or tuple as lists of numbers: a pair such as
    ``(w, b)`` of parameters that require grad is read without autograd's warning,
    and rows given as tensors are read like rows given as lists."""
    if isinstance(value, torch.Tensor):
        return value.detach().tolist()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _numbers(value: object, what: str) -> torch.Tensor:
    """Numbers in a tensor, an array or a (nested) list, as a float64 tensor."""
    if isinstance(value, str | bytes | Mapping) or _is_bool(value):
        raise TypeError(f"{what} must be numbers, got {describe(value)}")
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{what} must be real numbers, got {describe(value)}")
        return value.detach().to(torch.float64)
    try:
        values = torch.as_tensor(_plain(value), dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(
            f"{what} must be a number, a tensor, or a (nested) list of numbers, "
            f"got {describe(value)}"
        ) from exc
    return values


def _kind(expected: object, exercise: Exercise) -> str:
    """What the computed answer is: "bool", "text", "number" or "array"."""
    if _is_bool(expected):
        return "bool"
    if isinstance(expected, str):
        return "text"
    if isinstance(expected, Real):
        return "number"
    if isinstance(expected, torch.Tensor | np.ndarray | list | tuple):
        numbers = _numbers(expected, f"exercise {exercise.id!r}: the computed answer")
        return "number" if numbers.numel() == 1 else "array"
    raise TypeError(
        f"exercise {exercise.id!r}: compute returned {describe(expected)}; it must "
        "return a number, a tensor or list of numbers, True or False, or text"
    )


def _shape_hint(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"{shape[0]} numbers: a list, or a tensor of shape {shape}"
    if len(shape) == 2:
        rows, cols = shape
        return (
            f"a {rows}×{cols} matrix: a list of {rows} rows of {cols} numbers, or a "
            f"tensor of shape {shape}"
        )
    return f"a tensor of shape {shape}"


def _as_kind(kind: str, value: object, shape: tuple[int, ...], what: str) -> Any:
    """The reader's answer (or what it gives) in the form of the expected one."""
    if kind == "bool":
        if not _is_bool(value):
            raise TypeError(f"{what} must be True or False, got {describe(value)}")
        return bool(value.item() if isinstance(value, torch.Tensor) else value)
    if kind == "text":
        if not isinstance(value, str):
            raise TypeError(f"{what} must be text (a str), got {describe(value)}")
        return value.strip()
    values = _numbers(value, what)
    if kind == "number":
        if values.numel() != 1:
            raise ValueError(f"{what} must be one number, got {describe(value)}")
        return values.item()
    if tuple(values.shape) != shape:
        raise ValueError(
            f"{what} must be {_shape_hint(shape)}; got shape {tuple(values.shape)}"
        )
    return values


def _close(given: Any, expected: Any, atol: float, rtol: float) -> Any:
    return torch.isclose(
        torch.as_tensor(given, dtype=torch.float64),
        torch.as_tensor(expected, dtype=torch.float64),
        rtol=rtol,
        atol=atol,
        equal_nan=True,
    )


def _listed(values: torch.Tensor) -> str:
    """A small tensor as the book prints it: [[4, 1], [1, 3]]."""
    if values.dim() == 0:
        return fmt(values.item())
    return "[" + ", ".join(_listed(row) for row in values) + "]"


def _miss(expected: float, given: float, gave: str) -> str:
    off = abs(given - expected)
    text = f"expected {fmt(expected)}, {gave} {fmt(given)}"
    return text + (f" (off by {fmt(off)})" if math.isfinite(off) else "")


def _check_general(
    ex: Exercise, answer: object, atol: float, rtol: float
) -> AnswerResult:
    raw = ex.expected()
    kind = _kind(raw, ex)
    shape: tuple[int, ...] = ()
    if kind == "array":
        raw = _numbers(raw, f"exercise {ex.id!r}: the computed answer")
        shape = tuple(raw.shape)
    expected = _as_kind(kind, raw, shape, f"exercise {ex.id!r}: the computed answer")
    if answer is None:  # not wrong, just not given yet: say what to give
        if ex.apply is not None:
            wanted = f"{ex.form},"
        else:
            hint = {
                "bool": "True or False",
                "text": "text, in quotes",
                "number": "a number, e.g. 2.5",
            }.get(kind) or _shape_hint(shape)
            wanted = f"{ex.asks} ({hint})"
        message = f"No answer yet: set your answer to {wanted} and run again."
        return AnswerResult(False, message, expected, None)
    if ex.apply is not None:
        value = ex.apply(answer)
        gave = "your answer gives"
        given = _as_kind(kind, value, shape, f"what your answer gives ({ex.asks})")
    else:
        gave = "you gave"
        given = _as_kind(kind, answer, shape, "your answer")
    if kind in ("bool", "text"):
        if given == expected:
            return AnswerResult(
                True, f"Correct: {ex.asks} is {expected}.", expected, given
            )
        return AnswerResult(
            False, f"Not quite: expected {expected}, {gave} {given}.", expected, given
        )
    if kind == "number":
        if _close(given, expected, atol, rtol):
            return AnswerResult(
                True, f"Correct: {ex.asks} is {fmt(expected)}.", expected, given
            )
        message = f"Not quite: {_miss(expected, given, gave)}."
        return AnswerResult(False, message, expected, given)
    bad = ~_close(given, expected, atol, rtol)
    if not bad.any():
        shown = (
            _listed(expected)
            if expected.numel() <= 12
            else f"all {expected.numel()} numbers as expected"
        )
        return AnswerResult(True, f"Correct: {ex.asks} is {shown}.", expected, given)
    first = tuple(int(i) for i in bad.nonzero()[0])
    index = str(first[0]) if len(first) == 1 else str(first)
    miss = _miss(expected[first].item(), given[first].item(), gave)
    message = (
        f"Not quite: {int(bad.sum())} of {expected.numel()} numbers differ; "
        f"at index {index}, {miss}."
    )
    return AnswerResult(False, message, expected, given)


def check_answer(
    exercise: str | Exercise,
    answer: object,
    *,
    atol: float = 1e-6,
    rtol: float = 1e-4,
) -> AnswerResult:
    """Check your answer to a practice exercise; the result prints as one sentence.

    A wrong answer is not an error: the result says "Not quite: ..." and how far off
    the answer is. Only an answer of the wrong kind or shape raises a ``TypeError`` or
    ``ValueError``, saying what to give.

    Parameters
    ----------
    exercise
        The exercise: its id, a key of :data:`EXERCISES` (``"cubic"``,
        ``"partial-uv"``), or an :class:`Exercise` the page defines.
    answer
        Your answer, in the form the exercise expects: a number (or a one-element
        tensor); a vector or matrix as a tensor or a (nested) list; ``True`` or
        ``False``; text; for partial derivatives a pair in the order of the
        variables, a tensor of two numbers, or a dict ``{"u": ..., "v": ...}``; for
        an exercise with ``apply``, what it runs (e.g. your function). ``None``
        means "not answered yet": the result says what to fill in (so a notebook
        runs top to bottom before the reader answers).
    atol, rtol
        How close counts as correct (loose enough for float32 results).

    Examples
    --------
    >>> print(check_answer("partial-uv", {"u": 5.0, "v": 10.0}))
    Correct: ∂f/∂u = 5 and ∂f/∂v = 10 at u = 2, v = 1.
    >>> result = check_answer("partial-uv", (5.0, 9.0))
    >>> result.correct
    False
    >>> print(result)
    Not quite: for ∂f/∂v expected 10, you gave 9 (off by 1); ∂f/∂u = 5 is right.
    >>> print(check_answer("cubic", None))
    No answer yet: set your answer to dy/dx at x = 1 (a number, e.g. 2.5) and run again.

    An exercise defined on the page, whose answer is a vector computed by torch:

    >>> ex = Exercise(
    ...     "grad-of-sum",
    ...     "What is the gradient of sum(x^2) at x = (1, 2, 3)?",
    ...     asks="the gradient at (1, 2, 3)",
    ...     compute=lambda: torch.func.grad(lambda x: (x**2).sum())(
    ...         torch.tensor([1.0, 2.0, 3.0])
    ...     ),
    ... )
    >>> print(check_answer(ex, None))
    No answer yet: set your answer to the gradient at (1, 2, 3) (3 numbers: a list, or a tensor of shape (3,)) and run again.
    >>> print(check_answer(ex, [2, 4, 6]))
    Correct: the gradient at (1, 2, 3) is [2, 4, 6].
    >>> print(check_answer(ex, [2, 4, 5]))
    Not quite: 1 of 3 numbers differ; at index 2, expected 6, you gave 5 (off by 1).

    True or False:

    >>> ex = Exercise(
    ...     "scaled-leaf",
    ...     "w = torch.ones(2, requires_grad=True) * 0.01: is w a leaf?",
    ...     asks="w.is_leaf",
    ...     compute=lambda: (torch.ones(2, requires_grad=True) * 0.01).is_leaf,
    ... )
    >>> print(check_answer(ex, True))
    Not quite: expected False, you gave True.
    """
    if isinstance(exercise, str):
        if exercise not in EXERCISES:
            raise ValueError(
                f"there is no exercise {exercise!r}; the exercises are "
                f"{sorted(EXERCISES)}"
            )
        ex = EXERCISES[exercise]
    elif isinstance(exercise, Exercise):
        ex = exercise
    else:
        raise TypeError(
            "exercise must be an exercise's id such as 'cubic', or an Exercise; "
            f"got {describe(exercise)}"
        )
    atol = require_tolerance(atol, "atol")
    rtol = require_tolerance(rtol, "rtol")
    if ex.formula is not None:
        return _check_derivative(ex, answer, atol, rtol)
    return _check_general(ex, answer, atol, rtol)
