"""Property-based tests: the checks agree with calculus on random polynomials.

A random polynomial with integer coefficients (degree up to 4) is differentiated by
sympy; ``check_derivative`` must accept the exact derivative at any point of [-5, 5],
and must reject it when it is off by one.
"""

from __future__ import annotations

import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook import CheckFailed, Formula, check_derivative, check_elementwise
from gradbook.symbolic import symbol

settings.register_profile(
    "gradbook", max_examples=50, deadline=None, derandomize=True, database=None
)
FAST = settings.get_profile("gradbook")

coefficients = st.lists(st.integers(-10, 10), min_size=1, max_size=5)  # degree <= 4
points = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


def polynomial(coeffs: list[int]) -> Formula:
    x = symbol("x")
    return Formula.from_sympy(sum(c * x**k for k, c in enumerate(coeffs)), ["x"])


@FAST
@given(coefficients, points)
def test_check_agrees_with_the_sympy_derivative(coeffs, at):
    f = polynomial(coeffs)
    result = check_derivative(f, at=at, expected=f.diff("x"))
    exact = float(f.diff("x").expr.subs(symbol("x"), sympy.Float(at, 30)))
    assert result.value == pytest.approx(exact, rel=1e-9, abs=1e-9)


@FAST
@given(coefficients, points)
def test_check_rejects_a_value_off_by_one(coeffs, at):
    f = polynomial(coeffs)
    wrong = f.diff("x")(at) + 1
    with pytest.raises(CheckFailed, match="autograd disagrees with the stated value"):
        check_derivative(f, at=at, expected=wrong)


@FAST
@given(coefficients, st.lists(points, min_size=1, max_size=20))
def test_elementwise_agrees_with_the_sympy_derivative(coeffs, xs):
    f = polynomial(coeffs)
    x = torch.tensor(xs, dtype=torch.float64)
    check_elementwise(f, x, f.diff("x"))
    with pytest.raises(CheckFailed):
        check_elementwise(f, x, lambda x: f.diff("x")(x) + 1)
