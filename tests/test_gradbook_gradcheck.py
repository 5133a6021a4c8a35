"""gradbook.gradcheck.check_backward: a wrong backward is caught and explained."""

from __future__ import annotations

import math

import pytest
import torch

from gradbook import CheckFailed, CheckResult, check_backward


class Square(torch.autograd.Function):
    """x**2 with the right backward: grad_output times the local derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


class SquareIgnoringGradOutput(torch.autograd.Function):
    """The lab's SQ: its backward returns 2x and ignores grad_output."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * x


class Product(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, v):
        ctx.save_for_backward(u, v)
        return u * v

    @staticmethod
    def backward(ctx, grad_output):
        u, v = ctx.saved_tensors
        return grad_output * v, grad_output * u


def test_right_backward_passes():
    result = check_backward(Square.apply, torch.tensor([1.0, 2.0, 3.0]))
    assert isinstance(result, CheckResult)
    assert str(result) == (
        "Square.apply: backward agrees with finite differences "
        "at 1 input of 3 numbers ✓"
    )
    assert result.autograd == (2.0, 4.0, 6.0)


def test_right_backward_inside_a_larger_computation_passes():
    result = check_backward(lambda x: Square.apply(x) * 3, 2.0, name="3 SQ(x)")
    assert str(result).startswith("3 SQ(x): backward agrees")
    assert result.value == 12.0


def test_two_inputs_and_float32_inputs_are_cast_to_float64():
    u = torch.tensor([1.0, 2.0])  # float32: gradcheck needs float64
    result = check_backward(Product.apply, u, torch.tensor([3.0, 4.0]))
    assert "at 2 inputs of 4 numbers" in str(result)
    assert u.dtype == torch.float32 and not u.requires_grad  # the input is not modified


def test_wrong_backward_on_a_vector_is_caught_and_explained():
    with pytest.raises(CheckFailed) as info:
        check_backward(SquareIgnoringGradOutput.apply, torch.tensor([1.0, 2.0, 3.0]))
    message = str(info.value)
    assert message.startswith(
        "SquareIgnoringGradOutput.apply: the backward disagrees with finite differences"
    )
    assert "from finite differences: [[2.0000, 0.0000, 0.0000]," in message
    assert (
        "from your backward:      [[2., 2., 2.], [4., 4., 4.], [6., 6., 6.]]" in message
    )
    assert "Your backward ignores grad_output" in message
    assert (
        "must return grad_output times the local derivative (the chain rule)" in message
    )


def test_wrong_backward_inside_f_times_3_is_caught():
    with pytest.raises(CheckFailed) as info:
        check_backward(lambda x: SquareIgnoringGradOutput.apply(x) * 3, 2.0)
    message = str(info.value)
    assert message.startswith("the function: the backward disagrees")
    assert "from finite differences: [[12.0000]]" in message
    assert "from your backward:      [[4.]]" in message
    assert "ignores grad_output" in message


def test_wrong_backward_alone_on_a_scalar_is_caught():
    # Alone on one number, grad_output is 1 and the value happens to be right.
    with pytest.raises(CheckFailed, match="ignores grad_output"):
        check_backward(SquareIgnoringGradOutput.apply, 2.0)


def test_wrong_local_derivative_is_caught():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 2 * x**2  # should be 3x^2

    with pytest.raises(CheckFailed) as info:
        check_backward(Cube.apply, torch.tensor([1.0, 2.0]))
    assert "Your backward ignores grad_output" not in str(info.value)
    assert "from your backward:      [[2., 0.], [0., 8.]]" in str(info.value)


@pytest.mark.parametrize(
    ("fn", "inputs", "error", "match"),
    [
        ("Square", (torch.ones(2),), TypeError, r"fn must be a function .*got str"),
        (Square.apply, (), TypeError, r"needs at least one input after fn"),
        (
            Square.apply,
            (torch.tensor([1, 2]),),
            TypeError,
            r"input 0 must hold real .*int64",
        ),
        (Square.apply, (torch.tensor([1j]),), TypeError, r"input 0 must hold real"),
        (Square.apply, ("2",), TypeError, r"input 0 must be a tensor or a real number"),
        (Square.apply, (torch.tensor([]),), ValueError, r"input 0 is empty"),
        (Square.apply, (torch.tensor([math.nan]),), ValueError, r"NaN or infinite"),
        (Square.apply, (math.inf,), ValueError, r"input 0 must be finite"),
        (lambda x: 3.0, (1.0,), TypeError, r"must return a tensor .*got float 3.0"),
        (lambda x: x.detach(), (1.0,), ValueError, r"does not depend on its inputs"),
        (torch.log, (-1.0,), ValueError, r"returns NaN or infinite values"),
    ],
)
def test_bad_input(fn, inputs, error, match):
    with pytest.raises(error, match=match):
        check_backward(fn, *inputs)


def test_bad_name():
    with pytest.raises(TypeError, match="name must be text"):
        check_backward(Square.apply, 1.0, name=3)


def test_backward_not_linear_in_grad_output_is_caught_when_gradcheck_passes():
    # grad_output**2 is 1 when grad_output is 1 and 0 when it is 0: gradcheck alone
    # does not see it, doubling grad_output does.
    class SquaredGradOutput(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output**2 * 2 * x

    with pytest.raises(CheckFailed) as info:
        check_backward(SquaredGradOutput.apply, 2.0)
    assert "gradcheck alone passes only because" in str(info.value)
    assert "doubling grad_output did not double the gradient" in str(info.value)
