"""
Kinks: derivatives where there is none
======================================

Some of the most used functions in deep learning have corners. By the end you know
which number PyTorch returns as the "derivative" at the kink of ``relu`` and ``abs``
and at a tie of ``max`` and ``maximum``, why a finite difference disagrees there, and
how this book's tests notice if PyTorch ever changes these conventions. (The
:doc:`notation page </notation>` recalls what a derivative is.)
"""

# %%
# ReLU at zero
# ------------
# :math:`\mathrm{relu}(x) = \max(x, 0)` has slope 0 on the left and 1 on the right; at
# :math:`x = 0` there is no derivative. Any slope between 0 and 1 would be a valid
# *subgradient* there, and PyTorch has to return one number: it returns **0**.
#
# .. math::
#
#    \mathrm{relu}'(x) = \begin{cases}
#    0 & x \le 0 \quad \text{(PyTorch's choice at 0)} \\
#    1 & x > 0 \end{cases}
import torch

import gradbook

x = torch.tensor(0.0, requires_grad=True)
torch.relu(x).backward()
print("relu'(0) in PyTorch:", x.grad.item())
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
# At the kink a finite difference is not a derivative: the central difference
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
print(gradbook.check_value(relu_at_0, 0.0, name="relu'(0) on the plotted grid"))

# %%
# ``abs`` at zero
# ---------------
# :math:`|x|` has slopes :math:`-1` and :math:`1`; PyTorch computes its derivative as
# :math:`\mathrm{sign}(x)`, and :math:`\mathrm{sign}(0) = 0`. So :math:`|x|'(0) = 0`,
# which here happens to be the average of the two slopes.
x = torch.tensor(0.0, requires_grad=True)
torch.abs(x).backward()
print("abs'(0) in PyTorch:", x.grad.item())
print(
    gradbook.check_derivative(
        torch.abs, at=0.0, expected=0.0, name="|x|", finite_difference=False
    )
)
abs_at_0 = plot_kink(
    torch.abs,
    0.0,
    "|x|",
    "|x|' = sign(x) from autograd",
    "abs: slope -1, then 1; PyTorch picks 0",
)
plt.show()
print(gradbook.check_value(abs_at_0, 0.0, name="|x|'(0) on the plotted grid"))

# %%
# The same function, another convention
# -------------------------------------
# The convention belongs to the *operation*, not to the mathematical function.
# ``torch.clamp(x, min=0)`` computes exactly the values of ``relu``, but its derivative
# at 0 is **1**:
x = torch.tensor(0.0, requires_grad=True)
torch.clamp(x, min=0.0).backward()
print("d/dx clamp(x, min=0) at 0:", x.grad.item())
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
# :math:`a = b` it does not pick a winner: it **splits** the gradient, half to each.
# So :math:`g(x) = \max(x, 1)` has slope 0 left of 1, slope 1 right of it, and PyTorch
# returns :math:`1/2` at :math:`x = 1`.
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
torch.maximum(a, b).backward()
print("maximum(a, b) at a = b = 2: d/da =", a.grad.item(), "| d/db =", b.grad.item())
print(gradbook.check_value(a.grad, 0.5, name="d/da maximum(a, b) at a tie"))
print(gradbook.check_value(b.grad, 0.5, name="d/db maximum(a, b) at a tie"))

# %%
one = torch.tensor(1.0, dtype=torch.float64)
max_at_1 = plot_kink(
    lambda t: torch.maximum(t, one),
    1.0,
    "max(x, 1)",
    "d/dx max(x, 1) from autograd",
    "maximum at a tie: PyTorch splits, 1/2",
)
plt.show()
print(gradbook.check_value(max_at_1, 0.5, name="d/dx max(x, 1) at x = 1"))

# %%
# Ties of ``max`` over a tensor
# -----------------------------
# ``x.max()`` (no ``dim``) returns the largest value. When several elements share it,
# the gradient is shared **evenly** among them. With ``dim=``, ``torch.max`` also
# returns an index, and the whole gradient goes to that one element.
x = torch.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
x.max().backward()
shared = x.grad.clone()
print("x.max() on (1, 3, 3, 2): gradient", shared.tolist())
x.grad = None
values, index = torch.max(x, dim=0)
values.backward()
picked = x.grad.clone()
print(f"torch.max(x, dim=0) picks index {index.item()}: gradient", picked.tolist())
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
# Pinned conventions
# ------------------
# None of these numbers is forced by mathematics; each is a choice a PyTorch release
# could revise. This book's test suite pins them (``tests/test_kink_conventions.py``
# asserts relu'(0) = 0, abs'(0) = 0, clamp'(0) = 1 and the tie rules of ``max`` and
# ``maximum`` directly against torch), so an upgrade that changes one fails the tests
# before a page states something stale.
#
# Summary
# -------
# At a kink, autograd returns the derivative of one side or a split chosen by
# convention: ``relu`` gives 0, ``abs`` gives 0, ``clamp(min=0)`` gives 1,
# ``torch.maximum`` splits a tie 1/2 and 1/2, ``x.max()`` shares it evenly, and
# ``torch.max(x, dim=0)`` gives it all to the index it returns. Finite differences
# measure the average slope there, so check kinks with ``finite_difference=False``.
#
# Next: the errors autograd raises most often, and how to fix each, in
# :ref:`sphx_glr_auto_examples_12_common_errors.py`.

# sphinx_gallery_thumbnail_number = 1
