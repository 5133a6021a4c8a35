"""Check derivatives computed by autograd against calculus and finite differences.

Every ``check_*`` function of a derivative computes in float64, compares autograd with
the value the book states (a number, or a formula) and with a central finite
difference, and raises :class:`CheckFailed` with all three numbers when they disagree.
On success it returns a :class:`CheckResult` that prints as one readable line per
derivative, for the page. :func:`~gradbook.check_value` checks a stated number (or
a vector or matrix of them), and :func:`~gradbook.check_claim` a stated fact that is
not a number: yes or no, a name, or ``None``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from gradbook._validate import (
    describe,
    require_callable,
    require_number,
    require_step,
    require_tolerance,
    scalar_output,
)

__all__ = [
    "CheckFailed",
    "CheckResult",
    "check_claim",
    "check_derivative",
    "check_elementwise",
    "check_partials",
    "check_value",
]

Expected = float | Callable[..., Any]


class CheckFailed(AssertionError):
    """What the book states disagrees with what the code does.

    A stated value disagrees with autograd or with finite differences, a stated claim
    with the fact the code computed, or an error the book shows was not raised (or a
    different one was).
    """


def fmt(value: float) -> str:
    """Format a number the way the book prints it: up to 6 significant digits."""
    if value == 0:
        return "0"  # also turns -0.0 into 0
    return f"{value:.6g}"


@dataclass(frozen=True)
class CheckResult:
    """What a passing check found; ``str()`` gives one line per derivative checked."""

    lines: tuple[str, ...]
    autograd: tuple[float, ...]

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return f"CheckResult({str(self)!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))  # a notebook shows the line(s), not the repr

    @property
    def value(self) -> float:
        """The (first) autograd value that was checked."""
        if not self.autograd:
            raise ValueError(
                "this check compared no number (a claim checked by check_claim): "
                "there is no value to return"
            )
        return self.autograd[0]


def _display_name(f: object, name: str | None, default: str) -> str:
    """The name given, else a Formula's own text, else ``default``."""
    if name is not None:
        return name
    # Not imported at the top: gradbook.symbolic imports sympy, which most checks never
    # need. If that module has not been imported, no Formula exists, so f is not one.
    if "gradbook.symbolic" in sys.modules:
        from gradbook.symbolic import Formula  # already imported: costs nothing

        if isinstance(f, Formula):
            return f.text
    return default


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def _expected_value(expected: object, args: Sequence[float], what: str) -> float:
    if callable(expected):
        try:
            value = expected(*args)
        except (TypeError, AttributeError):
            # A formula written with torch functions or tensor methods (torch.cos(x),
            # x.cos()) needs tensors, not Python floats.
            value = expected(*(torch.tensor(a, dtype=torch.float64) for a in args))
        return require_number(value, f"the formula for {what}")
    return require_number(expected, f"the expected value of {what}")


def _tensor_inputs(values: Sequence[float]) -> list[torch.Tensor]:
    return [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]


@dataclass(frozen=True)
class _FiniteDifference:
    """A central finite difference and how far from the derivative it may fairly be."""

    value: float
    tolerance: float


def _fd_tolerance(derivative: Any, f_scale: Any, h: Any, dtype: torch.dtype) -> Any:
    """How far a central difference may be from the true derivative.

    Rounding: f(x + h) - f(x - h) loses about eps * |f| to rounding, then is divided by
    2h; 100 * eps * |f| / h leaves room for functions that round a hundred times.
    Truncation (h squared times the third derivative over 6, about 1e-12 for the
    default step) is covered by 1e-6 * (1 + |f'|). Works on numbers and tensors.
    """
    eps = torch.finfo(dtype).eps
    return 1e-6 * (1 + abs(derivative)) + 100 * eps * f_scale / h


def _central_difference(
    f: Callable[..., Any], point: Sequence[float], index: int, step: float
) -> _FiniteDifference:
    h = step * max(1.0, abs(point[index]))
    with torch.no_grad():
        up = [torch.tensor(v, dtype=torch.float64) for v in point]
        down = [torch.tensor(v, dtype=torch.float64) for v in point]
        up[index] = up[index] + h
        down[index] = down[index] - h
        f_up, f_down = f(*up), f(*down)
        fd = float((f_up - f_down).item() / (2 * h))
        scale = max(abs(float(f_up.item())), abs(float(f_down.item())))
        tolerance = _fd_tolerance(fd, scale, h, f_up.dtype)
    return _FiniteDifference(fd, float(tolerance))


def _compare(
    what: str,
    autograd: float,
    expected: float,
    fd: _FiniteDifference | None,
    atol: float,
    rtol: float,
) -> str:
    agrees = _close(autograd, expected, atol, rtol)
    fd_agrees = fd is None or abs(autograd - fd.value) <= fd.tolerance
    if not (agrees and fd_agrees):
        fd_text = (
            "not computed"
            if fd is None
            else f"{fd.value!r} (tolerance {fd.tolerance:.2g})"
        )
        if not agrees:
            reason = "autograd disagrees with the stated value"
        elif fd is not None and fd.value != fd.value:  # NaN
            reason = (
                "the finite difference is not a number: f is not defined on both "
                "sides of the point (pass finite_difference=False at the edge of "
                "its domain)"
            )
        else:
            reason = "autograd disagrees with finite differences"
        raise CheckFailed(
            f"{what}: {reason}.\n"
            f"  autograd:          {autograd!r}\n"
            f"  expected:          {expected!r} (tolerance: atol={atol:g}, "
            f"rtol={rtol:g})\n"
            f"  finite difference: {fd_text}"
        )
    return f"{what}: autograd {fmt(autograd)}, expected {fmt(expected)} ✓"


def check_derivative(
    f: Callable[[torch.Tensor], torch.Tensor],
    at: float,
    expected: Expected,
    *,
    name: str | None = None,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    finite_difference: bool = True,
    step: float = 1e-6,
) -> CheckResult:
    """Check the derivative of a scalar function of one variable at a point.

    Parameters
    ----------
    f
        A function of a 0-d tensor that returns a 0-d tensor, e.g. ``lambda x: x**2``.
    at
        The point, a real number.
    expected
        The value the book states, or a formula for the derivative (a function of x).
    name
        How the function is written on the page, e.g. ``"x^2"``.
    atol, rtol
        Tolerances between autograd and ``expected``; a value rounded to 4 decimals
        on the page needs ``atol=5e-5``.
    finite_difference
        Also compare with a central finite difference. Turn off only at a kink
        (e.g. ``relu`` at 0), where the finite difference is not a derivative.
    step
        The relative finite-difference step.

    Raises
    ------
    CheckFailed
        When autograd, the expected value and the finite difference disagree.

    Examples
    --------
    >>> print(check_derivative(lambda x: 2 * x**3 + x, at=1.0, expected=7.0,
    ...                        name="2x^3 + x"))
    d/dx 2x^3 + x at x = 1: autograd 7, expected 7 ✓
    >>> print(check_derivative(lambda x: x**2, at=9.0, expected=lambda x: 2 * x))
    d/dx f(x) at x = 9: autograd 18, expected 18 ✓
    """
    f = require_callable(f)
    point = require_number(at, "at")
    atol = require_tolerance(atol, "atol")
    rtol = require_tolerance(rtol, "rtol")
    step = require_step(step)
    what = f"d/dx {_display_name(f, name, 'f(x)')} at x = {fmt(point)}"
    (x,) = _tensor_inputs([point])
    y = scalar_output(f(x), f"f (at x = {fmt(point)})")
    (grad,) = torch.autograd.grad(y, x)
    autograd = float(grad.item())
    want = _expected_value(expected, [point], what)
    fd = _central_difference(f, [point], 0, step) if finite_difference else None
    line = _compare(what, autograd, want, fd, atol, rtol)
    return CheckResult((line,), (autograd,))


def check_partials(
    f: Callable[..., torch.Tensor],
    at: Mapping[str, float],
    expected: Mapping[str, Expected],
    *,
    name: str | None = None,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    step: float = 1e-6,
) -> CheckResult:
    """Check every partial derivative of a scalar function of several variables.

    ``f`` takes the variables positionally, in the order of ``at``; ``expected`` maps
    each variable's name to its stated partial derivative (a number, or a formula
    taking all the variables in the same order).

    Examples
    --------
    >>> result = check_partials(lambda u, v: u * v + u**2, at={"u": 1.0, "v": 2.0},
    ...                         expected={"u": 4.0, "v": lambda u, v: u},
    ...                         name="uv + u^2")
    >>> print(result)
    ∂/∂u uv + u^2 at (u = 1, v = 2): autograd 4, expected 4 ✓
    ∂/∂v uv + u^2 at (u = 1, v = 2): autograd 1, expected 1 ✓
    """
    f = require_callable(f)
    if not isinstance(at, Mapping) or not at:
        raise TypeError(
            "at must map each variable's name to a number, e.g. "
            f"{{'u': 1.0, 'v': 2.0}}; got {describe(at)}"
        )
    if not isinstance(expected, Mapping):
        raise TypeError(
            "expected must map each variable's name to its partial derivative, "
            f"e.g. {{'u': 4.0, 'v': 1.0}}; got {describe(expected)}"
        )
    names = list(at)
    unknown = sorted(set(expected) - set(names))
    if unknown:
        raise ValueError(
            f"expected names variables {unknown} that are not in at ({names})"
        )
    if not expected:
        raise ValueError("expected is empty: state at least one partial derivative")
    point = [require_number(at[n], f"at[{n!r}]") for n in names]
    atol = require_tolerance(atol, "atol")
    rtol = require_tolerance(rtol, "rtol")
    step = require_step(step)
    where = ", ".join(f"{n} = {fmt(v)}" for n, v in zip(names, point, strict=True))
    inputs = _tensor_inputs(point)
    y = scalar_output(f(*inputs), f"f (at {where})")
    grads = torch.autograd.grad(y, inputs, allow_unused=True)
    lines, values = [], []
    for i, n in enumerate(names):
        if n not in expected:
            continue
        what = f"∂/∂{n} {_display_name(f, name, 'f')} at ({where})"
        autograd = 0.0 if grads[i] is None else float(grads[i].item())
        want = _expected_value(expected[n], point, what)
        fd = _central_difference(f, point, i, step)
        lines.append(_compare(what, autograd, want, fd, atol, rtol))
        values.append(autograd)
    return CheckResult(tuple(lines), tuple(values))


def _require_finite(xs: torch.Tensor, values: torch.Tensor, what: str) -> None:
    """Refuse NaN or inf: a comparison with NaN would pass silently."""
    bad = ~torch.isfinite(values)
    if bad.any():
        i = int(bad.nonzero()[0])
        raise ValueError(
            f"{what} is not finite at x = {xs[i].item()!r} ({values[i].item()!r}); "
            "check only at points where the function is differentiable"
        )


def check_elementwise(
    f: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor | Sequence[float],
    formula: Callable[[torch.Tensor], torch.Tensor],
    *,
    name: str | None = None,
    derivative_name: str | None = None,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    finite_difference: bool = True,
    step: float = 1e-6,
) -> CheckResult:
    """Check an element-wise derivative at many points at once (the sum trick).

    ``f`` must act element by element (output i depends on input i only); then the
    gradient of ``f(x).sum()`` is the derivative at every point, and it is compared
    with ``formula(x)`` and with finite differences.

    Examples
    --------
    >>> x = torch.linspace(-10, 10, 10)
    >>> print(check_elementwise(lambda x: x**2, x, lambda x: 2 * x,
    ...                         name="x^2", derivative_name="2x"))
    d/dx x^2 at 10 points in [-10, 10]: autograd matches 2x (largest difference 0) ✓
    """
    f = require_callable(f)
    formula = require_callable(formula, "formula")
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.tensor(x, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(
                f"x must be a tensor or a sequence of numbers, got {describe(x)}"
            ) from exc
    if not x.is_floating_point():
        raise TypeError(
            f"x must hold real floating-point numbers (e.g. torch.linspace(-10, 10, "
            f"100)), got {describe(x)}"
        )
    if x.numel() == 0:
        raise ValueError("x is empty: give at least one point")
    xs = x.detach().to(torch.float64).reshape(-1)
    if not torch.isfinite(xs).all():
        raise ValueError("x contains NaN or infinite values")
    atol = require_tolerance(atol, "atol")
    rtol = require_tolerance(rtol, "rtol")
    step = require_step(step)
    lo, hi = fmt(xs.min().item()), fmt(xs.max().item())
    what = (
        f"d/dx {_display_name(f, name, 'f(x)')} at {xs.numel()} points in [{lo}, {hi}]"
    )
    xg = xs.clone().requires_grad_(True)
    y = f(xg)
    if not isinstance(y, torch.Tensor) or y.shape != xg.shape:
        raise ValueError(
            f"f must act element by element and return a tensor shaped like x "
            f"{tuple(xg.shape)}, got {describe(y)}"
        )
    if not y.requires_grad:
        raise ValueError(
            "f(x) does not depend on x through autograd (requires_grad=False): build "
            "the output from x with torch operations, without .detach() or NumPy"
        )
    _require_finite(xs, y.detach(), "f(x)")
    (grad,) = torch.autograd.grad(y.sum(), xg)
    derivative_name = _display_name(formula, derivative_name, "the formula")
    want = formula(xs.clone())
    if not isinstance(want, torch.Tensor) or not want.is_floating_point():
        raise TypeError(
            "formula(x) must return a floating-point tensor of the shape of x "
            f"{tuple(xs.shape)} (e.g. lambda x: 2 * x), got {describe(want)}"
        )
    want = want.detach().to(torch.float64)
    if want.shape != xs.shape:
        raise ValueError(
            f"formula(x) must have the shape of x {tuple(xs.shape)}, "
            f"got {describe(want)}"
        )
    _require_finite(xs, want, "formula(x)")
    _require_finite(xs, grad, "the derivative autograd computed")
    diff = (grad - want).abs()
    worst = int(diff.argmax())
    bad = diff > atol + rtol * want.abs()
    if bad.any():
        i = int(bad.nonzero()[0])
        raise CheckFailed(
            f"{what}: autograd disagrees with {derivative_name} "
            f"at x = {xs[i].item()!r}.\n"
            f"  autograd: {grad[i].item()!r}\n"
            f"  expected: {want[i].item()!r} (tolerance: atol={atol:g}, rtol={rtol:g})"
        )
    if finite_difference:
        h = step * torch.clamp(xs.abs(), min=1.0)
        with torch.no_grad():
            f_up, f_down = f(xs + h), f(xs - h)
            fd = (f_up - f_down) / (2 * h)
            scale = torch.maximum(f_up.abs(), f_down.abs())
            tolerance = _fd_tolerance(fd.abs(), scale, h, f_up.dtype)
        # NaN (f undefined on one side) must fail too: a NaN comparison is False.
        fd_bad = ~((grad - fd).abs() <= tolerance)
        if fd_bad.any():
            i = int(fd_bad.nonzero()[0])
            at = xs[i].item()
            hint = (
                f"f is not defined on both sides of x = {at!r}; pass "
                "finite_difference=False at the edge of its domain"
                if fd[i].isnan()
                else f"if x = {at!r} is a kink, pass finite_difference=False"
            )
            raise CheckFailed(
                f"{what}: autograd disagrees with finite differences at "
                f"x = {at!r}: autograd {grad[i].item()!r}, finite difference "
                f"{fd[i].item()!r} (tolerance {tolerance[i].item():.2g}). {hint}."
            )
    line = (
        f"{what}: autograd matches {derivative_name} "
        f"(largest difference {fmt(diff[worst].item())}) ✓"
    )
    return CheckResult((line,), tuple(grad.tolist()))


def _is_many(value: object) -> bool:
    """A tensor of several numbers, or a list or tuple (of numbers or of lists)."""
    if isinstance(value, torch.Tensor):
        return value.numel() != 1
    return isinstance(value, list | tuple)


def _as_values(value: object, what: str) -> torch.Tensor:
    """Numbers in a tensor, a list or a tuple, as a float64 tensor; finite."""
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{what} must hold real numbers, got {describe(value)}")
        values = value.detach().to(torch.float64)
    else:
        try:
            values = torch.tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(
                f"{what} must be a number, a tensor, or a (nested) list of numbers, "
                f"got {describe(value)}"
            ) from exc
    if not torch.isfinite(values).all():
        raise ValueError(f"{what} must be finite, got {values.tolist()}")
    return values


def _listed(values: torch.Tensor) -> str:
    """A small tensor as the book prints it: [[4, 1], [1, 3]]."""
    if values.dim() == 0:
        return fmt(values.item())
    return "[" + ", ".join(_listed(row) for row in values) + "]"


def _check_values(
    actual: object, expected: object, name: str, atol: float, rtol: float
) -> CheckResult:
    got = _as_values(actual, f"the computed value of {name}")
    want = _as_values(expected, f"the expected value of {name}")
    if got.shape != want.shape:
        raise ValueError(
            f"{name}: the computed value has shape {tuple(got.shape)} but the stated "
            f"one {tuple(want.shape)}"
        )
    diff = (got - want).abs()
    bad = diff > atol + rtol * want.abs()
    if bad.any():
        first = tuple(int(i) for i in bad.nonzero()[0])
        raise CheckFailed(
            f"{name}: {int(bad.sum())} of {got.numel()} values differ from what the "
            f"book states; the first at index {first}: computed {got[first].item()!r}, "
            f"stated {want[first].item()!r} (tolerance: atol={atol:g}, rtol={rtol:g})"
        )
    if got.numel() <= 12:
        line = f"{name}: {_listed(got)}, expected {_listed(want)} ✓"
    else:
        largest = fmt(diff.max().item()) if diff.numel() else "0"
        line = (
            f"{name}: all {got.numel()} values as expected "
            f"(largest difference {largest}) ✓"
        )
    return CheckResult((line,), tuple(got.reshape(-1).tolist()))


def check_value(
    actual: float | torch.Tensor | Sequence[Any],
    expected: float | torch.Tensor | Sequence[Any],
    *,
    name: str,
    atol: float = 1e-8,
    rtol: float = 1e-6,
) -> CheckResult:
    """Check a value the book states: a number, or a vector or matrix of them.

    ``actual`` and ``expected`` are numbers, tensors or (nested) lists; several
    numbers are compared one by one and must have the same shape. Up to 12 numbers
    are printed; more are summarised by their largest difference.

    Examples
    --------
    >>> print(check_value(torch.tensor(2.0) ** 2, 4.0, name="y = x^2 at x = 2"))
    y = x^2 at x = 2: 4, expected 4 ✓
    >>> J = torch.tensor([[4.0, 1.0], [1.0, 3.0]])
    >>> print(check_value(J, [[4, 1], [1, 3]], name="J(1, 2)"))
    J(1, 2): [[4, 1], [1, 3]], expected [[4, 1], [1, 3]] ✓
    >>> x = torch.linspace(-1, 1, 101)
    >>> print(check_value(2 * x, x + x, name="2x at 101 points"))
    2x at 101 points: all 101 values as expected (largest difference 0) ✓
    """
    if _is_many(actual) or _is_many(expected):
        atol = require_tolerance(atol, "atol")
        rtol = require_tolerance(rtol, "rtol")
        return _check_values(actual, expected, name, atol, rtol)
    got = require_number(actual, f"the computed value of {name}")
    want = require_number(expected, f"the expected value of {name}")
    atol = require_tolerance(atol, "atol")
    rtol = require_tolerance(rtol, "rtol")
    if not _close(got, want, atol, rtol):
        raise CheckFailed(
            f"{name}: computed {got!r}, but the book states {want!r} "
            f"(tolerance: atol={atol:g}, rtol={rtol:g})"
        )
    return CheckResult((f"{name}: {fmt(got)}, expected {fmt(want)} ✓",), (got,))


Claim = bool | str | None


def _as_claim(value: object, what: str, tensors: bool) -> Claim:
    """A stated or computed fact: True/False, a text (a name), or None; ``tensors``:
    a one-element bool tensor counts too (a computed fact, never a stated one)."""
    if tensors and isinstance(value, torch.Tensor):
        if value.dtype != torch.bool or value.numel() != 1:
            raise TypeError(
                f"{what} must be True, False, a text or None (a one-element bool "
                f"tensor also counts); got {describe(value)}. Numbers and tensors "
                "of numbers are checked with check_value."
            )
        return bool(value.item())
    if value is None or isinstance(value, bool | str):
        return value
    hint = (
        " Numbers are checked with check_value."
        if isinstance(value, int | float | complex)
        else ""
    )
    raise TypeError(
        f"{what} must be True, False, a text or None; got {describe(value)}.{hint}"
    )


def _shown(value: Claim) -> str:
    return str(value)  # True, False, None, or the text itself


def check_claim(
    actual: bool | str | torch.Tensor | None,
    expected: bool | str | None,
    *,
    name: str,
) -> CheckResult:
    """Check a fact the book states that is not a number: yes or no, a name, or None.

    The prose of a tutorial claims behaviour ("``x`` is a leaf", "the node is a
    ``PowBackward0``", "``.detach()`` shares memory with its source"); the code
    computes the fact and this check holds it to the claim, so the page cannot say
    what PyTorch does not do.

    Parameters
    ----------
    actual
        What the code found: ``True`` or ``False`` (also a one-element bool tensor,
        such as ``torch.equal``'s or ``(a == b).all()``'s result), a text such as a
        class name, or ``None``.
    expected
        What the book states: ``True``, ``False``, a text, or ``None``. The two must
        be equal in type and value (``"None"`` is not ``None``, ``1`` is not ``True``).
    name
        The claim in words, as it is printed on the page.

    Raises
    ------
    CheckFailed
        When ``actual`` differs from ``expected``.
    TypeError
        When either is a number (use :func:`check_value`) or another kind of object.

    Examples
    --------
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> print(check_claim(x.is_leaf, True, name="x is a leaf"))
    x is a leaf: True, expected True ✓
    >>> y = x * 0.01
    >>> print(check_claim(y.is_leaf, False, name="x * 0.01 is a leaf"))
    x * 0.01 is a leaf: False, expected False ✓
    >>> print(check_claim(type(y.grad_fn).__name__, "MulBackward0", name="y.grad_fn"))
    y.grad_fn: MulBackward0, expected MulBackward0 ✓
    >>> print(check_claim(x.grad_fn, None, name="x.grad_fn"))
    x.grad_fn: None, expected None ✓
    """
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name must be the claim in words, got {describe(name)}")
    want = _as_claim(expected, f"the stated value of {name!r}", tensors=False)
    got = _as_claim(actual, f"the computed value of {name!r}", tensors=True)
    if type(got) is not type(want) or got != want:
        raise CheckFailed(
            f"{name}: the book states {want!r}, but the code gives {got!r}"
        )
    return CheckResult((f"{name}: {_shown(got)}, expected {_shown(want)} ✓",), ())
