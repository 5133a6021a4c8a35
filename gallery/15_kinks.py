"""
.. _tut-kinks:

Kinks: derivatives where there is none
======================================

Some of the most used functions in deep learning have corners. By the end you know
the rule PyTorch documents for the "derivative" at a kink, which number it returns at
the kink of ``relu``, ``abs`` and ``clamp`` and at a tie of ``max`` and ``maximum``
(and where it departs from its own rule), why a finite difference disagrees there,
and how this book's tests notice if PyTorch ever changes these numbers. (The
:doc:`notation page </notation>` recalls what a derivative is.)

:Assumes: :ref:`tut-activations`, :ref:`tut-jacobians`
"""

# %%
# The rule: the subgradient of minimum norm
# -----------------------------------------
# :math:`\mathrm{relu}(x) = \max(x, 0)` has slope 0 on the left and 1 on the right; at
# the :term:`kink` :math:`x = 0` there is no derivative. Every slope between the two,
# every number in :math:`[0, 1]`, is a :term:`subgradient` there: a line through the
# corner with that slope stays below the function. PyTorch has to return one number,
# and its autograd notes ("Gradients for non-differentiable functions") say which:
# where the function is differentiable, the derivative; where it is convex (at least
# locally), **the subgradient of minimum norm**, the one closest to 0 (it is the
# direction of steepest descent). For relu that is 0:
#
# .. math::
#
#    \mathrm{relu}'(x) = \begin{cases}
#    0 & x \le 0 \quad \text{(at 0: the subgradient closest to 0)} \\
#    1 & x > 0 \end{cases}
#
# For a convex kink of one variable, with slope :math:`a` on the left and :math:`b`
# on the right, the subgradients are :math:`[a, b]` and the one of minimum norm is 0
# when the interval contains 0, else its end nearer to 0. The helper below computes
# it, so each kink on this page can be compared with the rule.
import torch

import gradbook


def min_norm_subgradient(left_slope, right_slope):
    """The number in [left_slope, right_slope] closest to 0."""
    return min(max(0.0, left_slope), right_slope)


x = torch.tensor(0.0, requires_grad=True)
torch.relu(x).backward()
print("relu'(0) in PyTorch:", x.grad.item(), "| the rule:", min_norm_subgradient(0, 1))

# %%
print(gradbook.check_value(x.grad, min_norm_subgradient(0, 1), name="relu'(0) = rule"))
print(
    gradbook.check_derivative(
        torch.relu, at=0.0, expected=0.0, name="relu(x)", finite_difference=False
    )
)

# %%
# Away from the kink the derivative is the ordinary one, and finite differences agree:
for point, slope in [(-1.0, 0.0), (1.0, 1.0)]:
    print(
        gradbook.check_derivative(torch.relu, at=point, expected=slope, name="relu(x)")
    )

# %%
# At the kink a :term:`finite difference` is not a derivative: the central difference
# :math:`(\mathrm{relu}(h) - \mathrm{relu}(-h)) / 2h` is :math:`1/2` for every
# :math:`h`, the average of the two slopes. That is why the check above turns it off;
# with it on, the check refuses the point:
with gradbook.expect_error(gradbook.CheckFailed, match="finite difference") as caught:
    gradbook.check_derivative(torch.relu, at=0.0, expected=0.0, name="relu(x)")
print(caught.message.splitlines()[-1].strip())

# %%
# A function and its derivative, with the kink marked. The grid
# :math:`-2, -1.99, \ldots, 2` contains :math:`x = 0` exactly.
import matplotlib.pyplot as plt

grid = torch.arange(-200, 201, dtype=torch.float64) / 100


def plot_kink(f, kink, label, derivative_label, title):
    x = grid.clone().requires_grad_(True)
    y = f(x)
    (dydx,) = torch.autograd.grad(y.sum(), x)
    at = int((grid == kink).nonzero())
    with gradbook.style():
        ax = gradbook.plot_with_derivative(
            x, y, dydx, label=label, derivative_label=derivative_label, title=title
        )
        ax.plot(
            [kink],
            [dydx[at].item()],
            "o",
            color="#e0662b",
            markersize=10,
            label=f"PyTorch's value at x = {kink:g}: {dydx[at].item():g}",
        )
        ax.set_ylabel("value")
        ax.legend()  # Matplotlib picks a corner that covers no curve
    return dydx[at].item()


relu_at_0 = plot_kink(
    torch.relu,
    0.0,
    "relu(x)",
    "relu'(x) from autograd",
    "relu: slope 0, then 1; PyTorch picks 0",
)
plt.show()

# %%
print(gradbook.check_value(relu_at_0, 0.0, name="relu'(0) on the plotted grid"))

# %%
# ``abs`` at zero
# ---------------
# :math:`|x|` has slopes :math:`-1` and :math:`1`; every number in :math:`[-1, 1]` is
# a subgradient at 0, and the one of minimum norm is 0. That is what PyTorch returns
# (it computes the derivative as :math:`\mathrm{sign}(x)`, and
# :math:`\mathrm{sign}(0) = 0`). It is neither the slope of one side nor a split
# chosen by convention: it is the documented rule.
x = torch.tensor(0.0, requires_grad=True)
torch.abs(x).backward()
print("abs'(0) in PyTorch:", x.grad.item(), "| the rule:", min_norm_subgradient(-1, 1))

# %%
print(gradbook.check_value(x.grad, min_norm_subgradient(-1, 1), name="|x|'(0) = rule"))
print(
    gradbook.check_derivative(
        torch.abs, at=0.0, expected=0.0, name="|x|", finite_difference=False
    )
)

# %%
abs_at_0 = plot_kink(
    torch.abs,
    0.0,
    "|x|",
    "|x|' = sign(x) from autograd",
    "abs: slope -1, then 1; PyTorch picks 0",
)
plt.show()

# %%
print(gradbook.check_value(abs_at_0, 0.0, name="|x|'(0) on the plotted grid"))

# %%
# Where PyTorch departs from its rule
# -----------------------------------
# The number belongs to the *operation*, not to the mathematical function, and not
# every operation follows the documented rule today. ``torch.clamp(x, min=0)``
# computes exactly the values of ``relu``, so its subgradients at 0 are the same,
# :math:`[0, 1]`, with minimum norm 0.
#
# **Predict** before you run the cell: does ``clamp``'s derivative at 0 follow the
# rule, as ``relu``'s does?
x = torch.tensor(0.0, requires_grad=True)
torch.clamp(x, min=0.0).backward()
print("clamp(x, min=0)'(0):", x.grad.item(), "| the rule:", min_norm_subgradient(0, 1))

# %%
# It does not: its derivative at 0 is **1**.
rule = min_norm_subgradient(0, 1)
print(gradbook.check_value(x.grad, 1.0, name="d/dx clamp(x, min=0) at 0"))
print(gradbook.check_claim(x.grad.item() == rule, False, name="clamp follows the rule"))
print(
    gradbook.check_derivative(
        lambda t: torch.clamp(t, min=0.0),
        at=0.0,
        expected=1.0,
        name="clamp(x, min=0)",
        finite_difference=False,
    )
)

# %%
# Ties of ``torch.maximum``
# -------------------------
# ``torch.maximum(a, b)`` takes the larger of two tensors element by element. Where
# :math:`a = b` it **splits** the gradient, half to each. As a function of *both*
# inputs, that is the rule: the subgradients at a tie are the pairs :math:`(s, 1 - s)`
# for :math:`s` in :math:`[0, 1]`, and the shortest of them is
# :math:`(\tfrac12, \tfrac12)`.
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
torch.maximum(a, b).backward()
print("maximum(a, b) at a = b = 2: d/da =", a.grad.item(), "| d/db =", b.grad.item())

# %%
pairs = torch.stack([torch.linspace(0, 1, 101), 1 - torch.linspace(0, 1, 101)], dim=1)
shortest = pairs[pairs.norm(dim=1).argmin()]  # the subgradient of minimum norm
print(gradbook.check_value(shortest, [0.5, 0.5], name="min-norm (s, 1 - s)"))
print(
    gradbook.check_value([a.grad, b.grad], shortest, name="maximum(a, b): (d/da, d/db)")
)

# %%
# With a constant on one side, :math:`g(x) = \max(x, 1)` is a function of one
# variable with slope 0 left of 1 and slope 1 right of it. Its subgradient of minimum
# norm at :math:`x = 1` is 0, but the split still gives :math:`x` one half: here
# PyTorch departs from its rule.
one = torch.tensor(1.0, dtype=torch.float64)
max_at_1 = plot_kink(
    lambda t: torch.maximum(t, one),
    1.0,
    "max(x, 1)",
    "d/dx max(x, 1) from autograd",
    "maximum at a tie: PyTorch splits, 1/2",
)
plt.show()

# %%
rule = min_norm_subgradient(0, 1)
print(gradbook.check_value(max_at_1, 0.5, name="d/dx max(x, 1) at x = 1"))
print(gradbook.check_claim(max_at_1 == rule, False, name="max(x, 1) follows the rule"))

# %%
# Ties of ``max`` over a tensor
# -----------------------------
# ``x.max()`` (no ``dim``) returns the largest value. When several elements share it,
# the gradient is shared **evenly** among them: the subgradient of minimum norm (the
# subgradients put weights adding up to 1 on the tied elements, and equal weights
# are the shortest). With ``dim=``, ``torch.max`` also returns an index, and the whole
# gradient goes to that one element: a subgradient, but not the one of minimum norm.
x = torch.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
x.max().backward()
shared = x.grad.clone()
print("x.max() on (1, 3, 3, 2): gradient", shared.tolist())
x.grad = None
values, index = torch.max(x, dim=0)
values.backward()
picked = x.grad.clone()
print(f"torch.max(x, dim=0) picks index {index.item()}: gradient", picked.tolist())

# %%
name = "x.max(): the tied maxima share the gradient"
print(gradbook.check_value(shared, [0.0, 0.5, 0.5, 0.0], name=name))
print(
    gradbook.check_value(picked.sum(), 1.0, name="torch.max(x, dim=0): total gradient")
)
print(
    gradbook.check_value(
        picked[index], 1.0, name="torch.max(x, dim=0): all of it at the index"
    )
)
print(
    gradbook.check_claim(
        bool(picked.norm() > shared.norm()),
        True,
        name="torch.max(x, dim=0)'s gradient is longer than the shared one",
    )
)

# %%
positions = torch.arange(4)
with gradbook.style():
    fig, ax = plt.subplots(layout="constrained")
    ax.bar(
        positions - 0.2,
        shared.numpy(),
        width=0.4,
        color="#3b82c4",
        label="x.max(): shared",
    )
    ax.bar(
        positions + 0.2,
        picked.numpy(),
        width=0.4,
        color="#e0662b",
        label="torch.max(x, dim=0): one index",
    )
    ax.set_xticks(
        positions.tolist(), [f"x[{i}] = {v:g}" for i, v in enumerate(x.tolist())]
    )
    ax.set_xlabel("element (two tied at the maximum, 3)")
    ax.set_ylabel("gradient")
    ax.set_title("Who gets the gradient at a tie?")
    ax.set_ylim(0, 1.45)
    ax.legend(loc="upper left")
plt.show()

# %%
# Practice: two names for one function
# ------------------------------------
# Your turn before reading on. ``F.hardtanh(x)`` (from ``torch.nn.functional``)
# computes exactly the values of ``torch.clamp(x, -1, 1)``: :math:`-1` below
# :math:`-1`, :math:`x` in between, :math:`1` above. It has two kinks. With
# autograd, compute the derivative of ``F.hardtanh`` at :math:`x = -1, 0, 1`, then
# the same for ``torch.clamp(x, -1, 1)``. Does either follow the rule? Check your
# three numbers for ``hardtanh``: in the downloaded notebook or script, put them in
# place of ``None`` below and run the cell.
import torch.nn.functional as F

kinks = torch.tensor([-1.0, 0.0, 1.0])
practice = gradbook.Exercise(
    "hardtanh-kinks",
    "What does PyTorch return for the derivative of hardtanh at x = -1, 0, 1?",
    asks="d/dx hardtanh(x) at x = -1, 0, 1",
    compute=lambda: torch.func.vmap(torch.func.grad(F.hardtanh))(kinks),
)
your_answer = None  # d/dx hardtanh(x) at x = -1, 0, 1
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** With the sum trick (each output depends on its own input):
x = kinks.clone().requires_grad_(True)
F.hardtanh(x).sum().backward()
hardtanh_slopes = x.grad.clone()
x.grad = None
torch.clamp(x, -1.0, 1.0).sum().backward()
clamp_slopes = x.grad.clone()
print("hardtanh'(-1, 0, 1):", hardtanh_slopes.tolist())
print("clamp'(-1, 0, 1):   ", clamp_slopes.tolist())
print(gradbook.check_answer(practice, hardtanh_slopes))

# %%
# ``hardtanh`` follows the rule at both kinks. At :math:`x = -1` the kink is convex
# (slopes 0, then 1): the subgradient of minimum norm is 0. At :math:`x = 1` it is
# concave (slopes 1, then 0); for a concave kink the documented rule takes the
# *supergradient* of minimum norm (the rule applied to :math:`-f`), 0 again.
# ``clamp`` departs from the rule at both kinks, with 1, as ``clamp(x, min=0)`` did
# at 0 above. The number belongs to the operation, not to the function.
at_minus_1 = min_norm_subgradient(0, 1)
at_plus_1 = -min_norm_subgradient(-1, 0)  # the rule for -hardtanh, negated
print(
    gradbook.check_value(
        hardtanh_slopes, [at_minus_1, 1.0, at_plus_1], name="hardtanh: the rule"
    )
)
print(gradbook.check_value(hardtanh_slopes, [0.0, 1.0, 0.0], name="hardtanh'"))
print(gradbook.check_value(clamp_slopes, [1.0, 1.0, 1.0], name="clamp(x, -1, 1)'"))

# %%
# .. raw:: html
#
#    </details>
#
# Pinned conventions
# ------------------
# The departures are not promises: a PyTorch release could bring an operation in line
# with the rule. This book's test suite pins every number on this page
# (``tests/test_kink_conventions.py`` asserts relu'(0) = 0, abs'(0) = 0,
# clamp'(0) = 1 and the tie rules of ``max`` and ``maximum`` directly against
# torch), so an upgrade that changes one fails the tests before a page states
# something stale.
#
# Summary
# -------
# At a kink of a locally convex function, PyTorch documents the subgradient of
# minimum norm. ``relu`` (0), ``abs`` (0), ``torch.maximum(a, b)`` in both inputs
# (1/2 each) and ``x.max()`` (shared evenly) follow it. ``clamp(x, min=0)`` (1),
# ``torch.maximum(x, c)`` in ``x`` alone (1/2) and ``torch.max(x, dim)`` (all to one
# index) depart from it today. Finite differences measure the average slope at a
# kink, so check kinks with ``finite_difference=False``.
#
# Next, :ref:`tut-nan` looks at points worse than kinks: where a derivative is
# infinite, and how ``nan`` gets into gradients.

# sphinx_gallery_thumbnail_number = 1
