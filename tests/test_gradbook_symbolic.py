"""gradbook.symbolic.Formula: parsing, derivatives, evaluation with torch, errors."""

from __future__ import annotations

import math

import pytest
import sympy
import torch

from gradbook import Formula, check_derivative, check_elementwise, check_partials
from gradbook.symbolic import symbol


def test_text_latex_and_variables():
    f = Formula("2*x**3 + x")
    assert f.variables == ("x",)
    assert f.text == "2x^3 + x"
    assert str(f) == "2x^3 + x"
    assert f.latex == "2 x^{3} + x"
    assert repr(f) == "Formula('2*x**3 + x')"


def test_caret_and_implicit_multiplication():
    assert Formula("2x^3 + x") == Formula("2*x**3 + x")


def test_variables_sorted_or_given():
    assert Formula("v*u").variables == ("u", "v")
    assert Formula("v*u", variables=["v", "u"]).variables == ("v", "u")
    assert Formula("v*u", variables=["v", "u"])(1.0, 2.0) == 2.0


def test_derivative_keeps_the_variables():
    f = Formula("u*v + (u*v)**2")
    du, dv = f.diff("u"), f.diff("v")
    assert du == Formula("v + 2*u*v**2", variables=["u", "v"])
    assert (du(2.0, 1.0), dv(2.0, 1.0)) == (5.0, 10.0)
    assert Formula("3*x").diff("x").variables == ("x",)


def test_floats_in_float_out():
    value = Formula("sin(x / 2**1.5)")(100.0)
    assert isinstance(value, float)
    assert value == pytest.approx(-0.7158, abs=5e-5)


def test_tensors_in_tensor_out_with_autograd():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = Formula("x**2")(x)
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float32
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_constant_has_the_input_shape_and_zero_gradient():
    x = torch.linspace(0, 1, 4, requires_grad=True)
    y = Formula("3*x").diff("x")(x)
    assert y.shape == (4,) and y.tolist() == [3.0] * 4
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 4


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("exp(x) * cos(x)", 0.3),
        ("log(x) + sqrt(x)", 2.0),
        ("tanh(x) - sinh(x) + cosh(x)", -0.4),
        ("Abs(x) * atan(x)", -1.5),
        ("asin(x) + acos(x) + tan(x)", 0.2),
        ("sin(x / (2*sqrt(2)))", 100.0),
        ("pi * x + E", 1.0),
    ],
)
def test_every_supported_function_matches_sympy_and_autograd(text, at):
    f = Formula(text)
    exact = float(f.expr.subs(symbol("x"), at))
    assert f(at) == pytest.approx(exact, rel=1e-12)
    check_derivative(f, at=at, expected=f.diff("x"))


def test_formula_with_check_partials_and_elementwise():
    f = Formula("u*v + u**2 + v**3")
    print(check_partials(f, {"u": 2.0, "v": 4.0}, {"u": f.diff("u"), "v": f.diff("v")}))
    g = Formula("10*x**3")
    result = check_elementwise(g, torch.linspace(-10, 10, 100), g.diff("x"))
    assert "autograd matches 30x^2" in str(result)


def test_variables_are_real():
    assert Formula("Abs(x)").diff("x") == Formula("sign(x)")
    x = sympy.Symbol("x")  # a plain (complex) symbol is made real too
    assert Formula.from_sympy(sympy.Abs(x)).diff("x") == Formula("sign(x)")


def test_from_sympy():
    x = sympy.Symbol("x")
    assert Formula.from_sympy(x**2).diff("x") == Formula("2*x")


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        (42, TypeError, r"a Formula is written as text.*got int 42"),
        ("   ", ValueError, r"the formula is empty"),
        ("2*(x", ValueError, r"could not read the formula '2\*\(x'"),
        ("x +* ", ValueError, r"could not read the formula"),
        ("x > 1", ValueError, r"is not a formula with one value"),
        ("sqrt(-1) * x", ValueError, r"imaginary, infinite or undefined"),
        ("1/0", ValueError, r"imaginary, infinite or undefined"),
        ("erf(x)", ValueError, r"uses erf, which gradbook cannot compute with torch"),
    ],
)
def test_bad_text(text, error, match):
    with pytest.raises(error, match=match):
        Formula(text)


def test_bad_variables():
    with pytest.raises(TypeError, match="variables must be a sequence of names"):
        Formula("x", variables="x")
    with pytest.raises(ValueError, match=r"uses \['y'\], which are not among"):
        Formula("x*y", variables=["x"])
    with pytest.raises(ValueError, match="repeated name"):
        Formula("x", variables=["x", "x"])


def test_bad_diff():
    with pytest.raises(ValueError, match=r"'y' is not a variable of 'x\^2'.*\['x'\]"):
        Formula("x**2").diff("y")
    with pytest.raises(TypeError, match="var must be a variable's name"):
        Formula("x**2").diff(0)


def test_bad_call():
    f = Formula("u*v")
    with pytest.raises(TypeError, match=r"takes 2 value\(s\), one for each of"):
        f(1.0)
    with pytest.raises(TypeError, match=r"u must be a floating-point tensor.*int64"):
        f(torch.tensor(1), 2.0)
    with pytest.raises(TypeError, match=r"v must be a number or a tensor, got str"):
        f(1.0, "2")
    with pytest.raises(TypeError, match=r"u must be a number or a tensor, got bool"):
        f(True, 2.0)


def test_mixed_number_and_tensor():
    out = Formula("u*v")(torch.tensor([1.0, 2.0]), 3.0)
    assert out.tolist() == [3.0, 6.0]
    assert math.isclose(Formula("x**0.5")(4.0), 2.0)


def test_a_constant_formula_takes_no_value():
    two = Formula("2")
    assert two.variables == () and two() == 2.0
    assert Formula("2", variables=["x"])(torch.zeros(3)).tolist() == [2.0, 2.0, 2.0]


def test_values_of_different_shapes_are_refused():
    with pytest.raises(ValueError, match=r"same shape .* u: \(2,\), v: \(3,\)"):
        Formula("u*v")(torch.ones(2), torch.ones(3))
    # Shapes that broadcast are fine.
    assert Formula("u*v")(torch.ones(2, 1), torch.ones(3)).shape == (2, 3)
