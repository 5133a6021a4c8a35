"""gradbook.check: passing checks, failing checks and every bad-input message."""

from __future__ import annotations

import math

import pytest
import torch

from gradbook import (
    CheckFailed,
    CheckResult,
    check_derivative,
    check_elementwise,
    check_partials,
    check_value,
)

# -- check_derivative ------------------------------------------------------------------


def test_derivative_passes_and_prints_one_line():
    result = check_derivative(lambda x: 2 * x**3 + x, at=1.0, expected=7.0, name="2x^3")
    assert isinstance(result, CheckResult)
    assert str(result) == "d/dx 2x^3 at x = 1: autograd 7, expected 7 ✓"
    assert result.value == 7.0
    assert "\n" not in str(result)


def test_derivative_accepts_a_formula_for_the_expected_value():
    result = check_derivative(torch.sin, at=0.5, expected=math.cos)
    assert result.value == pytest.approx(math.cos(0.5), abs=1e-15)


def test_derivative_accepts_a_torch_only_formula():
    # torch.cos refuses a float: the check retries with a float64 tensor
    result = check_derivative(torch.sin, at=0.5, expected=torch.cos)
    assert result.value == pytest.approx(math.cos(0.5))


def test_derivative_computes_in_float64():
    # In float32, x**2 at 1e4 + a tiny offset would lose the offset.
    f = lambda x: (x - 1e4) ** 2  # noqa: E731
    result = check_derivative(f, at=1e4 + 1e-3, expected=2e-3, rtol=1e-6)
    assert result.value == pytest.approx(2e-3, rel=1e-6)


def test_derivative_mismatch_shows_all_three_numbers_and_the_tolerance():
    with pytest.raises(CheckFailed) as info:
        check_derivative(lambda x: x**2, at=3.0, expected=7.0, name="x^2")
    message = str(info.value)
    assert "d/dx x^2 at x = 3: autograd disagrees with the stated value" in message
    assert "autograd:          6.0" in message
    assert "expected:          7.0" in message
    assert "atol=1e-08, rtol=1e-06" in message
    assert "finite difference: 5.9999999" in message


class WrongSquare(torch.autograd.Function):
    """x^2 whose backward claims 3x: wrong on purpose."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x


def test_derivative_disagreeing_with_finite_differences_fails():
    with pytest.raises(CheckFailed, match="disagrees with finite differences"):
        check_derivative(WrongSquare.apply, at=2.0, expected=6.0)


def test_derivative_at_a_kink_without_finite_difference():
    result = check_derivative(torch.relu, at=0.0, expected=0.0, finite_difference=False)
    assert result.value == 0.0
    with pytest.raises(CheckFailed, match="finite difference"):
        check_derivative(torch.relu, at=0.0, expected=0.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"f": 3.0}, TypeError, r"f must be a function of a tensor .*got float 3.0"),
        ({"at": "2"}, TypeError, r"at must be a real number, got str '2'"),
        ({"at": True}, TypeError, r"at must be a real number, got bool True"),
        ({"at": math.nan}, ValueError, r"at must be finite, got nan"),
        ({"at": math.inf}, ValueError, r"at must be finite, got inf"),
        ({"at": torch.tensor([1.0, 2.0])}, ValueError, r"at must be a single number"),
        ({"at": torch.tensor(1j)}, TypeError, r"at must be a real number"),
        ({"expected": "7"}, TypeError, r"expected value of .* must be a real number"),
        ({"expected": math.nan}, ValueError, r"expected value of .* must be finite"),
        ({"expected": lambda x: math.nan}, ValueError, r"formula for .* finite"),
        ({"atol": -1.0}, ValueError, r"atol must be >= 0, got -1.0"),
        ({"rtol": "small"}, TypeError, r"rtol must be a real number"),
        ({"step": 0}, ValueError, r"step .* must be in \(0, 0.1\].*got 0.0"),
        ({"step": math.nan}, ValueError, r"step must be finite"),
        ({"step": "a"}, TypeError, r"step must be a real number"),
    ],
)
def test_derivative_bad_input(kwargs, error, match):
    args = {"f": lambda x: x**2, "at": 1.0, "expected": 2.0, **kwargs}
    with pytest.raises(error, match=match):
        check_derivative(**args)


@pytest.mark.parametrize(
    ("f", "error", "match"),
    [
        (lambda x: 3.0, TypeError, r"must return a torch tensor .*got float 3.0"),
        (lambda x: x.item() ** 2, TypeError, r"must return a torch tensor"),
        (
            lambda x: torch.stack([x, x]),
            ValueError,
            r"must return a single number, got a torch.float64 tensor of shape \(2,\)"
            r".*sum trick",
        ),
        (lambda x: x.detach() ** 2, ValueError, r"does not depend on its input"),
        (lambda x: torch.log(x - 5), ValueError, r"is not finite at this point"),
    ],
)
def test_derivative_bad_function(f, error, match):
    with pytest.raises(error, match=match):
        check_derivative(f, at=1.0, expected=2.0)


@pytest.mark.parametrize("offset", [0.0, 1e4, 1e7])
def test_finite_differences_catch_a_wrong_backward_on_a_large_function(offset):
    """A large function value must not widen the finite-difference tolerance enough to
    hide a wrong derivative (6 stated and 'computed', while the truth is 4)."""
    with pytest.raises(CheckFailed, match="disagrees with finite differences"):
        check_derivative(lambda x: WrongSquare.apply(x) + offset, at=2.0, expected=6.0)


def test_large_smooth_values_still_pass():
    print(check_derivative(torch.exp, at=30.0, expected=lambda x: torch.exp(x)))
    print(check_elementwise(lambda x: 10 * x**3, torch.linspace(-1e3, 1e3, 101),
                            lambda x: 30 * x**2))  # fmt: skip


def test_finite_difference_outside_the_domain_is_named():
    with pytest.raises(CheckFailed, match="not defined on both sides"):
        check_derivative(torch.sqrt, at=1e-8, expected=lambda x: 0.5 / x**0.5)
    with pytest.raises(CheckFailed, match="not defined on both sides of x = 1e-08"):
        check_elementwise(torch.sqrt, [1e-8, 1.0], lambda x: 0.5 / torch.sqrt(x))


def test_formula_written_with_tensor_methods():
    result = check_derivative(torch.sin, at=1.0, expected=lambda x: x.cos())
    assert result.value == pytest.approx(math.cos(1.0))


# -- check_partials --------------------------------------------------------------------


def test_partials_pass_and_print_one_line_each():
    result = check_partials(
        lambda u, v: u**2 + v**3 + 2 * u * v + u + v,
        at={"u": 3.0, "v": 4.0},
        expected={"u": 15.0, "v": lambda u, v: 3 * v**2 + 2 * u + 1},
        name="f",
    )
    assert str(result).splitlines() == [
        "∂/∂u f at (u = 3, v = 4): autograd 15, expected 15 ✓",
        "∂/∂v f at (u = 3, v = 4): autograd 55, expected 55 ✓",
    ]
    assert result.autograd == (15.0, 55.0)


def test_partials_unused_variable_has_derivative_zero():
    result = check_partials(
        lambda u, v: u**2, at={"u": 1.0, "v": 2.0}, expected={"v": 0}
    )
    assert result.autograd == (0.0,)


def test_partials_mismatch_names_the_variable():
    with pytest.raises(CheckFailed, match=r"∂/∂v .*\n  autograd:          1.0"):
        check_partials(
            lambda u, v: u * v + u**2, at={"u": 1.0, "v": 2.0}, expected={"v": 2.0}
        )


@pytest.mark.parametrize(
    ("at", "expected", "error", "match"),
    [
        ([1.0, 2.0], {"u": 1.0}, TypeError, r"at must map each variable's name"),
        (
            {},
            {"u": 1.0},
            TypeError,
            r"at must map each variable's name .*got dict \{\}",
        ),
        ({"u": 1.0}, [1.0], TypeError, r"expected must map each variable's name"),
        ({"u": 1.0}, {"w": 1.0}, ValueError, r"variables \['w'\] that are not in at"),
        ({"u": 1.0}, {}, ValueError, r"expected is empty"),
        ({"u": math.inf}, {"u": 1.0}, ValueError, r"at\['u'\] must be finite"),
    ],
)
def test_partials_bad_input(at, expected, error, match):
    with pytest.raises(error, match=match):
        check_partials(lambda *xs: sum(x**2 for x in xs), at=at, expected=expected)


def test_partials_non_scalar_output_names_the_sum_trick():
    with pytest.raises(ValueError, match="sum trick"):
        check_partials(
            lambda u, v: torch.stack([u, v]), at={"u": 1.0, "v": 2.0}, expected={"u": 1}
        )


# -- check_elementwise -----------------------------------------------------------------


def test_elementwise_passes_on_the_lab_example():
    x = torch.linspace(-10, 10, 100, requires_grad=True)
    result = check_elementwise(
        lambda x: 10 * x**3, x, lambda x: 30 * x**2, name="10x^3"
    )
    assert str(result).startswith("d/dx 10x^3 at 100 points in [-10, 10]: autograd")
    assert len(result.autograd) == 100


def test_elementwise_accepts_a_list():
    result = check_elementwise(torch.sin, [0.0, 1.0, 2.0], torch.cos)
    assert result.autograd[0] == 1.0


def test_elementwise_mismatch_names_the_point():
    x = torch.linspace(-1, 1, 5)
    with pytest.raises(CheckFailed, match=r"at x = -1.0\.\n  autograd: -2.0\n"):
        check_elementwise(lambda x: x**2, x, lambda x: 2 * x + 1)


def test_elementwise_kink_needs_finite_difference_off():
    x = torch.tensor([-1.0, 0.0, 1.0])
    step = lambda x: (x > 0).double()  # noqa: E731
    with pytest.raises(CheckFailed, match="kink, pass finite_difference=False"):
        check_elementwise(torch.relu, x, step)
    assert check_elementwise(torch.relu, x, step, finite_difference=False).autograd == (
        0.0,
        0.0,
        1.0,
    )


@pytest.mark.parametrize(
    ("x", "f", "formula", "error", "match"),
    [
        (
            [[1.0], [2.0, 3.0]],
            None,
            None,
            TypeError,
            r"x must be a tensor or a sequence",
        ),
        (torch.arange(3), None, None, TypeError, r"real floating-point .*torch.int64"),
        (torch.tensor([1j]), None, None, TypeError, r"real floating-point"),
        (torch.tensor([]), None, None, ValueError, r"x is empty"),
        (torch.tensor([1.0, math.nan]), None, None, ValueError, r"NaN or infinite"),
        (
            None,
            lambda x: x.sum(),
            None,
            ValueError,
            r"element by element .*shaped like",
        ),
        (None, lambda x: x.detach() ** 2, None, ValueError, r"does not depend on x"),
        (None, torch.log, None, ValueError, r"f\(x\) is not finite at x = -1.0"),
        (None, None, lambda x: 2, TypeError, r"formula\(x\) must return a float"),
        (
            None,
            None,
            lambda x: 2 * x[:1],
            ValueError,
            r"formula\(x\) must have the shape",
        ),
        (
            None,
            None,
            lambda x: 1 / x,
            ValueError,
            r"formula\(x\) is not finite at x = 0",
        ),
        (None, torch.sqrt, None, ValueError, r"not finite"),
    ],
)
def test_elementwise_bad_input(x, f, formula, error, match):
    x = torch.tensor([-1.0, 0.0, 1.0]) if x is None else x
    f = f or (lambda x: x**2)
    formula = formula or (lambda x: 2 * x)
    with pytest.raises(error, match=match):
        check_elementwise(f, x, formula)


def test_elementwise_infinite_derivative_is_refused():
    # sqrt has an infinite slope at 0: refused, never compared as NaN == NaN
    x = torch.tensor([0.0, 1.0])
    with pytest.raises(
        ValueError, match=r"autograd computed is not finite at x = 0\.0"
    ):
        check_elementwise(torch.sqrt, x, lambda x: torch.ones_like(x))


def test_elementwise_non_callable_formula():
    with pytest.raises(TypeError, match="formula must be a function"):
        check_elementwise(torch.sin, [1.0], 2.0)


# -- check_value -----------------------------------------------------------------------


def test_value_passes_and_fails():
    assert str(check_value(torch.tensor(4.0), 4, name="y")) == "y: 4, expected 4 ✓"
    with pytest.raises(CheckFailed, match=r"y: computed 4.0, but the book states 5.0"):
        check_value(4.0, 5.0, name="y")


def test_value_rounded_to_four_decimals_needs_atol():
    value = math.sin(100 / 2**1.5)
    with pytest.raises(CheckFailed):
        check_value(value, -0.7158, name="sin")
    assert check_value(value, -0.7158, name="sin", atol=5e-5).value == value


def test_value_bad_input():
    with pytest.raises(ValueError, match=r"y: the computed value has shape \(3,\) but"):
        check_value(torch.ones(3), 1.0, name="y")
    with pytest.raises(TypeError, match="computed value of y must be a real number"):
        check_value(None, 1.0, name="y")


def test_values_pass_and_print_small_ones_in_full():
    J = torch.tensor([[4.0, 1.0], [1.0, 3.0], [0.0, 12.0]])
    result = check_value(J, [[4, 1], [1, 3], [0, 12]], name="J(1, 2)")
    assert str(result) == (
        "J(1, 2): [[4, 1], [1, 3], [0, 12]], expected [[4, 1], [1, 3], [0, 12]] ✓"
    )
    assert result.autograd == (4.0, 1.0, 1.0, 3.0, 0.0, 12.0)
    x = torch.linspace(-1, 1, 101)
    assert "all 101 values as expected" in str(check_value(x * 2, x + x, name="2x"))


def test_values_mismatch_names_the_first_wrong_entry():
    J = torch.tensor([[4.0, 1.0], [1.0, 3.0]])
    with pytest.raises(CheckFailed) as caught:
        check_value(J, [[4.0, 1.0], [1.0, 4.0]], name="J")
    message = str(caught.value)
    assert "1 of 4 values differ" in message
    assert "index (1, 1): computed 3.0, stated 4.0" in message


@pytest.mark.parametrize(
    ("actual", "expected", "error", "match"),
    [
        (torch.ones(2, 3), [[1, 1], [1, 1], [1, 1]], ValueError, r"shape \(2, 3\)"),
        (
            torch.ones(2),
            [1.0, math.nan],
            ValueError,
            r"expected value of v must be finite",
        ),
        (
            torch.tensor([1.0, math.inf]),
            [1, 1],
            ValueError,
            r"computed value .* finite",
        ),
        (torch.ones(2), [1.0, "a"], TypeError, r"a \(nested\) list of numbers"),
        (torch.ones(2, dtype=torch.bool), [1, 1], TypeError, r"must hold real numbers"),
        (torch.ones(2), [1.0, 1.0, 1.0], ValueError, r"stated one \(3,\)"),
    ],
)
def test_values_bad_input(actual, expected, error, match):
    with pytest.raises(error, match=match):
        check_value(actual, expected, name="v")


def test_a_notebook_shows_the_line():
    from IPython.lib.pretty import pretty

    result = check_value(4.0, 4.0, name="y")
    assert pretty(result) == "y: 4, expected 4 ✓"
    assert repr(result) == "CheckResult('y: 4, expected 4 ✓')"
