"""Check the backward of a custom ``torch.autograd.Function`` in plain words.

:func:`~gradbook.check_backward` runs :func:`torch.autograd.gradcheck` in float64 (where finite
differences are accurate) and, when the backward is wrong, says so in words a reader
can act on: which input, what the backward gave, what finite differences give, and
whether the backward ignores ``grad_output`` (the usual mistake: it breaks the chain
rule as soon as the function is not the last operation).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from numbers import Real
from typing import Any

import torch
from torch.autograd.gradcheck import GradcheckError

from gradbook._validate import describe, require_callable
from gradbook.check import CheckFailed, CheckResult

__all__ = ["check_backward"]

CHAIN_RULE_HINT = (
    "A backward must return grad_output times the local derivative (the chain rule): "
    "for y = x**2 that is grad_output * 2 * x, not 2 * x. A backward that ignores "
    "grad_output is right only when the function is the last operation."
)


def _callable_name(fn: Callable[..., Any]) -> str:
    owner = getattr(fn, "__self__", None)
    if inspect.ismethod(fn) and isinstance(owner, type):
        return f"{owner.__name__}.{fn.__name__}"  # e.g. SQ.apply
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    return "the function" if "<lambda>" in name else name


def _float64_input(value: object, position: int) -> torch.Tensor:
    what = f"input {position}"
    if isinstance(value, torch.Tensor):
        if not value.is_floating_point():
            raise TypeError(
                f"{what} must hold real floating-point numbers (e.g. "
                f"torch.tensor([1.0, 2.0])), got {describe(value)}"
            )
        if value.numel() == 0:
            raise ValueError(f"{what} is empty: gradcheck needs at least one number")
        if not torch.isfinite(value).all():
            raise ValueError(f"{what} contains NaN or infinite values")
        return value.detach().to(torch.float64).clone().requires_grad_(True)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{what} must be a tensor or a real number, got {describe(value)}"
        )
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{what} must be finite, got {number}")
    return torch.tensor(number, dtype=torch.float64, requires_grad=True)


def _outputs(out: object, name: str) -> tuple[torch.Tensor, ...]:
    outs = out if isinstance(out, tuple) else (out,)
    if not outs or not all(isinstance(o, torch.Tensor) for o in outs):
        raise TypeError(
            f"{name} must return a tensor (or a tuple of tensors), got {describe(out)}"
        )
    if not any(o.requires_grad for o in outs):
        raise ValueError(
            f"{name} returned a result that does not depend on its inputs through "
            "autograd (requires_grad=False); is the backward connected (call "
            "YourFunction.apply, not forward)?"
        )
    return outs


def _vjp(
    outs: tuple[torch.Tensor, ...], inputs: tuple[torch.Tensor, ...], scale: float
) -> tuple[torch.Tensor | None, ...]:
    """The gradients of the inputs when every grad_output is ``scale``."""
    live = [o for o in outs if o.requires_grad]
    return torch.autograd.grad(
        live,
        inputs,
        [torch.full_like(o, scale) for o in live],
        retain_graph=True,
        allow_unused=True,
    )


def _ignores_grad_output(
    once: tuple[torch.Tensor | None, ...], twice: tuple[torch.Tensor | None, ...]
) -> bool:
    """Does doubling grad_output fail to double the gradient? (chain rule broken)"""
    return any(
        a is not None and b is not None and not torch.allclose(2 * a, b)
        for a, b in zip(once, twice, strict=True)
    )


_MISMATCH = re.compile(
    r"Jacobian mismatch for output (\d+) with respect to input (\d+),\s*"
    r"numerical:(.*?)\s*analytical:(.*?)\s*(?:\n\n|$)",
    re.DOTALL,
)


def _matrix(text: str) -> str:
    """torch's printed Jacobian on one line, without 'tensor(' and the dtype."""
    text = " ".join(text.split())
    text = re.sub(r", dtype=torch\.float64\)$", ")", text)
    return text[len("tensor(") : -1] if text.startswith("tensor(") else text


def _explain(error: str | None, name: str, ignores: bool) -> str:
    """The CheckFailed message: what differs, then what to do about it."""
    if error is None:  # gradcheck passed, but doubling grad_output did not double
        lines = [
            f"{name}: the backward is wrong inside a larger computation; gradcheck "
            "alone passes only because it calls the backward with grad_output = 1."
        ]
    else:
        lines = [
            f"{name}: the backward disagrees with finite differences "
            "(torch.autograd.gradcheck failed in float64)."
        ]
        found = _MISMATCH.search(error)
        if found:
            out, inp, numerical, analytical = found.groups()
            lines += [
                f"  derivative of output {out} with respect to input {inp} "
                "(as gradcheck prints it: one row per input element, one column per "
                "output element, the transpose of the book's J):",
                f"    from finite differences: {_matrix(numerical)}",
                f"    from your backward:      {_matrix(analytical)}",
            ]
        else:
            first = error.strip().splitlines()[0] if error.strip() else "(no message)"
            lines.append(f"  gradcheck says: {first}")
    if ignores:
        lines.append(
            "  Your backward ignores grad_output: doubling grad_output did not double "
            "the gradient."
        )
    lines.append("  " + CHAIN_RULE_HINT)
    return "\n".join(lines)


def check_backward(
    fn: Callable[..., Any], *inputs: torch.Tensor | float, name: str | None = None
) -> CheckResult:
    """Check a backward (e.g. of a custom ``torch.autograd.Function``) with gradcheck.

    The inputs are copied to float64 tensors that require grad, then
    :func:`torch.autograd.gradcheck` compares the Jacobian from the backward with
    finite differences. A wrong backward raises :class:`~gradbook.CheckFailed`
    that explains the mismatch in plain words.

    Parameters
    ----------
    fn
        The function to check, e.g. ``Square.apply`` or
        ``lambda x: Square.apply(x) * 3``.
    *inputs
        One tensor (or real number) per argument of ``fn``.
    name
        How to call ``fn`` in messages; by default its name.

    Examples
    --------
    >>> class Square(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x**2
    ...
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return grad_output * 2 * x
    >>> print(check_backward(Square.apply, torch.tensor([1.0, 2.0, 3.0])))
    Square.apply: backward agrees with finite differences at 1 input of 3 numbers ✓
    """
    fn = require_callable(fn, "fn")
    label = name if name is not None else _callable_name(fn)
    if not isinstance(label, str):
        raise TypeError(f"name must be text, got {describe(label)}")
    if not inputs:
        raise TypeError(
            "check_backward needs at least one input after fn, e.g. "
            "check_backward(Square.apply, torch.tensor([1.0, 2.0]))"
        )
    xs = tuple(_float64_input(v, i) for i, v in enumerate(inputs))
    outs = _outputs(fn(*xs), label)
    for o in outs:
        if not torch.isfinite(o.detach()).all():
            raise ValueError(f"{label} returns NaN or infinite values at these inputs")
    once = _vjp(outs, xs, 1.0)  # the sum trick: the gradient of every output's sum
    ignores = _ignores_grad_output(once, _vjp(outs, xs, 2.0))
    try:
        torch.autograd.gradcheck(fn, xs, raise_exception=True)
    except GradcheckError as exc:
        raise CheckFailed(_explain(str(exc), label, ignores)) from None
    if ignores:  # gradcheck passed, yet the chain rule is broken
        raise CheckFailed(_explain(None, label, ignores))
    values = tuple(
        float(v) for g in once if g is not None for v in g.detach().reshape(-1)
    )
    count = sum(x.numel() for x in xs)
    plural = "input" if len(xs) == 1 else "inputs"
    line = (
        f"{label}: backward agrees with finite differences at {len(xs)} {plural} of "
        f"{count} number{'s' if count != 1 else ''} ✓"
    )
    return CheckResult((line,), values)
