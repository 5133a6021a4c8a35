"""Symbolic ground truth: a formula that sympy differentiates and torch evaluates.

A tutorial writes the function once, as text. sympy derives the exact derivative
(:meth:`Formula.diff() <gradbook.Formula.diff>`), prints both as LaTeX for the page, and evaluates either one
with torch operations, so autograd can differentiate the formula itself:

>>> from gradbook import check_derivative
>>> f = Formula("2*x**3 + x")
>>> f.diff("x")
Formula('6*x**2 + 1')
>>> print(check_derivative(f, at=1.0, expected=f.diff("x")))
d/dx 2x^3 + x at x = 1: autograd 7, expected 7 ✓
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from numbers import Real
from tokenize import TokenError
from typing import Any

import sympy
import torch
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication,
    parse_expr,
    standard_transformations,
)

from gradbook._validate import describe

__all__ = ["Formula"]

_TRANSFORMATIONS = (*standard_transformations, implicit_multiplication, convert_xor)


def _accepting_numbers(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Wrap a torch function so that it also takes a plain number, e.g. ``sqrt(2)``."""

    def wrapped(*args: Any) -> torch.Tensor:
        return fn(
            *(
                a
                if isinstance(a, torch.Tensor)
                else torch.tensor(a, dtype=torch.float64)
                for a in args
            )
        )

    return wrapped


# How each sympy function is computed with torch (the names sympy's printer writes).
TORCH_FUNCTIONS: dict[str, Callable[..., torch.Tensor]] = {
    name: _accepting_numbers(fn)
    for name, fn in {
        "sin": torch.sin,
        "cos": torch.cos,
        "tan": torch.tan,
        "asin": torch.asin,
        "acos": torch.acos,
        "atan": torch.atan,
        "sinh": torch.sinh,
        "cosh": torch.cosh,
        "tanh": torch.tanh,
        "exp": torch.exp,
        "log": torch.log,
        "sqrt": torch.sqrt,
        "Abs": torch.abs,
        "abs": torch.abs,
        "sign": torch.sign,
    }.items()
}
_CONSTANTS = {"pi": math.pi, "E": math.e}
# sympy class names of the functions above (Abs prints as abs).
_SUPPORTED = sorted(set(TORCH_FUNCTIONS) - {"abs"})


def _parse(text: str) -> sympy.Expr:
    if not isinstance(text, str):
        raise TypeError(
            f"a Formula is written as text, e.g. Formula('2*x**3 + x'); "
            f"got {describe(text)}"
        )
    if not text.strip():
        raise ValueError("the formula is empty: write it as text, e.g. '2*x**3 + x'")
    try:
        expr = parse_expr(text, transformations=_TRANSFORMATIONS, evaluate=True)
    except (SyntaxError, TypeError, ValueError, AttributeError, TokenError) as exc:
        raise ValueError(
            f"could not read the formula {text!r} ({type(exc).__name__}); write it in "
            "Python syntax, e.g. '2*x**3 + x' or 'sin(x / 2**1.5)'"
        ) from None
    return _check_expr(expr, text)


def symbol(name: str) -> sympy.Symbol:
    """The sympy symbol gradbook uses for a variable: real, so |x|' is sign(x)."""
    return sympy.Symbol(name, real=True)


def _check_expr(expr: object, text: str) -> sympy.Expr:
    if not isinstance(expr, sympy.Expr) or isinstance(expr, sympy.Tuple):
        raise ValueError(
            f"{text!r} is not a formula with one value (it reads as "
            f"{type(expr).__name__}); write an expression such as '2*x**3 + x'"
        )
    real: sympy.Expr = expr.xreplace({s: symbol(s.name) for s in expr.free_symbols})
    if real.has(sympy.I, sympy.zoo, sympy.oo, sympy.nan):
        raise ValueError(
            f"{text!r} contains an imaginary, infinite or undefined value ({real}); "
            "gradbook works with real, finite formulas"
        )
    unknown = sorted(
        {type(fn).__name__ for fn in real.atoms(sympy.Function)} - set(_SUPPORTED)
    )
    if unknown:
        raise ValueError(
            f"{text!r} uses {', '.join(unknown)}, which gradbook cannot compute with "
            f"torch; supported functions: {', '.join(_SUPPORTED)}"
        )
    return real


def _readable(expr: sympy.Expr) -> str:
    """sympy's text with ^ for powers and no * after a number: '2x^3 + x'."""
    text = str(expr).replace("**", "^")
    return re.sub(r"(?<![\w.^])(\d+(?:\.\d+)?)\*(?=[A-Za-z(])", r"\1", text)


class Formula:
    """A formula of one or more variables, read by sympy from text.

    Calling the formula evaluates it with torch operations, so autograd can
    differentiate it: pass tensors (one per variable, in the order of
    :attr:`variables`) to get a tensor, or Python numbers to get a float.

    Parameters
    ----------
    text
        The formula in Python syntax; ``^`` also means a power and ``2x`` means
        ``2*x``. Functions: sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, exp,
        log, sqrt, Abs, sign; constants pi and E.
    variables
        The names of the variables, in the order the formula takes them. By default
        every symbol of the formula, sorted alphabetically.

    Examples
    --------
    >>> f = Formula("u*v + (u*v)^2")
    >>> f.variables
    ('u', 'v')
    >>> f.text
    'u^2*v^2 + u*v'
    >>> f(2.0, 1.0)
    6.0
    >>> f.diff("u")(2.0, 1.0), f.diff("v")(2.0, 1.0)
    (5.0, 10.0)
    >>> print(f.diff("u").latex)
    2 u v^{2} + v
    """

    def __init__(self, text: str, variables: Sequence[str] | None = None) -> None:
        self._init(_parse(text), variables)

    def _init(self, expr: sympy.Expr, variables: Sequence[str] | None) -> None:
        found = sorted(s.name for s in expr.free_symbols)
        if variables is None:
            names = tuple(found)
        else:
            if isinstance(variables, str) or not all(
                isinstance(v, str) for v in variables
            ):
                raise TypeError(
                    "variables must be a sequence of names, e.g. ('x',) or "
                    f"('u', 'v'); got {describe(variables)}"
                )
            names = tuple(variables)
            missing = sorted(set(found) - set(names))
            if missing:
                raise ValueError(
                    f"the formula {str(expr)!r} uses {missing}, which are not among "
                    f"the variables {list(names)}"
                )
            if len(set(names)) != len(names):
                raise ValueError(f"variables has a repeated name: {list(names)}")
        self._expr = expr
        self._variables = names
        self._symbols = tuple(symbol(n) for n in names)
        self._function = sympy.lambdify(
            self._symbols,
            expr,
            modules=[TORCH_FUNCTIONS, _CONSTANTS],
        )

    @classmethod
    def from_sympy(
        cls, expr: sympy.Expr, variables: Sequence[str] | None = None
    ) -> Formula:
        """A Formula from a sympy expression (its variables as in :class:`Formula`).

        >>> x = sympy.Symbol("x")
        >>> Formula.from_sympy(sympy.sin(x) ** 2).diff("x")
        Formula('2*sin(x)*cos(x)')
        """
        formula = cls.__new__(cls)
        formula._init(_check_expr(sympy.sympify(expr), str(expr)), variables)
        return formula

    @property
    def expr(self) -> sympy.Expr:
        """The sympy expression."""
        return self._expr

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables' names, in the order the formula takes its arguments."""
        return self._variables

    @property
    def latex(self) -> str:
        """The formula in LaTeX, for a ``.. math::`` block."""
        return str(sympy.latex(self._expr))

    @property
    def text(self) -> str:
        """The formula as readable text, e.g. ``2x^3 + x``."""
        return _readable(self._expr)

    def diff(self, var: str = "x") -> Formula:
        """The exact derivative with respect to ``var``, as a new Formula.

        The derivative takes the same variables as this formula, even when some of
        them no longer appear in it (the derivative of ``x**2 + y`` with respect to
        ``x`` is ``2*x``, still a function of ``(x, y)``).

        >>> Formula("x**2 + y").diff("x").variables
        ('x', 'y')
        """
        if not isinstance(var, str):
            raise TypeError(f"var must be a variable's name, got {describe(var)}")
        if var not in self._variables:
            raise ValueError(
                f"{var!r} is not a variable of {self.text!r}; its variables are "
                f"{list(self._variables)}"
            )
        return Formula.from_sympy(sympy.diff(self._expr, symbol(var)), self._variables)

    def __call__(self, *values: torch.Tensor | float) -> torch.Tensor | float:
        if len(values) != len(self._variables):
            raise TypeError(
                f"the formula {self.text!r} takes {len(self._variables)} value(s), "
                f"one for each of {list(self._variables)}; got {len(values)}"
            )
        tensors = [v for v in values if isinstance(v, torch.Tensor)]
        for name, v in zip(self._variables, values, strict=True):
            if isinstance(v, torch.Tensor):
                if not v.is_floating_point():
                    raise TypeError(
                        f"{name} must be a floating-point tensor, got {describe(v)}"
                    )
            elif isinstance(v, bool) or not isinstance(v, Real):
                raise TypeError(
                    f"{name} must be a number or a tensor, got {describe(v)}"
                )
        if not values:  # a constant formula such as Formula("2")
            return float(self._expr)
        if not tensors:  # Python numbers in, a float out
            args = [torch.tensor(float(v), dtype=torch.float64) for v in values]
            return float(self._evaluate(args).item())
        try:
            torch.broadcast_shapes(*(t.shape for t in tensors))
        except RuntimeError:
            shapes = ", ".join(
                f"{n}: {tuple(v.shape)}"
                for n, v in zip(self._variables, values, strict=True)
                if isinstance(v, torch.Tensor)
            )
            raise ValueError(
                f"the values given to {self.text!r} must have the same shape (or "
                f"shapes that broadcast), got {shapes}"
            ) from None
        dtype = tensors[0].dtype
        args = [
            v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=dtype)
            for v in values
        ]
        return self._evaluate(args)

    def _evaluate(self, args: list[torch.Tensor]) -> torch.Tensor:
        # lambdify's function: a tensor, or a number for a constant formula.
        out: torch.Tensor | float = self._function(*args)
        shape = torch.broadcast_shapes(*(a.shape for a in args))
        needs_grad = any(a.requires_grad for a in args)
        if (
            isinstance(out, torch.Tensor)
            and out.shape == shape
            and (out.requires_grad or not needs_grad)
        ):
            return out
        # A constant (such as the derivative of 3x) still has the inputs' shape and,
        # for autograd, depends on them with a zero derivative.
        zero = sum((a * 0 for a in args), start=torch.zeros((), dtype=args[0].dtype))
        return zero + out

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Formula({str(self._expr)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Formula):
            return NotImplemented
        return (
            self._variables == other._variables
            and sympy.simplify(self._expr - other._expr) == 0
        )

    def __hash__(self) -> int:
        return hash(self._variables)
