"""
.. _tut-scalar:

Derivatives of a scalar function
================================

Ask PyTorch for the derivative of a function of one number. By the end you can mark an
input with ``requires_grad=True``, call ``backward()`` on the output, read the
derivative from ``x.grad``, and check it against the derivative you work out by hand.

:Assumes: :doc:`/tensors`
"""

# %%
# Why derivatives?
# ----------------
# Training a neural network means nudging its parameters so that a :term:`loss` (a
# number that measures how wrong the network is) gets smaller. The derivative of the loss with
# respect to a parameter says which way to nudge it and how hard. Here is the whole
# idea on a loss with one parameter, :math:`L(w) = (w - 3)^2`, whose derivative is
# :math:`\frac{dL}{dw} = 2(w - 3)`: step against the derivative and the loss shrinks.
#
# .. math::
#
#    w \leftarrow w - 0.1 \, \frac{dL}{dw}
w = 0.0
for step in range(4):
    loss, slope = (w - 3) ** 2, 2 * (w - 3)
    print(f"step {step}: w = {w:.3f}, loss = {loss:.3f}, dL/dw = {slope:.3f}")
    w = w - 0.1 * slope

# %%
# Working out ``dL/dw`` by hand is fine for one parameter; a network has millions,
# and the function between them and the loss is long. PyTorch's :term:`autograd`
# computes every derivative for you. The rest of this page shows how, one input and one output
# at a time.
#
# The derivative of :math:`y = x^2`
# ---------------------------------
#
# .. math::
#
#    \begin{aligned}
#    y &= x^2 \\
#    \frac{dy}{dx} &= 2x
#    \end{aligned}
#
# At :math:`x = 2` the function is 4 and its slope is :math:`2 \cdot 2 = 4`. To let
# PyTorch work this out, create ``x`` as a floating-point :term:`tensor` that
# :term:`requires a gradient <requires_grad>`: from then on PyTorch records every
# operation done with it. Printing ``y`` shows the record: ``grad_fn=<PowBackward0>``
# names the operation that made ``y`` (a power, :math:`x^2`), which the next tutorial
# explains.
import torch

import gradbook

# sphinx_gallery_thumbnail_number = 1

x = torch.tensor(2.0, requires_grad=True)
y = x**2
print("y = x^2 at x = 2:", y)

# %%
print(gradbook.check_claim(type(y.grad_fn).__name__, "PowBackward0", name="y.grad_fn"))

# %%
# ``y.backward()`` walks back through the recorded operations and stores
# :math:`\frac{dy}{dx}`, evaluated at the current ``x``, in ``x.grad``.
y.backward()
print("dy/dx at x = 2:", x.grad.item())

# %%
# The book checks every value it states. :func:`gradbook.check_value` compares a
# computed value with the one the text claims; :func:`gradbook.check_derivative`
# recomputes the derivative with autograd in double precision and compares it with
# the formula and with a finite difference. Any disagreement stops the build, so the
# numbers on this page are the numbers PyTorch produces.
print(gradbook.check_value(y, 4.0, name="y = x^2 at x = 2"))
print(gradbook.check_value(x.grad, 4.0, name="dy/dx at x = 2"))
result = gradbook.check_derivative(
    lambda x: x**2, at=2.0, expected=lambda x: 2 * x, name="x^2 (formula 2x)"
)
print(result)

# %%
# Running ``backward()`` twice adds up
# ------------------------------------
# .. warning::
#
#    ``backward()`` *adds* the new derivative to whatever ``x.grad`` already holds.
#    In a notebook, running the cell with ``y.backward()`` a second time (after
#    computing ``y`` again) gives ``x.grad`` = 8, not 4. Start from a fresh ``x``, or
#    reset ``x.grad``: :ref:`tut-accumulation` explains why gradients add up, and
#    how to reset them.
#
# Here is that second run, on a copy ``x2`` so that ``x`` keeps its gradient of 4:
x2 = torch.tensor(2.0, requires_grad=True)
for run in (1, 2):  # the same cell, run twice
    y2 = x2**2
    y2.backward()
    print(f"after run {run} of the cell: x2.grad = {x2.grad.item()}")

# %%
print(gradbook.check_value(x2.grad, 4.0 + 4.0, name="x2.grad after two runs (4 + 4)"))

# %%
# The derivative is the slope of the function. The dotted line below is the tangent
# to :math:`y = x^2` at :math:`x = 2`: its slope is the value of the dashed curve,
# :math:`2x`, at that point.
import matplotlib.pyplot as plt

ax = gradbook.plot_derivative(
    lambda x: x**2, -3, 3, tangent_at=2.0, label="y = x²", derivative_label="dy/dx = 2x"
)
ax.set(title="y = x² and its derivative", ylabel="y and dy/dx")
plt.show()

# %%
# Only floating-point tensors can require gradients
# -------------------------------------------------
# A derivative describes what happens for a *tiny* change of the input, and integers
# cannot change by a tiny amount. So ``torch.tensor(2)``, whose type is an integer
# type, refuses ``requires_grad=True``; write ``2.0`` (or pass ``dtype=torch.float32``).
print("dtype of torch.tensor(2):  ", torch.tensor(2).dtype)
print("dtype of torch.tensor(2.0):", torch.tensor(2.0).dtype)
with gradbook.expect_error(RuntimeError, match="floating point"):
    torch.tensor(2, requires_grad=True)

# %%
print(
    gradbook.check_claim(
        str(torch.tensor(2).dtype), "torch.int64", name="dtype of torch.tensor(2)"
    )
)
print(
    gradbook.check_claim(
        torch.tensor(2.0).is_floating_point(),
        True,
        name="torch.tensor(2.0) is floating-point",
    )
)

# %%
# A polynomial: :math:`y = x^2 + 2x + 1`
# --------------------------------------
# Each term is differentiated on its own and the results add up:
#
# .. math::
#
#    \begin{aligned}
#    y &= x^2 + 2x + 1 \\
#    \frac{dy}{dx} &= 2x + 2
#    \end{aligned}
#
# At :math:`x = 2`: :math:`y = 4 + 4 + 1 = 9` and :math:`\frac{dy}{dx} = 6`.
x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 2 * x + 1
y.backward()
print("y = x^2 + 2x + 1 at x = 2:", y.item())
print("dy/dx at x = 2:", x.grad.item())

# %%
# The checks: the value, the derivative autograd gave, and the formula :math:`2x + 2`.
print(gradbook.check_value(y, 9.0, name="y at x = 2"))
print(gradbook.check_value(x.grad, 6.0, name="dy/dx at x = 2"))
result = gradbook.check_derivative(
    lambda x: x**2 + 2 * x + 1,
    at=2.0,
    expected=lambda x: 2 * x + 2,
    name="x^2 + 2x + 1",
)
print(result)

# %%
# Practice: :math:`y = 2x^3 + x`
# ------------------------------
# Your turn before reading on. Compute, with autograd, the value of
#
# .. math::
#
#    y = 2x^3 + x
#
# at :math:`x = 1`, and its derivative there. Work the derivative out by hand too and
# compare. Then check your derivative (the value :math:`y` is yours to compare with
# the solution): in the downloaded notebook or script, put it in place of ``None``
# below and run the cell.
your_answer = None  # dy/dx at x = 1
print(gradbook.check_answer("cubic", your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** By the power rule,
#
# .. math::
#
#    \frac{dy}{dx} = 6x^2 + 1
#
# so at :math:`x = 1` the value is :math:`2 + 1 = 3` and the derivative is
# :math:`6 + 1 = 7`. Autograd agrees:
x = torch.tensor(1.0, requires_grad=True)
y = 2 * x**3 + x
y.backward()
print("y = 2x^3 + x at x = 1:", y.item())
print("dy/dx at x = 1:", x.grad.item())
print(gradbook.check_answer("cubic", x.grad))

# %%
# And the book's own checks of the value, the derivative and the formula:
print(gradbook.check_value(y, 3.0, name="y at x = 1"))
print(gradbook.check_value(x.grad, 7.0, name="dy/dx at x = 1"))
result = gradbook.check_derivative(
    lambda x: 2 * x**3 + x, at=1.0, expected=lambda x: 6 * x**2 + 1, name="2x^3 + x"
)
print(result)

# %%
# .. raw:: html
#
#    </details>
#
# More of the same: :math:`y = 3x^2` and :math:`y = 6x^2 + 2x + 4`
# ----------------------------------------------------------------
# A constant factor stays in front, and a constant term vanishes:
#
# .. math::
#
#    \begin{aligned}
#    \frac{d}{dx}\,3x^2 &= 6x \\
#    \frac{d}{dx}\left(6x^2 + 2x + 4\right) &= 12x + 2
#    \end{aligned}
#
# At :math:`x = 3`: :math:`3x^2 = 27` with slope 18, and
# :math:`6x^2 + 2x + 4 = 64` with slope 38. Each function gets a fresh ``x``: calling
# ``backward()`` again on the same leaf would *add* to its ``.grad``.
x = torch.tensor(3.0, requires_grad=True)
y = 3 * x**2
y.backward()
print("y = 3x^2 at x = 3:", y.item(), "  dy/dx:", x.grad.item())

# %%
# Checked, with the formula :math:`6x`:
print(gradbook.check_value(y, 27.0, name="3x^2 at x = 3"))
print(gradbook.check_value(x.grad, 18.0, name="d/dx 3x^2 at x = 3"))
result = gradbook.check_derivative(
    lambda x: 3 * x**2, at=3.0, expected=lambda x: 6 * x, name="3x^2"
)
print(result)

# %%
x = torch.tensor(3.0, requires_grad=True)
y = 6 * x**2 + 2 * x + 4
y.backward()
print("y = 6x^2 + 2x + 4 at x = 3:", y.item(), "  dy/dx:", x.grad.item())

# %%
# Checked, with the formula :math:`12x + 2`:
print(gradbook.check_value(y, 64.0, name="6x^2 + 2x + 4 at x = 3"))
print(gradbook.check_value(x.grad, 38.0, name="d/dx (6x^2 + 2x + 4) at x = 3"))
result = gradbook.check_derivative(
    lambda x: 6 * x**2 + 2 * x + 4,
    at=3.0,
    expected=lambda x: 12 * x + 2,
    name="6x^2 + 2x + 4",
)
print(result)

# %%
# The derivative formulas can also be worked out symbolically.
# :class:`gradbook.Formula` hands a formula to the computer-algebra package SymPy,
# which differentiates it by the rules you would use by hand; the formula can then
# be evaluated with torch, so autograd can check it too.
F = gradbook.Formula("6*x**2 + 2*x + 4")
print("f(x) =", F.text, "   f'(x) =", F.diff("x").text)

# %%
print(gradbook.check_value(F.diff("x")(3.0), 38.0, name="f'(3) from the formula"))
print(gradbook.check_derivative(F, at=3.0, expected=F.diff("x"), name=F.text))

# %%
# The same function at another point
# ----------------------------------
# The derivative is a function of :math:`x`: the slope of :math:`x^2` is 4 at
# :math:`x = 2`.
#
# **Predict** before you run the cell: what are :math:`y` and its slope at
# :math:`x = 9`?
x = torch.tensor(9.0, requires_grad=True)
y = x**2
y.backward()
print("y = x^2 at x = 9:", y.item(), "  dy/dx:", x.grad.item())

# %%
# :math:`y = 81`, and the slope is :math:`2 \cdot 9 = 18`: the same formula
# :math:`2x`, another value.
print(gradbook.check_value(y, 81.0, name="x^2 at x = 9"))
print(gradbook.check_value(x.grad, 18.0, name="d/dx x^2 at x = 9"))

# %%
# A function inside a function: :math:`y = \sin\left(x / (2\sqrt{2})\right)`
# --------------------------------------------------------------------------
# Here :math:`2\sqrt{2} = 2^{1.5} \approx 2.8284`. By the :term:`chain rule`, the derivative
# of the outer :math:`\sin` (a :math:`\cos`) is multiplied by the derivative of the
# inner :math:`x / 2^{1.5}`, which is :math:`1 / 2^{1.5}`:
#
# .. math::
#
#    \begin{aligned}
#    y &= \sin\left(\frac{x}{2^{1.5}}\right) \\
#    \frac{dy}{dx} &= \frac{1}{2^{1.5}} \cos\left(\frac{x}{2^{1.5}}\right)
#    \end{aligned}
#
# At :math:`x = 100`, rounded to four decimals, :math:`y = -0.7158` and
# :math:`\frac{dy}{dx} = -0.2469`. Autograd applies the chain rule for us.
c = 2**1.5  # 2√2
x = torch.tensor(100.0, requires_grad=True)
y = torch.sin(x / c)
y.backward()
print(f"y = sin(x / 2^1.5) at x = 100: {y.item():.4f}")
print(f"dy/dx at x = 100: {x.grad.item():.4f}")

# %%
# The page states four decimals, so the checks allow half a unit in the last
# place (``atol=5e-5``). In the formula check, ``c`` stands for :math:`2^{1.5}`.
print(gradbook.check_value(y, -0.7158, name="sin(x / 2^1.5) at x = 100", atol=5e-5))
print(gradbook.check_value(x.grad, -0.2469, name="dy/dx at x = 100", atol=5e-5))
result = gradbook.check_derivative(
    lambda x: torch.sin(x / c), 100.0, lambda x: torch.cos(x / c) / c, name="sin(x / c)"
)
print(result)

# %%
# The tangent at :math:`x = 100` runs downhill with slope :math:`-0.2469`; the
# derivative curve is the function's :math:`\cos`, shrunk by :math:`2^{1.5}`.
labels = {"label": "y", "derivative_label": "dy/dx"}
ax = gradbook.plot_derivative(
    lambda x: torch.sin(x / c), 80, 120, tangent_at=100, **labels
)
ax.set(title="y = sin(x / 2^1.5) and its derivative", ylabel="y and dy/dx")
plt.show()

# %%
# Summary
# -------
# * Create the input with ``requires_grad=True`` (a floating-point tensor), compute the
#   output, call ``backward()``, and read the derivative from ``x.grad``.
# * Use a fresh input for each new function: gradients accumulate in ``.grad``
#   (running a notebook cell again adds once more; see :ref:`tut-accumulation`).
# * The derivative tells training which way to move a parameter.
# * The symbols (:math:`\frac{dy}{dx}`, :math:`f'(x)`) and the PyTorch call for each
#   kind of derivative are gathered on the :doc:`/notation` page.
#
# Next, :ref:`tut-graph` looks at what PyTorch recorded to make ``backward()``
# possible.
