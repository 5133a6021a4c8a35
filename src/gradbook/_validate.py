"""Input checks shared by gradbook's public functions.

Each helper raises a TypeError or ValueError that says what was expected and what
came, so a reader never meets a deep NumPy or torch traceback for a simple mistake.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from typing import Any

import torch


def describe(obj: object) -> str:
    """A short description of a value for an error message."""
    if isinstance(obj, torch.Tensor):
        return f"a {obj.dtype} tensor of shape {tuple(obj.shape)}"
    text = repr(obj)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(obj).__name__} {text}"


def require_callable(f: object, name: str = "f") -> Callable[..., Any]:
    if not callable(f):
        raise TypeError(
            f"{name} must be a function of a tensor (e.g. lambda x: x**2), "
            f"got {describe(f)}"
        )
    return f


def require_number(value: object, name: str) -> float:
    """A finite real number given as a Python number or a one-element tensor."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a single number, got {describe(value)}")
        if value.is_complex():
            raise TypeError(f"{name} must be a real number, got {describe(value)}")
        value = value.detach().item()
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def require_tolerance(value: float, name: str) -> float:
    number = require_number(value, name)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {number}")
    return number


def require_step(value: object) -> float:
    """A finite-difference step: a relative size, positive and small."""
    number = require_number(value, "step")
    if not 0 < number <= 0.1:
        raise ValueError(
            f"step is the relative finite-difference step and must be in (0, 0.1] "
            f"(the default 1e-6 suits float64), got {number}"
        )
    return number


def scalar_output(out: object, what: str) -> torch.Tensor:
    """The output of a function that must return one number as a tensor."""
    if not isinstance(out, torch.Tensor):
        raise TypeError(
            f"{what} must return a torch tensor built from its input "
            f"(so autograd can follow it), got {describe(out)}"
        )
    if out.numel() != 1:
        raise ValueError(
            f"{what} must return a single number, got {describe(out)}. "
            "To differentiate every element, use the sum trick: "
            "differentiate out.sum(), or use check_elementwise()."
        )
    if not out.requires_grad:
        raise ValueError(
            f"{what} returned a tensor that does not depend on its input through "
            "autograd (requires_grad=False): build the output from the input tensor "
            "with torch operations, without .detach(), .item() or NumPy."
        )
    if not torch.isfinite(out).all():
        raise ValueError(f"{what} is not finite at this point: {out.item()}")
    return out.reshape(())
