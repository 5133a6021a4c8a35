"""
.. _tut-higher-order:

Higher-order derivatives
========================

Differentiate a derivative. By the end you can ask autograd for the second and third
derivatives of a function with ``torch.autograd.grad(..., create_graph=True)``, explain
why ``create_graph`` is needed, and plot a function next to its first two derivatives.
The symbols used here are summed up on the :doc:`notation page </notation>`.

:Assumes: :ref:`tut-scalar`, :ref:`tut-graph`, :ref:`tut-sum-trick`
"""

# %%
# The first derivative, kept differentiable
# -----------------------------------------
# Take :math:`f(x) = x^3`. By hand, each derivative lowers the power by one:
#
# .. math::
#
#    f'(x) = 3x^2, \quad f''(x) = 6x, \quad f'''(x) = 6
#
# so at :math:`x = 2` they are 12, 12 and 6. :func:`torch.autograd.grad` returns the
# derivative instead of storing it in ``x.grad``. With :term:`create_graph=True
# <create_graph>` autograd
# also records *how* it computed that derivative, so the result is itself a tensor
# autograd can differentiate.
import torch

import gradbook

x = torch.tensor(2.0, requires_grad=True)
y = x**3
(dy_dx,) = torch.autograd.grad(y, x, create_graph=True)
print("f'(2) =", dy_dx.item())
print("f'(2) has a graph of its own:", dy_dx.requires_grad)

# %%
print(gradbook.check_value(dy_dx, 12.0, name="f'(2) = 3x^2 at x = 2"))
print(gradbook.check_claim(dy_dx.requires_grad, True, name="f'(2) requires grad"))

# %%
# The second derivative
# ---------------------
# Differentiate ``dy_dx`` with respect to ``x`` again. Keep ``create_graph=True`` once
# more, because we want to go one step further.
(d2y_dx2,) = torch.autograd.grad(dy_dx, x, create_graph=True)
print("f''(2) =", d2y_dx2.item())

# %%
print(gradbook.check_value(d2y_dx2, 12.0, name="f''(2) = 6x at x = 2"))

# %%
# The third derivative
# --------------------
# The last step needs no graph of its own, so ``create_graph`` can be left out: the
# result is a plain number.
(d3y_dx3,) = torch.autograd.grad(d2y_dx2, x)
print("f'''(2) =", d3y_dx3.item())

# %%
print(gradbook.check_value(d3y_dx3, 6.0, name="f'''(2) = 6"))


# %%
# Checking a derivative of a derivative
# -------------------------------------
# Wrap the first step in a function of ``x``: ``f_prime`` returns :math:`f'(x)` as a
# differentiable tensor. :func:`gradbook.check_derivative` differentiates it once more
# and compares the result with the hand-derived :math:`f''(x) = 6x`.
def f_prime(t):
    (d,) = torch.autograd.grad(t**3, t, create_graph=True)
    return d


value = f_prime(torch.tensor(2.0, requires_grad=True))
print("f_prime(2) =", value.item())

# %%
print(gradbook.check_value(value, 12.0, name="f_prime(2) = 3x^2 at x = 2"))

# %%
# The check also compares with a finite difference, and that part fails. gradbook
# computes the finite difference from plain values of ``f_prime``, inside
# :term:`torch.no_grad() <no_grad>` (as one does to evaluate a function without
# recording it). There ``t**3`` records nothing, and ``torch.autograd.grad`` has no
# graph to differentiate:
with gradbook.expect_error(RuntimeError, match="does not require grad"):
    gradbook.check_derivative(f_prime, at=2.0, expected=lambda t: 6 * t)


# %%
# A function that needs autograd inside can say so itself: ``torch.enable_grad()``
# turns recording back on for its body, whatever the caller did, and an input that
# does not require a gradient is given one (a detached copy, so the caller's tensor
# is left alone). Now the finite-difference cross-check stays on:
def f_prime(t):
    with torch.enable_grad():
        t = t if t.requires_grad else t.detach().requires_grad_()
        (d,) = torch.autograd.grad(t**3, t, create_graph=True)
    return d


with torch.no_grad():
    value = f_prime(torch.tensor(2.0))
print("f_prime(2) under no_grad =", value.item())

# %%
print(gradbook.check_value(value, 12.0, name="f_prime(2) under no_grad"))
for point in [2.0, -1.5, 0.5]:
    print(
        gradbook.check_derivative(
            f_prime, at=point, expected=lambda t: 6 * t, name="f'(x) = 3x^2"
        )
    )

# %%
# The hand-derived formulas can be checked too. :class:`gradbook.Formula` lets sympy
# differentiate :math:`x^3` symbolically, three times; the results must match what
# autograd computed at :math:`x = 2`.
from gradbook import Formula

cube = Formula("x**3")
d1 = cube.diff("x")
d2 = d1.diff("x")
d3 = d2.diff("x")
print("sympy:", d1.text, "|", d2.text, "|", d3.text)

# %%
for order, formula, value in [
    ("f'", d1, dy_dx),
    ("f''", d2, d2y_dx2),
    ("f'''", d3, d3y_dx3),
]:
    name = f"{order}(x) = {formula.text} (sympy) at x = 2"
    print(gradbook.check_value(value, formula(2.0), name=name))

# %%
# Why ``create_graph`` is needed
# ------------------------------
# Without it, autograd computes the derivative but does not record the computation:
# the result is a constant as far as autograd is concerned, and asking for its
# derivative is an error.
x = torch.tensor(2.0, requires_grad=True)
(plain,) = torch.autograd.grad(x**3, x)
print(
    "f'(2) without create_graph:", plain.item(), "| requires_grad:", plain.requires_grad
)
with gradbook.expect_error(RuntimeError, match="does not require grad"):
    torch.autograd.grad(plain, x)

# %%
print(gradbook.check_value(plain, 12.0, name="f'(2) without create_graph"))
print(gradbook.check_claim(plain.requires_grad, False, name="it requires grad"))

# %%
# :math:`f`, :math:`f'` and :math:`f''` over an interval
# ------------------------------------------------------
# The sum trick works for higher derivatives too: every element of ``x**3`` depends on
# its own element of ``x`` only, so the gradient of the sum is the derivative at every
# point, and the gradient of *that* sum is the second derivative at every point.
#
# **Predict** before you run the cell: the six numbers it prints, :math:`f'` and
# :math:`f''` at :math:`x = -2, 0, 2`.
x = torch.linspace(-2, 2, 101, requires_grad=True)
y = x**3
(d1,) = torch.autograd.grad(y.sum(), x, create_graph=True)
(d2,) = torch.autograd.grad(d1.sum(), x)
xs = x.detach()
print("f'(x) and f''(x) at x = -2, 0, 2:", d1[::50].tolist(), d2[::50].tolist())

# %%
# :math:`3x^2` is 12, 0, 12 and :math:`6x` is -12, 0, 12: the first derivative is
# the same at :math:`\pm 2`, the second changes sign. (The middle point of a float32
# ``linspace`` is :math:`4.5 \times 10^{-8}`, not exactly 0, hence the tiny numbers
# printed there.)
print(gradbook.check_value(d1, 3 * xs**2, name="f'(x) against 3x^2"))
print(gradbook.check_value(d2, 6 * xs, name="f''(x) against 6x"))
name = "f'(-2), f'(0), f'(2)"
print(gradbook.check_value(d1[::50], [12.0, 0.0, 12.0], name=name, atol=1e-6))
name = "f''(-2), f''(0), f''(2)"
print(gradbook.check_value(d2[::50], [-12.0, 0.0, 12.0], name=name, atol=1e-6))

# %%
# Where :math:`f'` is zero (only at :math:`x = 0` here, where it touches zero without
# crossing) the graph of :math:`f` is flat for an instant; where :math:`f''` crosses
# zero (also at :math:`x = 0`) the curve of :math:`f` changes from bending down to
# bending up. So :math:`x = 0` is a flat inflection point, not a minimum or maximum.
import matplotlib.pyplot as plt

with gradbook.style():
    ax = gradbook.plot_with_derivative(
        xs, y, d1, label="f(x) = x³", derivative_label="f'(x) = 3x²"
    )
    ax.plot(
        xs.numpy(), d2.numpy(), color="#2a9d5c", linestyle="-.", label="f''(x) = 6x"
    )
    ax.set_ylabel("value")
    ax.set_title("x³ and its first two derivatives")
    ax.legend()
plt.show()

# %%
# Practice: a second derivative
# -----------------------------
# Your turn before reading on. For
#
# .. math::
#
#    f(x) = x^4 - 2x^2
#
# compute :math:`f''(1)` with ``torch.autograd.grad`` (twice, the first time with
# ``create_graph=True``). Work it out by hand too. :math:`f'(1)` is 0: what does the
# sign of :math:`f''(1)` tell you about the point :math:`x = 1`? Then check your
# :math:`f''(1)`: in the downloaded notebook or script, put it in place of ``None``
# below and run the cell. The exercise asks sympy for :math:`f''` when it checks.
quartic = gradbook.Formula("x**4 - 2*x**2")
practice = gradbook.Exercise(
    "second-derivative",
    "What is f''(1) for f(x) = x^4 - 2x^2?",
    asks="f''(1)",
    compute=lambda: quartic.diff("x").diff("x")(1.0),
)
your_answer = None  # f''(1)
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** Differentiating twice,
#
# .. math::
#
#    f'(x) = 4x^3 - 4x, \quad f''(x) = 12x^2 - 4
#
# so :math:`f'(1) = 0` and :math:`f''(1) = 8`. The slope is 0 and the curve bends
# up: :math:`x = 1` is a minimum. Autograd agrees:
x = torch.tensor(1.0, requires_grad=True)
(slope,) = torch.autograd.grad(x**4 - 2 * x**2, x, create_graph=True)
(bend,) = torch.autograd.grad(slope, x)
print("f'(1) =", slope.item(), "| f''(1) =", bend.item())
print(gradbook.check_answer(practice, bend))

# %%
# And the book's own checks of both numbers:
print(gradbook.check_value(slope, 0.0, name="f'(1) = 4x^3 - 4x at x = 1"))
print(gradbook.check_value(bend, 8.0, name="f''(1) = 12x^2 - 4 at x = 1"))

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# ``torch.autograd.grad(y, x, create_graph=True)`` returns :math:`dy/dx` as a tensor
# that autograd can differentiate again; repeat it to climb to the second, third, ...
# derivative, and leave ``create_graph`` out on the last step. Without it the
# derivative is a constant and differentiating it raises an error. A function that
# calls ``torch.autograd.grad`` inside needs recording on: ``torch.enable_grad()``
# makes sure of it even when its caller runs it under ``torch.no_grad()``.
#
# Next: derivatives of functions with many inputs and many outputs, in
# :ref:`tut-jacobians`.

# sphinx_gallery_thumbnail_number = 1
