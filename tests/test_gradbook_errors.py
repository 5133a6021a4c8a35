"""gradbook.errors.expect_error: shows an expected error, fails when it stops."""

from __future__ import annotations

import pytest
import torch

from gradbook import CheckFailed, expect_error


def test_prints_type_and_first_line(capsys):
    with expect_error(RuntimeError, match="floating point") as caught:
        torch.tensor(2, requires_grad=True)
    out = capsys.readouterr().out
    assert out == (
        "RuntimeError: Only Tensors of floating point and complex dtype can require "
        "gradients\n"
    )
    assert isinstance(caught.exception, RuntimeError)
    assert caught.message.startswith("Only Tensors of floating point")


def test_only_the_first_line_is_printed(capsys):
    with expect_error(ValueError):
        raise ValueError("first line\nsecond line")
    assert capsys.readouterr().out == "ValueError: first line\n"


def test_subclass_counts():
    with expect_error(ArithmeticError) as caught:
        1 / 0  # noqa: B018
    assert type(caught.exception) is ZeroDivisionError


def test_no_error_fails():
    with (
        pytest.raises(
            CheckFailed, match=r"expected RuntimeError containing 'x', but no"
        ),
        expect_error(RuntimeError, match="x"),
    ):
        pass


def test_wrong_message_fails(capsys):
    with (
        pytest.raises(CheckFailed, match=r"but the ValueError said: something else"),
        expect_error(ValueError, match="needle"),
    ):
        raise ValueError("something else")
    assert capsys.readouterr().out == ""


def test_another_exception_fails_and_keeps_the_original(capsys):
    # The page states which error happens: another one refutes the claim, like a
    # wrong number (a mutated exception type must fail as CheckFailed).
    wanted = r"expected ValueError, but the block raised KeyError: 'k'"
    with pytest.raises(CheckFailed, match=wanted) as info, expect_error(ValueError):
        raise KeyError("k")
    assert isinstance(info.value.__cause__, KeyError)
    assert capsys.readouterr().out == ""


def test_a_superclass_of_the_raised_error_is_not_enough():
    wanted = "expected ZeroDivisionError, but the block raised ArithmeticError"
    with pytest.raises(CheckFailed, match=wanted), expect_error(ZeroDivisionError):
        raise ArithmeticError("overflow")


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit])
def test_interrupts_and_exits_pass_through(exc):
    with pytest.raises(exc), expect_error(ValueError):
        raise exc()


def test_bad_arguments():
    with pytest.raises(TypeError, match="exc_type must be an exception class"):
        expect_error("RuntimeError")
    with pytest.raises(TypeError, match="exc_type must be an exception class"):
        expect_error(RuntimeError("x"))
    with pytest.raises(TypeError, match="match must be text or None, got int 3"):
        expect_error(RuntimeError, match=3)
