"""gradbook.exercises.check_answer: the reader's one-call answer check."""

from __future__ import annotations

import math

import pytest
import torch

from gradbook import EXERCISES, AnswerResult, Exercise, check_answer


def test_exercises_are_known_by_id():
    assert sorted(EXERCISES) == ["cubic", "partial-uv"]
    cubic = EXERCISES["cubic"]
    assert isinstance(cubic, Exercise)
    assert cubic.formula.text == "2x^3 + x" and cubic.at == {"x": 1.0}
    assert "2x^3 + x" in cubic.question


def test_expected_values_come_from_sympy():
    assert EXERCISES["cubic"].expected() == {"x": 7.0}
    assert EXERCISES["partial-uv"].expected() == {"u": 5.0, "v": 10.0}


@pytest.mark.parametrize(
    "answer", [7, 7.0, torch.tensor(7.0), torch.tensor([7.0]), {"x": 7}, [7.0]]
)
def test_cubic_correct(answer):
    result = check_answer("cubic", answer)
    assert isinstance(result, AnswerResult)
    assert result.correct and bool(result)
    assert str(result) == "Correct: dy/dx = 7 at x = 1."


def test_cubic_from_autograd_in_float32():
    x = torch.tensor(1.0, requires_grad=True)
    (2 * x**3 + x).backward()
    assert check_answer("cubic", x.grad).correct


def test_cubic_wrong_says_how_far_off():
    result = check_answer("cubic", 6)
    assert not result.correct
    assert str(result) == "Not quite: expected 7, you gave 6 (off by 1)."
    assert str(check_answer("cubic", 7.5)) == (
        "Not quite: expected 7, you gave 7.5 (off by 0.5)."
    )


@pytest.mark.parametrize(
    "answer", [(5, 10), [5.0, 10.0], {"v": 10, "u": 5}, torch.tensor([5.0, 10.0])]
)
def test_partial_correct(answer):
    result = check_answer("partial-uv", answer)
    assert result.correct
    assert str(result) == "Correct: ∂f/∂u = 5 and ∂f/∂v = 10 at u = 2, v = 1."


def test_partial_wrong():
    assert str(check_answer("partial-uv", (10, 5))) == (
        "Not quite: for ∂f/∂u expected 5, you gave 10 (off by 5); "
        "for ∂f/∂v expected 10, you gave 5 (off by 5)."
    )
    assert str(check_answer("partial-uv", {"u": 5, "v": 9})) == (
        "Not quite: for ∂f/∂v expected 10, you gave 9 (off by 1); ∂f/∂u = 5 is right."
    )


@pytest.mark.parametrize(
    ("exercise", "answer", "error", "match"),
    [
        (1, 7, TypeError, r"exercise must be an exercise's id .*got int 1"),
        ("square", 7, ValueError, r"no exercise 'square'; .*\['cubic', 'partial-uv'\]"),
        ("cubic", "7", TypeError, r"'cubic' expects a number, e.g. 2.5, got str '7'"),
        ("cubic", "", TypeError, r"'cubic' expects a number"),
        ("cubic", True, TypeError, r"'cubic' expects a number"),
        ("cubic", math.nan, ValueError, r"your answer must be finite, got nan"),
        ("cubic", torch.tensor([7.0, 1.0]), ValueError, r"expects 1 number\(s\)"),
        ("cubic", torch.tensor(7j), TypeError, r"must be real numbers"),
        ("partial-uv", 5, TypeError, r"expects a pair in the order \('u', 'v'\)"),
        ("partial-uv", (5,), ValueError, r"expects 2 number\(s\) \(u, v\), got 1"),
        ("partial-uv", {"u": 5}, ValueError, r"your dict has the keys \['u'\]"),
        (
            "partial-uv",
            (5, "10"),
            TypeError,
            r"your answer for v must be a real number",
        ),
    ],
)
def test_bad_answers(exercise, answer, error, match):
    with pytest.raises(error, match=match):
        check_answer(exercise, answer)


def test_a_notebook_shows_the_sentence():
    from IPython.lib.pretty import pretty

    assert pretty(check_answer("cubic", 7)) == "Correct: dy/dx = 7 at x = 1."


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_no_answer_yet_says_what_to_give_without_giving_it_away(exercise):
    result = check_answer(exercise, None)
    assert not result.correct
    assert str(result).startswith("No answer yet: set your answer to ")
    for value in EXERCISES[exercise].expected().values():
        assert f"{value:g}" not in str(result).split(" at ")[0]
    assert " at " in str(result)  # names the point
