"""Practice exercises the reader checks with one call.

Each exercise is a formula and a point; the expected answer is derived with sympy from
the formula when the answer is checked (it is not stored anywhere), so the question,
the formula shown on the page and the answer cannot drift apart.

>>> print(check_answer("cubic", 7))
Correct: dy/dx = 7 at x = 1.
>>> print(check_answer("cubic", 6.0))
Not quite: expected 7, you gave 6 (off by 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import sympy
import torch

from gradbook._validate import describe, require_number, require_tolerance
from gradbook.check import fmt
from gradbook.symbolic import Formula, symbol

__all__ = ["EXERCISES", "AnswerResult", "Exercise", "check_answer"]


@dataclass(frozen=True)
class Exercise:
    """A practice problem: the derivative(s) of ``formula`` at the point ``at``."""

    id: str
    question: str
    formula: Formula
    at: Mapping[str, float]

    def expected(self) -> dict[str, float]:
        """The exact derivative with respect to each variable at ``at`` (by sympy).

        >>> EXERCISES["partial-uv"].expected()
        {'u': 5.0, 'v': 10.0}
        """
        point = {symbol(n): sympy.nsimplify(v) for n, v in self.at.items()}
        return {
            n: float(self.formula.diff(n).expr.subs(point))
            for n in self.formula.variables
        }


def _exercise(id: str, question: str, formula: str, **at: float) -> Exercise:
    return Exercise(id, question, Formula(formula), dict(at))


#: The practice exercises by id: ``"cubic"`` (dy/dx of y = 2x^3 + x at x = 1) and
#: ``"partial-uv"`` (the partial derivatives of f = uv + (uv)^2 at u = 2, v = 1).
EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in [
        _exercise(
            "cubic",
            "What is the derivative of y = 2x^3 + x at x = 1?",
            "2*x**3 + x",
            x=1.0,
        ),
        _exercise(
            "partial-uv",
            "What are the partial derivatives of f = uv + (uv)^2 with respect to u "
            "and to v at u = 2, v = 1?",
            "u*v + (u*v)**2",
            u=2.0,
            v=1.0,
        ),
    ]
}


@dataclass(frozen=True)
class AnswerResult:
    """The verdict on an answer; ``str()`` is one sentence for the reader."""

    correct: bool
    message: str
    expected: dict[str, float] = field(repr=False)
    given: dict[str, float] = field(repr=False)

    def __str__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.correct

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.message)  # a notebook shows the sentence, not the repr


def _given(exercise: Exercise, answer: object) -> dict[str, float]:
    """The reader's answer as {variable: number}, whatever form it came in."""
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


def _not_answered(exercise: Exercise) -> AnswerResult:
    """The verdict on ``None``: not wrong, just not given yet; says what to give."""
    names = exercise.formula.variables
    where = ", ".join(f"{n} = {fmt(v)}" for n, v in exercise.at.items())
    if len(names) == 1:
        wanted = f"{_symbol(exercise, names[0])} at {where} (a number, e.g. 2.5)"
    else:
        symbols = " and ".join(_symbol(exercise, n) for n in names)
        wanted = f"{symbols} at {where} (a pair, in this order)"
    message = f"No answer yet: set your answer to {wanted} and run again."
    return AnswerResult(False, message, exercise.expected(), {})


def _symbol(exercise: Exercise, name: str) -> str:
    if len(exercise.formula.variables) == 1:
        return f"dy/d{name}"
    return f"∂f/∂{name}"


def check_answer(
    exercise: str, answer: object, *, atol: float = 1e-6, rtol: float = 1e-4
) -> AnswerResult:
    """Check your answer to a practice exercise; the result prints as one sentence.

    Parameters
    ----------
    exercise
        The exercise's id, a key of :data:`EXERCISES` (``"cubic"``, ``"partial-uv"``).
    answer
        A number or a one-element tensor for one derivative; for partial derivatives
        a pair in the order of the variables, a tensor of two numbers, or a dict
        ``{"u": ..., "v": ...}``. ``None`` means "not answered yet": the result says
        what to fill in (so a notebook runs top to bottom before the reader answers).
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
    """
    if not isinstance(exercise, str):
        raise TypeError(
            "exercise must be an exercise's id such as 'cubic', "
            f"got {describe(exercise)}"
        )
    if exercise not in EXERCISES:
        raise ValueError(
            f"there is no exercise {exercise!r}; the exercises are {sorted(EXERCISES)}"
        )
    ex = EXERCISES[exercise]
    atol = require_tolerance(atol, "atol")
    rtol = require_tolerance(rtol, "rtol")
    if answer is None:
        return _not_answered(ex)
    given = _given(ex, answer)
    expected = ex.expected()
    names = ex.formula.variables
    wrong = [
        n for n in names if abs(given[n] - expected[n]) > atol + rtol * abs(expected[n])
    ]
    where = ", ".join(f"{n} = {fmt(v)}" for n, v in ex.at.items())
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
