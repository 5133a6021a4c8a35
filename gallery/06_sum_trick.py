"""
.. _tut-sum-trick:

Derivatives at many points: the sum trick
=========================================

Compute a derivative at a whole range of points with one ``backward()`` call. By the
end you can differentiate a function over a tensor of inputs, explain why summing the
outputs first gives the derivative at every point, and plot a function together with
its derivative.

:Assumes: :ref:`tut-scalar`, :ref:`tut-partials`
"""

# %%
# ``backward()`` needs one number
# -------------------------------
# ``backward()`` without arguments differentiates a *single* number. The
# :term:`sum trick` gets around that for a function applied point by point. With ten
# inputs
# :math:`x_1, \ldots, x_{10}` and ten outputs :math:`Y_i = x_i^2`, we first add the
# outputs up into one number :math:`y`:
#
# .. math::
#
#    \begin{aligned}
#    y &= \sum_{i=1}^{10} x_i^2 \\
#    \frac{\partial y}{\partial x_i} &= 2x_i
#    \end{aligned}
#
# So ``x.grad`` holds :math:`2x` at every point.
import torch

import gradbook

# sphinx_gallery_thumbnail_number = 1

x = torch.linspace(-10, 10, 10, requires_grad=True)
Y = x**2
y = Y.sum()
y.backward()
print("x:     ", [round(v, 2) for v in x.tolist()])
print("x.grad:", [round(v, 2) for v in x.grad.tolist()])

# %%
# The check compares ``x.grad`` with :math:`2x` at all ten points (and
# :func:`gradbook.check_elementwise` recomputes the sum trick in double precision
# against the formula and finite differences):
largest = (x.grad - 2 * x.detach()).abs().max()
result = gradbook.check_value(
    largest, 0.0, name="largest |x.grad - 2x| over 10 points", atol=1e-5
)
print(result)
result = gradbook.check_elementwise(
    lambda x: x**2, x, lambda x: 2 * x, name="x^2", derivative_name="2x"
)
print(result)

# %%
# The derivative is the slope of the function at each :math:`x`: negative where the
# parabola falls, zero at the bottom, positive where it rises. Only ten points were
# computed, so the curves are drawn as straight pieces between them (the dots).
import matplotlib.pyplot as plt

labels = {"label": "Y = x²", "derivative_label": "dY/dx = 2x (x.grad)"}
ax = gradbook.plot_with_derivative(x, Y, x.grad, **labels)
ax.set(title="x² and its derivative at 10 points", ylabel="Y and dY/dx")
for line in ax.get_lines()[:2]:
    line.set_marker("o")
plt.show()

# %%
# Why the sum works
# -----------------
# Each output depends on its own input only: :math:`Y_j` changes with :math:`x_j`
# and with no other input. In the sum :math:`y = Y_1 + \ldots + Y_n`, the
# derivative with respect to :math:`x_j` therefore picks out one term:
#
# .. math::
#
#    \frac{\partial y}{\partial x_j} = \sum_{i} \frac{\partial Y_i}{\partial x_j}
#    = \frac{\partial Y_j}{\partial x_j}
#
# The full table of derivatives :math:`J_{ij} = \partial Y_i / \partial x_j`, one row
# per output and one column per input, is the :term:`Jacobian` (see :doc:`/notation`).
# Here
# it has zeros everywhere except on the diagonal, so adding up its rows keeps just the
# diagonal. Here it is for four points:
from torch.autograd.functional import jacobian

x4 = torch.tensor([-2.0, -1.0, 1.0, 3.0])
J = jacobian(lambda x: x**2, x4)
print("Jacobian of x^2 at", x4.tolist(), ":\n", J + 0.0)  # + 0.0 turns -0 into 0
print("sum of its rows:", J.sum(dim=0).tolist(), " 2x:", (2 * x4).tolist())

# %%
gap = (J.sum(dim=0) - 2 * x4).abs().max()
print(gradbook.check_value(gap, 0.0, name="largest |row sum - 2x|"))

# %%
# The trick fails when outputs mix inputs. For the running total
# (``torch.cumsum``), each output depends on all the inputs before it: for
# :math:`x = (1, 2, 3)` the outputs are :math:`(x_1, x_1 + x_2, x_1 + x_2 + x_3)`.
#
# **Predict** before you run the cell: what is the gradient of their sum?
xc = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
torch.cumsum(xc, dim=0).sum().backward()
print("gradient of cumsum(x).sum():", xc.grad.tolist(), "(not a derivative of each)")

# %%
# :math:`x_1` appears in all three outputs, :math:`x_3` in one: the gradient of the
# sum counts every one of those dependencies.
print(
    gradbook.check_value(xc.grad, [3.0, 2.0, 1.0], name="gradient of cumsum(x).sum()")
)

# %%
# A cubic over 100 points
# -----------------------
#
# .. math::
#
#    \begin{aligned}
#    Y &= 10x^3 \\
#    \frac{dY}{dx} &= 30x^2
#    \end{aligned}
#
# The same three steps: compute ``Y``, sum, ``backward()``.
x = torch.linspace(-10, 10, 100, requires_grad=True)
Y = 10 * x**3
Y.sum().backward()
for i in (0, 50, 99):
    xi, gi = x[i].item(), x.grad[i].item()
    print(f"x = {xi:7.3f}:  x.grad = {gi:9.3f},  30x^2 = {30 * xi**2:9.3f}")

# %%
# How close is ``x.grad`` to :math:`30x^2`? Equal at most points, and off in the last
# bit at some. Autograd computes the derivative of :math:`10x^3` by its own sequence
# of single-precision (float32) operations (the power's backward gives
# :math:`3x^2`, then the factor 10), and the formula ``30 * x**2`` is another sequence.
# Every float32 operation rounds its result to 24 binary digits, so two routes to the
# same number can land on neighbouring float32 values: a *relative* error of about
# :math:`10^{-7}`, float32's machine epsilon. The size of the numbers does not enter:
# near :math:`x = 10` the values are about :math:`3000`, near 0 about :math:`0.03`, and
# the relative error stays within one epsilon at both ends.
formula = 30 * x.detach() ** 2  # no point of the grid is 0, so we can divide
errors = (x.grad - formula).abs() / formula
near_0, near_10 = errors[x.detach().abs() < 1].max(), errors[x.detach().abs() > 9].max()
eps32 = torch.finfo(torch.float32).eps
print(f"points where x.grad differs from 30x^2: {(x.grad != formula).sum().item()}")
print(
    f"largest relative error: {errors.max().item():.2e} (float32 epsilon {eps32:.2e})"
)
print(f"  where |x| < 1: {near_0.item():.2e};  where |x| > 9: {near_10.item():.2e}")

# %%
print(
    gradbook.check_value(errors.max(), 0.0, name="largest relative error", atol=eps32)
)
print(gradbook.check_value(near_0, 0.0, name="relative error, |x| < 1", atol=eps32))
print(gradbook.check_value(near_10, 0.0, name="relative error, |x| > 9", atol=eps32))

# %%
# The same computation in double precision (float64, about 16 significant digits)
# has the same kind of disagreement, one epsilon smaller: it comes from rounding, not
# from autograd or from the size of :math:`10x^3`.
x64 = torch.linspace(-10, 10, 100, dtype=torch.float64, requires_grad=True)
(10 * x64**3).sum().backward()
formula64 = 30 * x64.detach() ** 2
relative64 = ((x64.grad - formula64).abs() / formula64).max()
eps64 = torch.finfo(torch.float64).eps
print(f"float64: largest relative error {relative64.item():.2e} (epsilon {eps64:.2e})")

# %%
result = gradbook.check_value(
    relative64, 0.0, name="float64 relative error", atol=eps64
)
print(result)

# %%
# And the sum trick in double precision, against :math:`30x^2` and finite
# differences:
result = gradbook.check_elementwise(
    lambda x: 10 * x**3, x, lambda x: 30 * x**2, name="10x^3", derivative_name="30x^2"
)
print(result)

# %%
# The cubic rises everywhere (its derivative is never negative) and is flattest at
# :math:`x = 0`, where :math:`30x^2` touches zero.
labels = {"label": "Y = 10x³", "derivative_label": "dY/dx = 30x² (x.grad)"}
ax = gradbook.plot_with_derivative(x, Y, x.grad, **labels)
ax.set(title="10x³ and its derivative at 100 points", ylabel="Y and dY/dx")
plt.show()

# %%
# Practice: a cubic at five points
# --------------------------------
# Your turn before reading on. With the sum trick, compute the derivative of
#
# .. math::
#
#    Y = x^3 - 3x
#
# at the five points :math:`x = -2, -1, 0, 1, 2` (``torch.linspace(-2, 2, 5)``), all
# in one ``backward()`` call. Work the derivative out by hand too: where is the
# curve flat? Then check your five numbers (a list, or your ``x.grad``): in the
# downloaded notebook or script, put them in place of ``None`` below and run the
# cell. The exercise asks sympy for the derivative when it checks.
cubic = gradbook.Formula("x**3 - 3*x")
practice = gradbook.Exercise(
    "sum-trick-cubic",
    "What is the derivative of Y = x^3 - 3x at x = -2, -1, 0, 1, 2?",
    asks="dY/dx at x = -2, -1, 0, 1, 2",
    compute=lambda: cubic.diff("x")(torch.linspace(-2, 2, 5)),
)
your_answer = None  # dY/dx at the five points
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** Each output depends on its own input only, so the sum trick applies:
#
# .. math::
#
#    \frac{dY}{dx} = 3x^2 - 3
#
# which is 9, 0, -3, 0, 9 at the five points. The curve is flat at
# :math:`x = \pm 1`, a peak and a dip. Autograd agrees:
x = torch.linspace(-2, 2, 5, requires_grad=True)
Y = x**3 - 3 * x
Y.sum().backward()
print("x:     ", x.tolist())
print("x.grad:", x.grad.tolist())
print(gradbook.check_answer(practice, x.grad))

# %%
# And the book's own checks, against the numbers above and against the formula
# (with finite differences):
print(gradbook.check_value(x.grad, [9.0, 0.0, -3.0, 0.0, 9.0], name="x.grad"))
result = gradbook.check_elementwise(
    lambda x: x**3 - 3 * x, x, lambda x: 3 * x**2 - 3, name="x^3 - 3x"
)
print(result)

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * To differentiate at many points, compute the outputs, **sum them**, and call
#   ``backward()``; ``x.grad`` then holds the derivative at each point.
# * This works because each output depends on its own input only; for functions
#   that mix the inputs, the gradient of the sum is something else (a
#   vector-Jacobian product, :doc:`/notation`).
# * ``plot_with_derivative`` draws the function and ``x.grad`` on one figure.
#
# Next, :ref:`tut-activations` uses the trick on the activation functions of neural
# networks.
