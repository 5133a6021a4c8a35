"""
.. _tut-nan:

NaN and infinite gradients
==========================

Find out where a ``nan`` or ``inf`` in a gradient comes from, and remove it at its
source. By the end you can explain why ``sqrt`` and ``log`` at 0 produce infinite
gradients and how an infinity turns into ``nan``, write a norm and a ``torch.where``
that stay finite, let anomaly mode name the operation that made the ``nan``, and see
why patching the output with ``nan_to_num`` fixes nothing.

:Assumes: :ref:`tut-backprop`, :ref:`tut-kinks`
"""

# %%
# Infinite slopes: ``sqrt`` and ``log`` at 0
# ------------------------------------------
# Some functions are fine at a point where their derivative is not:
#
# .. math::
#
#    \frac{d}{dx}\sqrt{x} = \frac{1}{2\sqrt{x}}, \qquad
#    \frac{d}{dx}\log x = \frac{1}{x},
#
# both :math:`1/0` at :math:`x = 0`. Autograd computes these formulas in floating
# point, where :math:`1/0` is ``inf``:
import torch

import gradbook

# sphinx_gallery_thumbnail_number = 1

torch.manual_seed(0)  # nothing random below; a habit that makes every run the same
x = torch.tensor(0.0, requires_grad=True)
root = torch.sqrt(x)
root.backward()
print("sqrt(0) =", root.item(), "| its gradient:", x.grad.item())

x_log = torch.tensor(0.0, requires_grad=True)
logarithm = torch.log(x_log)
logarithm.backward()
print("log(0) =", logarithm.item(), "| its gradient:", x_log.grad.item())

# %%
print(gradbook.check_value(root, 0.0, name="sqrt(0)"))
print(gradbook.check_claim(bool(x.grad.isinf()), True, name="d/dx sqrt(x) at 0 is inf"))
print(gradbook.check_claim(bool(logarithm.isneginf()), True, name="log(0) is -inf"))
print(
    gradbook.check_claim(bool(x_log.grad.isinf()), True, name="d/dx log(x) at 0 is inf")
)

# %%
# An infinity alone is easy to spot: the loss or the update becomes ``inf``.
# The trouble starts when the backward pass multiplies it by zero, as the
# :term:`chain rule` does whenever a later node's local derivative is 0. In floating
# point, :math:`0 \cdot \infty` is ``nan`` (not a number), and ``nan`` spreads through
# every sum and product it meets:
zero_times_inf = torch.tensor(0.0) * torch.tensor(float("inf"))
print("0 * inf =", zero_times_inf.item(), "| nan + 1 =", (zero_times_inf + 1).item())

# %%
print(gradbook.check_claim(bool(zero_times_inf.isnan()), True, name="0 * inf is nan"))

# %%
# A hand-written norm at the zero vector
# --------------------------------------
# The Euclidean norm :math:`\|x\| = \sqrt{x_1^2 + \ldots + x_n^2}` is a common part of a
# loss (a distance, a regulariser). Written by hand, its backward pass meets both
# problems at :math:`x = 0`: ``SqrtBackward0`` sends :math:`1 / (2\sqrt{0}) = \infty`
# down, and ``PowBackward0`` multiplies it by its local derivative :math:`2x = 0`.
#
# .. admonition:: Predict before you run
#
#    The norm of the zero vector is 0. What is its gradient, as autograd computes it
#    for the hand-written ``sqrt((x ** 2).sum())``? And for PyTorch's own
#    ``torch.linalg.vector_norm``?


def hand_norm(x):
    return torch.sqrt((x**2).sum())


x = torch.zeros(3, requires_grad=True)
hand_norm(x).backward()
print("hand-written norm at 0: gradient", x.grad.tolist())

x_lib = torch.zeros(3, requires_grad=True)
torch.linalg.vector_norm(x_lib).backward()
print("torch.linalg.vector_norm at 0: gradient", x_lib.grad.tolist())

# %%
print(gradbook.check_claim(bool(x.grad.isnan().all()), True, name="hand norm: all nan"))
print(gradbook.check_value(x_lib.grad, [0.0, 0.0, 0.0], name="vector_norm's gradient"))

# %%
# ``vector_norm`` knows the point: at 0 it returns 0, which is a :term:`subgradient`
# of the norm there (the norm has a :term:`kink` at 0, like ``abs``, and PyTorch
# picks the subgradient of minimum norm, as :ref:`tut-kinks` explains). Away from 0
# both agree on :math:`x / \|x\|`; at :math:`(3, 4, 0)` that is :math:`(0.6, 0.8, 0)`.
# A small helper computes a gradient at a point, from here on:


def gradient(f, point):
    """The gradient of f at point; for an element-wise f, the derivative at each
    element (the sum trick)."""
    x = point.clone().requires_grad_()
    f(x).sum().backward()
    return x.grad


point = torch.tensor([3.0, 4.0, 0.0], dtype=torch.float64)
grad_hand = gradient(hand_norm, point)
grad_lib = gradient(torch.linalg.vector_norm, point)
print("hand-written:", grad_hand.round(decimals=4).tolist())
print("vector_norm: ", grad_lib.round(decimals=4).tolist())

# %%
print(gradbook.check_value(grad_hand, [0.6, 0.8, 0.0], name="hand norm at (3, 4, 0)"))
print(gradbook.check_value(grad_lib, [0.6, 0.8, 0.0], name="vector_norm at (3, 4, 0)"))

# %%
# ``torch.where`` leaks ``nan`` from the branch it did not take
# -------------------------------------------------------------
# A natural guard: take :math:`\sqrt{x}` where :math:`x > 0`, and 0 elsewhere. The
# forward values are right. The gradient is not:
x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
guarded = torch.where(x > 0, torch.sqrt(x), 0.0)
guarded.sum().backward()
print("where(x > 0, sqrt(x), 0):", guarded.tolist())
print("its gradient:            ", x.grad.tolist())

# %%
print(gradbook.check_value(guarded, [0.0, 0.0, 2.0], name="the values"))
print(gradbook.check_claim(bool(x.grad[:2].isnan().all()), True, name="grad at -1, 0"))
print(gradbook.check_value(x.grad[2], 0.25, name="gradient at 4: 1/(2 sqrt 4)"))

# %%
# ``torch.sqrt(x)`` ran on *every* element, including those the ``where`` then threw
# away. In the backward pass, ``where`` sends a gradient of 0 to the discarded
# elements, and ``SqrtBackward0`` multiplies that 0 by its local derivative there:
# :math:`1/(2\sqrt{0}) = \infty` at 0, and ``nan`` at :math:`-1` (whose square root is
# already ``nan``). Both give ``nan``.
#
# The fix is a *second* ``where``, on the input: give ``sqrt`` a harmless value (here
# 1) wherever its result will be discarded, so that its local derivative is finite
# everywhere. (The JAX documentation describes the same trap and the same fix.)
x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
positive = x > 0
safe_x = torch.where(positive, x, 1.0)  # sqrt never sees x <= 0
guarded = torch.where(positive, torch.sqrt(safe_x), 0.0)
guarded.sum().backward()
print("double where, values:  ", guarded.tolist())
print("double where, gradient:", x.grad.tolist())

# %%
print(gradbook.check_value(guarded, [0.0, 0.0, 2.0], name="the values, unchanged"))
print(gradbook.check_value(x.grad, [0.0, 0.0, 0.25], name="the gradient, finite"))

# %%
# The two versions on a grid of points: the single ``where`` has a ``nan`` gradient
# at every point the guard discarded (crosses, drawn below the axis since ``nan`` has
# no height); the double ``where`` gives 0 there and :math:`1/(2\sqrt{x})` elsewhere.
import matplotlib.pyplot as plt

grid = torch.arange(-20, 21) / 20  # -1 to 1 in steps of 0.05, with 0 exactly


def single_where(x):
    return torch.where(x > 0, torch.sqrt(x), 0.0)


def double_where(x):
    return torch.where(x > 0, torch.sqrt(torch.where(x > 0, x, 1.0)), 0.0)


grad_single = gradient(single_where, grid)
grad_double = gradient(double_where, grid)
nan_at = grid[grad_single.isnan()]
with gradbook.style():
    fig, ax = plt.subplots(layout="constrained")
    left = grid <= 0
    blue, orange = gradbook.plot.FUNCTION_COLOR, gradbook.plot.DERIVATIVE_COLOR
    ax.plot(grid[left], grad_double[left], color=blue)
    ax.plot(grid[~left], grad_double[~left], color=blue, label="double where")
    ax.plot(
        nan_at, torch.full_like(nan_at, -0.3), "x", color=orange, label="single: nan"
    )
    ax.set(xlabel="x", ylabel="gradient", ylim=(-0.6, 3), xticks=[-1, -0.5, 0, 0.5, 1])
    ax.set_title("Gradient of where(x > 0, sqrt(x), 0)")
    ax.legend()
plt.show()
print(f"single where: nan at {len(nan_at)} of {len(grid)} points, all with x <= 0")

# %%
print(gradbook.check_claim(bool((grid == 0).any()), True, name="the grid holds 0"))
print(gradbook.check_value(len(nan_at), 21, name="points with a nan gradient"))
print(gradbook.check_claim(bool((nan_at <= 0).all()), True, name="all at x <= 0"))
print(
    gradbook.check_claim(
        bool(grad_double.isfinite().all()), True, name="double: finite"
    )
)

# %%
# Finding the operation: anomaly mode
# -----------------------------------
# In a real model the ``nan`` appears in some parameter's ``.grad``, many operations
# away from its cause. :term:`Anomaly mode <anomaly mode>` checks the output of every
# backward node and stops at the first that returns ``nan``, naming it. Use it as a
# context manager, around the forward *and* the backward pass, and only while
# debugging (its own warning says that it increases the runtime). The context
# manager switches it off again at the end of the block;
# ``torch.autograd.set_detect_anomaly(True)`` would leave it on for the rest of the
# program.
#
# Anomaly mode warns twice: once that it is enabled, and once with the traceback of
# the forward call that created the failing node. That traceback names files and
# lines on the machine that ran the code, so this page catches both warnings with
# :func:`gradbook.expect_warning`, which shows their first sentence only, and shows
# the error with :func:`gradbook.expect_error`.
x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
with (
    gradbook.expect_warning(UserWarning, match="Error detected in") as warned,
    gradbook.expect_error(RuntimeError, match="returned nan values") as error,
    torch.autograd.detect_anomaly(),
):
    torch.where(x > 0, torch.sqrt(x), 0.0).sum().backward()

# %%
# The culprit is ``SqrtBackward0``, the backward node of ``torch.sqrt``; the full
# warning also carries the traceback of the line that called it.
print(
    gradbook.check_claim(
        "'SqrtBackward0'" in error.message, True, name="the error names it"
    )
)
traced = "Traceback of forward call" in warned.message
print(gradbook.check_claim(traced, True, name="the warning has the forward traceback"))

# %%
# Anomaly mode looks for ``nan`` only. An infinite gradient, like ``sqrt``'s at 0,
# passes silently (only the "enabled" warning appears):
x = torch.tensor(0.0, requires_grad=True)
with (
    gradbook.expect_warning(UserWarning, match="Anomaly Detection has been") as enabled,
    torch.autograd.detect_anomaly(),
):
    torch.sqrt(x).backward()
print("x.grad under anomaly mode:", x.grad.item())
print("anomaly mode after the block:", torch.is_anomaly_enabled())

# %%
print(gradbook.check_claim(bool(x.grad.isinf()), True, name="inf passed unnoticed"))
print(
    gradbook.check_claim(torch.is_anomaly_enabled(), False, name="off after the block")
)
slower = "increase the runtime" in enabled.message
print(gradbook.check_claim(slower, True, name="the warning: it increases the runtime"))

# %%
# ``nan_to_num`` on the output is not a fix
# -----------------------------------------
# ``torch.nan_to_num`` replaces ``nan`` and infinities in a tensor by numbers. On the
# *output* it changes nothing here (the output has no ``nan``), and the gradient is
# made further down, by ``SqrtBackward0``, which still multiplies 0 by infinity:
x = torch.tensor([-1.0, 0.0, 4.0], requires_grad=True)
patched = torch.nan_to_num(torch.where(x > 0, torch.sqrt(x), 0.0))
patched.sum().backward()
print("gradient through nan_to_num(output):", x.grad.tolist())

# %%
print(gradbook.check_claim(bool(x.grad[:2].isnan().all()), True, name="still nan"))

# %%
# Applying ``nan_to_num`` to ``x.grad`` afterwards would hide the symptom and keep the
# cause: a wrong number that happens to be 0 here could be any number elsewhere.
# Remove the ``nan`` where it is made: guard the *input* of the operation with the
# infinite derivative (the double ``where``), or use a library function that handles
# the point (``vector_norm``).
#
# Conventions that compose: ``relu(x) - relu(-x)``
# ------------------------------------------------
# Not every wrong gradient is ``nan``. :math:`\mathrm{relu}(x) - \mathrm{relu}(-x)`
# equals :math:`x` everywhere, so its derivative is 1 everywhere. Autograd applies
# ReLU's convention at 0 (derivative 0, see :ref:`tut-kinks`) to both terms, and
# the two conventions compose into a derivative of :math:`0 - 0 = 0` at 0:
x = torch.tensor(0.0, requires_grad=True)
identity = torch.relu(x) - torch.relu(-x)
identity.backward()
print("relu(x) - relu(-x) at 0:", identity.item(), "| gradient:", x.grad.item())

# %%
print(gradbook.check_value(identity, 0.0, name="relu(0) - relu(-0)"))
print(gradbook.check_value(x.grad, 0.0, name="its gradient at 0 (the identity's is 1)"))

# %%
# On a grid that contains 0 the derivative is 1 at every point but that one. No
# warning, no ``nan``: only a single wrong number, at the one point where a real
# input (a zero-initialised weight, a ReLU'd activation) is most likely to sit.
grid = (torch.arange(-20, 21) / 20).requires_grad_()  # with 0 exactly
values = torch.relu(grid) - torch.relu(-grid)
values.sum().backward()
ax = gradbook.plot_with_derivative(
    grid, values, grid.grad, label="relu(x) - relu(-x)", derivative_label="autograd"
)
ax.set(title="An identity with a hole in its derivative")
plt.show()

# %%
print(gradbook.check_value(grid.grad.sum(), 40.0, name="sum of the 41 derivatives"))
print(gradbook.check_value(grid.grad[20], 0.0, name="the derivative at 0"))

# %%
# Practice: a norm that is safe at 0
# ----------------------------------
# Write ``safe_norm(x)``, the Euclidean norm of a vector with torch operations, whose
# gradient is finite everywhere and 0 at the zero vector (like ``vector_norm``'s),
# without calling ``torch.linalg``. Hint: guard the input of the ``sqrt``. The check
# runs your function at the zero vector and at :math:`(3, 4)` and compares both
# gradients with ``vector_norm``'s.


def gradients_of(norm):
    at_zero = gradient(norm, torch.zeros(2, dtype=torch.float64))
    at_3_4 = gradient(norm, torch.tensor([3.0, 4.0], dtype=torch.float64))
    return torch.cat([at_zero, at_3_4])


practice = gradbook.Exercise(
    "safe-norm",
    "Write a norm whose gradient is 0 at the zero vector.",
    asks="the gradient at (0, 0) followed by the one at (3, 4)",
    compute=lambda: gradients_of(torch.linalg.vector_norm),
    apply=gradients_of,
    form="your safe_norm, a function of a tensor",
)
your_answer = None  # your safe_norm function
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** The double ``where`` again: where the sum of squares is 0, give
# ``sqrt`` the harmless value 1, and return 0 instead of its result.


def safe_norm(x):
    squares = (x**2).sum()
    nonzero = squares > 0
    return torch.where(nonzero, torch.sqrt(torch.where(nonzero, squares, 1.0)), 0.0)


print("safe_norm at (3, 4):", safe_norm(torch.tensor([3.0, 4.0])).item())
print(
    "gradients at (0, 0) and (3, 4):",
    gradients_of(safe_norm).round(decimals=4).tolist(),
)
print(gradbook.check_answer(practice, safe_norm))

# %%
print(gradbook.check_value(gradients_of(safe_norm), [0, 0, 0.6, 0.8], name="safe"))
print(gradbook.check_value(safe_norm(torch.tensor([3.0, 4.0])), 5.0, name="norm"))

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * ``sqrt`` and ``log`` have infinite derivatives at 0. The chain rule multiplies an
#   infinity by the 0 of a later local derivative, and :math:`0 \cdot \infty` is
#   ``nan``: a hand-written norm has a ``nan`` gradient at the zero vector, while
#   ``torch.linalg.vector_norm`` returns 0 there.
# * ``torch.where`` does not stop a ``nan`` coming from the branch it discards: guard
#   the *input* of the dangerous operation with a second ``where``.
# * ``with torch.autograd.detect_anomaly():`` around the forward and backward pass
#   names the backward node that first returned ``nan`` (not ``inf``); keep it for
#   debugging.
# * ``nan_to_num`` on the output, or on the gradient, hides the symptom and keeps
#   the cause.
# * Conventions at kinks compose: ``relu(x) - relu(-x)`` is the identity with a
#   derivative of 0 at 0.
#
# Next, :ref:`tut-errors` goes through the errors autograd raises most often.
