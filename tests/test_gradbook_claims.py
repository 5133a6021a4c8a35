"""gradbook.check_claim: a stated fact that is not a number (yes/no, a name, None)."""

from __future__ import annotations

import re

import pytest
import torch

from gradbook import CheckFailed, CheckResult, check_claim


@pytest.mark.parametrize(
    ("actual", "expected", "line"),
    [
        (True, True, "c: True, expected True ✓"),
        (False, False, "c: False, expected False ✓"),
        ("PowBackward0", "PowBackward0", "c: PowBackward0, expected PowBackward0 ✓"),
        (None, None, "c: None, expected None ✓"),
        (torch.tensor(True), True, "c: True, expected True ✓"),
        (torch.tensor([False]), False, "c: False, expected False ✓"),
    ],
)
def test_a_true_claim_passes_with_one_line(actual, expected, line):
    result = check_claim(actual, expected, name="c")
    assert isinstance(result, CheckResult)
    assert str(result) == line
    assert result.autograd == ()


@pytest.mark.parametrize(
    ("actual", "expected", "message"),
    [
        (True, False, "c: the book states False, but the code gives True"),
        (False, True, "c: the book states True, but the code gives False"),
        ("MulBackward0", "PowBackward0", "states 'PowBackward0', but the code gives"),
        (None, "None", "c: the book states 'None', but the code gives None"),
        ("x", None, "c: the book states None, but the code gives 'x'"),
        (True, "True", "the book states 'True', but the code gives True"),
        (torch.tensor(False), True, "the book states True, but the code gives False"),
    ],
)
def test_a_false_claim_fails(actual, expected, message):
    with pytest.raises(CheckFailed, match=message):
        check_claim(actual, expected, name="c")


def test_the_value_of_a_claim_is_not_a_number():
    result = check_claim(True, True, name="c")
    with pytest.raises(ValueError, match="compared no number"):
        result.value  # noqa: B018


@pytest.mark.parametrize(
    ("actual", "expected", "message"),
    [
        (
            1,
            True,
            "computed value of 'c' must be True, False, a text or None; got "
            "int 1. Numbers are checked with check_value",
        ),
        (
            True,
            1.0,
            "stated value of 'c' must be True, False, a text or None; got "
            "float 1.0. Numbers are checked with check_value",
        ),
        (torch.tensor(1.0), True, "a torch.float32 tensor of shape ()"),
        (torch.tensor([True, False]), True, "a torch.bool tensor of shape (2,)"),
        ([True], True, "got list [True]"),
        (True, torch.tensor(True), "stated value of 'c' must be True, False"),
    ],
)
def test_bad_input_is_a_type_error(actual, expected, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        check_claim(actual, expected, name="c")


@pytest.mark.parametrize("name", [None, "", "  ", 3])
def test_the_claim_needs_words(name):
    with pytest.raises(TypeError, match="name must be the claim in words"):
        check_claim(True, True, name=name)


def test_name_is_keyword_only():
    with pytest.raises(TypeError):
        check_claim(True, True, "c")  # type: ignore[misc]
