"""Pin the derivatives PyTorch returns where a function has no derivative.

Tutorial 11 (gallery/11_kinks.py) states these conventions; none of them is forced by
mathematics, so a PyTorch release may change one. These tests ask torch directly (not
through gradbook), so an upgrade that changes a convention fails here, naming it,
before the book states something stale. Values measured with torch 2.13.0.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch


def derivative_at(f: Callable[[torch.Tensor], torch.Tensor], at: float) -> float:
    x = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(f(x), x)
    return grad.item()


@pytest.mark.parametrize(
    ("name", "f", "at", "expected"),
    [
        ("torch.relu at 0", torch.relu, 0.0, 0.0),
        ("torch.nn.functional.relu at 0", torch.nn.functional.relu, 0.0, 0.0),
        ("torch.abs at 0", torch.abs, 0.0, 0.0),
        ("torch.clamp(min=0) at 0", lambda t: torch.clamp(t, min=0.0), 0.0, 1.0),
        (
            "torch.maximum(x, 1) at x = 1",
            lambda t: torch.maximum(t, torch.tensor(1.0, dtype=torch.float64)),
            1.0,
            0.5,
        ),
        # Away from the kinks: the ordinary derivative (guards the helper itself).
        ("torch.relu at -1", torch.relu, -1.0, 0.0),
        ("torch.relu at 1", torch.relu, 1.0, 1.0),
        ("torch.abs at -1", torch.abs, -1.0, -1.0),
    ],
)
def test_derivative_at_kink(
    name: str, f: Callable[[torch.Tensor], torch.Tensor], at: float, expected: float
) -> None:
    got = derivative_at(f, at)
    assert got == expected, (
        f"{name}: PyTorch now returns {got}, the book states {expected}"
    )


def test_maximum_tie_splits_gradient_evenly() -> None:
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    torch.maximum(a, b).backward()
    assert (a.grad.item(), b.grad.item()) == (0.5, 0.5)


def test_max_reduction_tie_shares_gradient_evenly() -> None:
    x = torch.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


def test_max_reduction_three_way_tie() -> None:
    x = torch.tensor([3.0, 1.0, 3.0, 3.0], dtype=torch.float64, requires_grad=True)
    x.max().backward()
    torch.testing.assert_close(
        x.grad, torch.tensor([1 / 3, 0.0, 1 / 3, 1 / 3], dtype=torch.float64)
    )


def test_max_with_dim_gives_all_gradient_to_returned_index() -> None:
    x = torch.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    values, index = torch.max(x, dim=0)
    values.backward()
    assert index.item() == 1
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 0.0]
