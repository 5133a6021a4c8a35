"""gradbook.errors: expect_error and expect_warning show an expected error or warning,
and fail when it stops."""

from __future__ import annotations

import warnings

import pytest
import torch

from gradbook import CheckFailed, expect_error, expect_warning


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


# -- expect_warning ------------------------------------------------------------------


def test_expect_warning_prints_each_warning_s_first_sentence(capsys):
    x = torch.tensor(2.0, requires_grad=True)
    y = x * 3
    with expect_warning(UserWarning, match="not a leaf Tensor") as caught:
        y.grad  # noqa: B018
    out = capsys.readouterr().out
    # PyTorch's message goes on with "(Triggered internally at /path/...)": not shown.
    assert out == (
        "UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is "
        "being accessed.\n"
    )
    assert caught.category is UserWarning
    assert "retain_grad" in caught.message
    assert len(caught.warnings) == 1


def test_expect_warning_shows_no_path_of_a_traceback(capsys):
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    with (
        expect_warning(UserWarning, match="Error detected in SqrtBackward0"),
        expect_error(RuntimeError, match="returned nan values"),
        torch.autograd.detect_anomaly(),
    ):
        torch.where(x > 0, torch.sqrt(x), 0.0).sum().backward()
    out = capsys.readouterr().out
    assert "Error detected in SqrtBackward0.\n" in out
    assert "Anomaly Detection has been enabled." in out
    assert "/" not in out and "File" not in out


def test_expect_warning_fails_without_the_warning(capsys):
    with (
        pytest.raises(
            CheckFailed, match="expected UserWarning, but the block emitted no"
        ),
        expect_warning(UserWarning),
    ):
        pass
    with (
        pytest.raises(CheckFailed, match=r"warned only: DeprecationWarning: old\."),
        expect_warning(UserWarning),
    ):
        warnings.warn("old. Use new.", DeprecationWarning, stacklevel=1)
    with (
        pytest.raises(CheckFailed, match="UserWarning containing 'needle'"),
        expect_warning(UserWarning, match="needle"),
    ):
        warnings.warn("hay", UserWarning, stacklevel=1)
    assert capsys.readouterr().out == ""


def test_expect_warning_lets_an_error_through_and_restores_the_filters():
    before = list(warnings.filters)
    with pytest.raises(KeyError), expect_warning(UserWarning):
        raise KeyError("k")
    assert warnings.filters == before


def test_expect_warning_refuses_a_non_warning_category():
    with pytest.raises(TypeError, match="warning class such as UserWarning"):
        expect_warning(ValueError)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="match must be text"):
        expect_warning(UserWarning, match=3)  # type: ignore[arg-type]
