"""gradbook.exercises.check_answer: the reader's one-call answer check."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gradbook import EXERCISES, AnswerResult, Exercise, Formula, check_answer


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


# -- Exercises a page defines: any answer that sympy or torch computes --------------


def _twice():
    x = torch.tensor(3.0, requires_grad=True)
    (x**2).backward()
    (x**2).backward()
    return x.grad


TWICE = Exercise(
    "two-backward",
    "What is x.grad after calling backward() twice on y = x^2 at x = 3?",
    asks="x.grad after two backward() calls",
    compute=_twice,
)


def test_a_page_passes_its_own_exercise():
    assert "two-backward" not in EXERCISES  # the registry need not know it
    assert TWICE.expected() == 12
    assert str(check_answer(TWICE, 12)) == (
        "Correct: x.grad after two backward() calls is 12."
    )
    assert str(check_answer(TWICE, 6)) == (
        "Not quite: expected 12, you gave 6 (off by 6)."
    )
    assert str(check_answer(TWICE, None)) == (
        "No answer yet: set your answer to x.grad after two backward() calls "
        "(a number, e.g. 2.5) and run again."
    )


@pytest.mark.parametrize(
    "answer", [12, 12.0, torch.tensor(12.0), torch.tensor([12.0]), [12], np.float32(12)]
)
def test_a_number_in_any_form(answer):
    result = check_answer(TWICE, answer)
    assert result.correct and result.given == 12.0 and result.expected == 12.0


def test_tensors_inside_a_list_are_read_as_numbers():
    # A reader passes the parameters themselves, which require grad: no warning
    # (pytest turns warnings into errors), and the same verdict as for numbers.
    w = torch.tensor(2.5, requires_grad=True)
    b = torch.tensor(0.5, requires_grad=True)
    pair = Exercise("pair", "?", asks="(w, b)", compute=lambda: [2.5, 0.5])
    assert str(check_answer(pair, (w, b))) == "Correct: (w, b) is [2.5, 0.5]."
    assert not check_answer(pair, [w, torch.tensor(0.6)]).correct
    rows = [torch.tensor([3.0, 2.0]), torch.tensor([1.0, 1.0], requires_grad=True)]
    assert check_answer(JACOBIAN, rows).correct


def test_the_value_of_a_formula_is_computed_by_sympy():
    ex = Exercise.value(
        "backprop-value", "f(2)?", "log(x**2)*sin(x) + 1/x", at={"x": 2.0}
    )
    exact = math.log(4) * math.sin(2) + 0.5
    assert ex.expected() == pytest.approx(exact, rel=1e-15)
    assert str(check_answer(ex, exact)) == "Correct: y at x = 2 is 1.76055."
    assert not check_answer(ex, 1.7).correct
    two = Exercise.value("uv", "?", "u*v + (u*v)**2", at={"u": 2, "v": 1}, asks="f")
    assert str(check_answer(two, 6)) == "Correct: f is 6."
    assert Exercise.value("uv", "?", "u*v", at={"u": 2, "v": 1}).asks == (
        "f at u = 2, v = 1"
    )


JACOBIAN = Exercise(
    "jacobian",
    "What is the Jacobian of (x0 * x1, x0 + x1) at x = (2, 3)?",
    asks="the Jacobian at (2, 3)",
    compute=lambda: torch.func.jacrev(lambda x: torch.stack([x[0] * x[1], x.sum()]))(
        torch.tensor([2.0, 3.0])
    ),
)


def test_a_matrix():
    assert str(check_answer(JACOBIAN, [[3, 2], [1, 1]])) == (
        "Correct: the Jacobian at (2, 3) is [[3, 2], [1, 1]]."
    )
    assert str(check_answer(JACOBIAN, torch.tensor([[3, 2], [1.5, 1]]))) == (
        "Not quite: 1 of 4 numbers differ; at index (1, 0), expected 1, "
        "you gave 1.5 (off by 0.5)."
    )
    assert str(check_answer(JACOBIAN, None)) == (
        "No answer yet: set your answer to the Jacobian at (2, 3) (a 2×2 matrix: a "
        "list of 2 rows of 2 numbers, or a tensor of shape (2, 2)) and run again."
    )
    with pytest.raises(ValueError, match=r"must be a 2×2 matrix.*got shape \(4,\)"):
        check_answer(JACOBIAN, [3, 2, 1, 1])
    with pytest.raises(TypeError, match="your answer must be numbers, got str"):
        check_answer(JACOBIAN, "[[3, 2], [1, 1]]")


def test_a_long_vector_is_summarised():
    ex = Exercise("ramp", "?", asks="2x", compute=lambda: 2 * torch.arange(20.0))
    assert str(check_answer(ex, np.arange(20) * 2)) == (
        "Correct: 2x is all 20 numbers as expected."
    )
    assert str(check_answer(ex, None)).endswith(
        "(20 numbers: a list, or a tensor of shape (20,)) and run again."
    )


LEAF = Exercise(
    "scaled-leaf",
    "w = torch.ones(2, requires_grad=True) * 0.01: is w a leaf?",
    asks="w.is_leaf",
    compute=lambda: (torch.ones(2, requires_grad=True) * 0.01).is_leaf,
)


def test_true_or_false():
    assert str(check_answer(LEAF, False)) == "Correct: w.is_leaf is False."
    assert (
        str(check_answer(LEAF, torch.tensor(False))) == "Correct: w.is_leaf is False."
    )
    assert str(check_answer(LEAF, np.bool_(False))) == "Correct: w.is_leaf is False."
    assert str(check_answer(LEAF, True)) == "Not quite: expected False, you gave True."
    assert str(check_answer(LEAF, None)) == (
        "No answer yet: set your answer to w.is_leaf (True or False) and run again."
    )
    for answer in (0, 0.0, "False", [False]):
        with pytest.raises(TypeError, match="your answer must be True or False"):
            check_answer(LEAF, answer)


def test_text():
    ex = Exercise(
        "node",
        "Which node does (x * 2).grad_fn name?",
        asks="the node",
        compute=lambda: type((torch.ones(1, requires_grad=True) * 2).grad_fn).__name__,
    )
    assert (
        str(check_answer(ex, " MulBackward0 ")) == "Correct: the node is MulBackward0."
    )
    assert not check_answer(ex, "mulbackward0").correct
    with pytest.raises(TypeError, match="your answer must be text"):
        check_answer(ex, 3)


def test_nan_and_infinity_are_answers_too():
    def hand_norm_grad():
        x = torch.zeros(3, requires_grad=True)
        torch.sqrt((x**2).sum()).backward()
        return x.grad

    nan = Exercise("nan", "?", asks="x.grad", compute=hand_norm_grad)
    assert (
        str(check_answer(nan, [math.nan] * 3)) == "Correct: x.grad is [nan, nan, nan]."
    )
    assert str(check_answer(nan, [0, 0, 0])) == (
        "Not quite: 3 of 3 numbers differ; at index 0, expected nan, you gave 0."
    )
    inf = Exercise(
        "inf",
        "?",
        asks="d sqrt(x)/dx at 0",
        compute=lambda: torch.func.grad(torch.sqrt)(torch.tensor(0.0)),
    )
    assert check_answer(inf, math.inf).correct
    assert not check_answer(inf, -math.inf).correct
    assert str(check_answer(inf, 1e300)) == (
        "Not quite: expected inf, you gave 1e+300."
    )


# -- An answer that is run: the reader's own function -------------------------------


def _gradient_at_half(sigmoid):
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    sigmoid(x).backward()
    return x.grad


SIGMOID = Exercise(
    "my-sigmoid",
    "Write sigmoid(x) = 1 / (1 + exp(-x)) with torch operations.",
    asks="the gradient of your sigmoid at x = 0.5",
    compute=lambda: _gradient_at_half(torch.sigmoid),
    apply=_gradient_at_half,
    form="your sigmoid, a function of a tensor",
)


def test_the_readers_function_is_run_and_compared_with_torch():
    assert str(check_answer(SIGMOID, None)) == (
        "No answer yet: set your answer to your sigmoid, a function of a tensor, "
        "and run again."
    )
    right = check_answer(SIGMOID, lambda x: 1 / (1 + torch.exp(-x)))
    assert right.correct
    assert right.expected == pytest.approx(math.exp(-0.5) / (1 + math.exp(-0.5)) ** 2)
    wrong = check_answer(SIGMOID, lambda x: torch.exp(-x) / (1 + torch.exp(-x)))
    assert str(wrong).startswith("Not quite: expected 0.235004, your answer gives ")
    run = Exercise(
        "run", "?", asks="f()", compute=lambda: 1.0, apply=lambda f: f(), form="f"
    )
    assert check_answer(run, lambda: 1.0).correct
    with pytest.raises(ValueError, match=r"what your answer gives \(f\(\)\) must"):
        check_answer(run, lambda: [1.0, 2.0])
    with pytest.raises(TypeError, match=r"what your answer gives \(f\(\)\) must"):
        check_answer(run, lambda: "1")


def test_an_engine_of_your_own():
    # Issue 15's exercise: the reader adds sigmoid to a home-made scalar engine; the
    # page runs it there and compares with PyTorch's gradient.
    class Value:
        def __init__(self, data):
            self.data, self.grad = data, 0.0

    def engine_gradient(sigmoid):
        x = Value(0.5)
        out, backward = sigmoid(x)
        out.grad = 1.0
        backward()
        return x.grad

    def readers_sigmoid(x):
        out = Value(1 / (1 + math.exp(-x.data)))

        def backward():
            x.grad += out.data * (1 - out.data) * out.grad

        return out, backward

    ex = Exercise(
        "engine-sigmoid",
        "Add sigmoid to the engine.",
        asks="d sigmoid/dx at x = 0.5",
        compute=lambda: _gradient_at_half(torch.sigmoid),
        apply=engine_gradient,
        form="your sigmoid for Value",
    )
    assert str(check_answer(ex, readers_sigmoid)) == (
        "Correct: d sigmoid/dx at x = 0.5 is 0.235004."
    )


# -- Wrong answers are results; malformed ones and bad exercises are errors ---------


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        ("cubic", -7),
        ("partial-uv", (0, 0)),
        (TWICE, 1e9),
        (JACOBIAN, [[0, 0], [0, 0]]),
        (LEAF, True),
        (SIGMOID, torch.sin),
    ],
)
def test_a_wrong_answer_never_raises(exercise, answer):
    result = check_answer(exercise, answer)
    assert not result.correct and not result
    assert str(result).startswith("Not quite: ")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"atol": -1}, ValueError, "atol must be >= 0"),
        ({"rtol": "a"}, TypeError, "rtol must be a real number"),
        ({"atol": math.inf}, ValueError, "atol must be finite"),
    ],
)
def test_tolerances_are_checked(kwargs, error, match):
    for exercise in ("cubic", TWICE):
        with pytest.raises(error, match=match):
            check_answer(exercise, 7, **kwargs)


def test_tolerances_decide():
    assert not check_answer(TWICE, 12.01).correct
    assert check_answer(TWICE, 12.01, atol=0.02).correct
    assert check_answer(TWICE, 12.01, rtol=1e-3).correct


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"compute": 12.0}, TypeError, r"not the answer itself: a stored value"),
        ({"compute": None}, TypeError, r"needs either a formula .* or compute="),
        ({"asks": ""}, TypeError, r"needs asks=, what the answer is"),
        ({"apply": len}, TypeError, r"needs form=, what the reader gives"),
        ({"apply": 3, "form": "f"}, TypeError, r"apply must be a function"),
        ({"id": ""}, TypeError, r"id must be non-empty text"),
        ({"question": None}, TypeError, r"question must be non-empty text"),
    ],
)
def test_bad_exercises(kwargs, error, match):
    given = {
        "id": "x",
        "question": "?",
        "asks": "x",
        "compute": lambda: 1.0,
        **kwargs,
    }
    with pytest.raises(error, match=match):
        Exercise(**given)


def test_bad_derivative_exercises():
    with pytest.raises(ValueError, match=r"a value to each variable of 'u\*v'"):
        Exercise.derivative("d", "?", "u*v", at={"u": 1})
    with pytest.raises(TypeError, match=r"at must map each variable to a number"):
        Exercise.derivative("d", "?", "x**2", at=[1.0])
    with pytest.raises(ValueError, match=r"at\['x'\] must be finite"):
        Exercise.value("d", "?", "x**2", at={"x": math.nan})
    with pytest.raises(TypeError, match=r"formula must be a Formula, got int 3"):
        Exercise("d", "?", 3, {"x": 1})
    with pytest.raises(TypeError, match=r"needs either a formula .* or compute="):
        Exercise("d", "?", Formula("x"), {"x": 1}, compute=lambda: 1)


@pytest.mark.parametrize("returned", [{"a": 1}, None, object(), torch.tensor(1j)])
def test_a_computed_answer_of_no_known_kind_is_the_pages_error(returned):
    ex = Exercise("odd", "?", asks="it", compute=lambda: returned)
    with pytest.raises(TypeError, match=r"exercise 'odd'"):
        check_answer(ex, 1)


def test_ids_are_unique():
    from gradbook.exercises import _registry

    with pytest.raises(ValueError, match="two exercises have the id 'cubic'"):
        _registry([EXERCISES["cubic"], EXERCISES["cubic"]])


def test_an_exercise_prints_without_memory_addresses():
    assert "0x" not in repr(TWICE) and "0x" not in repr(SIGMOID)
