"""
.. _tut-partials:

Partial derivatives
===================

Differentiate a function of several variables. By the end you can give several inputs
``requires_grad=True``, get every partial derivative from one call to ``backward()``,
and read each one from the ``.grad`` of its own input.

:Assumes: :ref:`tut-scalar`, :ref:`tut-graph`
"""

# %%
# One variable at a time
# ----------------------
# A :term:`partial derivative` of :math:`f(u, v)` differentiates with respect to one
# variable while the others stay fixed. For
#
# .. math::
#
#    \begin{aligned}
#    f(u, v) &= uv + u^2 \\
#    \frac{\partial f}{\partial u} &= v + 2u \\
#    \frac{\partial f}{\partial v} &= u
#    \end{aligned}
#
# at :math:`u = 1, v = 2` the function is :math:`2 + 1 = 3`, the partial derivative
# with respect to :math:`u` is :math:`2 + 2 = 4`, and the one with respect to
# :math:`v` is :math:`1`. Both inputs are created first, both requiring a gradient.
import torch

import gradbook

# sphinx_gallery_thumbnail_number = 1

u = torch.tensor(1.0, requires_grad=True)
v = torch.tensor(2.0, requires_grad=True)
f = u * v + u**2
print("f = uv + u^2 at u = 1, v = 2:", f.item())

# %%
# One ``backward()`` fills the ``.grad`` of *every* leaf that ``f`` depends on (the
# pair of them is the :term:`gradient` of ``f``):
# ``u.grad`` is :math:`\partial f / \partial u` and ``v.grad`` is
# :math:`\partial f / \partial v`.
f.backward()
print("∂f/∂u (u.grad):", u.grad.item())
print("∂f/∂v (v.grad):", v.grad.item())

# %%
# Fixing :math:`v = 2` leaves an ordinary function of :math:`u`,
# :math:`2u + u^2`, and the partial derivative is its ordinary derivative
# :math:`2 + 2u`: at :math:`u = 1` that is the slope 4 of the tangent below.
import matplotlib.pyplot as plt

labels = {"label": "f(u, 2) = 2u + u²", "derivative_label": "∂f/∂u = 2 + 2u"}
ax = gradbook.plot_derivative(lambda u: 2 * u + u**2, -4, 2, tangent_at=1, **labels)
ax.set(title="A slice of f at v = 2", xlabel="u", ylabel="f and ∂f/∂u")
with gradbook.style():  # the tangent's label names u, the variable of this slice
    ax.get_lines()[-2].set_label("tangent at u = 1 (slope 4)")
    ax.legend()
plt.show()

# %%
# The checks: the value and both gradients autograd gave.
print(gradbook.check_value(f, 3.0, name="uv + u^2 at u = 1, v = 2"))
print(gradbook.check_value(u.grad, 4.0, name="∂f/∂u"))
print(gradbook.check_value(v.grad, 1.0, name="∂f/∂v"))

# %%
# And the formulas for both partial derivatives, at the same point:
result = gradbook.check_partials(
    lambda u, v: u * v + u**2,
    at={"u": 1.0, "v": 2.0},
    expected={"u": lambda u, v: v + 2 * u, "v": lambda u, v: u},
    name="uv + u^2",
)
print(result)

# %%
# A function with five terms
# --------------------------
# Each term contributes to a partial derivative only if it contains that variable:
#
# .. math::
#
#    \begin{aligned}
#    f &= u^2 + v^3 + 2uv + u + v \\
#    \frac{\partial f}{\partial u} &= 2u + 2v + 1 \\
#    \frac{\partial f}{\partial v} &= 3v^2 + 2u + 1
#    \end{aligned}
#
# At :math:`u = 3, v = 4`: :math:`f = 9 + 64 + 24 + 3 + 4 = 104`,
# :math:`\frac{\partial f}{\partial u} = 15` and
# :math:`\frac{\partial f}{\partial v} = 55`.
u = torch.tensor(3.0, requires_grad=True)
v = torch.tensor(4.0, requires_grad=True)
f = u**2 + v**3 + 2 * u * v + u + v
f.backward()
print("f at u = 3, v = 4:", f.item())
print("∂f/∂u (u.grad):", u.grad.item())
print("∂f/∂v (v.grad):", v.grad.item())

# %%
print(gradbook.check_value(f, 104.0, name="f at u = 3, v = 4"))
print(gradbook.check_value(u.grad, 15.0, name="∂f/∂u"))
print(gradbook.check_value(v.grad, 55.0, name="∂f/∂v"))

# %%
# And the formulas for both partial derivatives, at the same point:
result = gradbook.check_partials(
    lambda u, v: u**2 + v**3 + 2 * u * v + u + v,
    at={"u": 3.0, "v": 4.0},
    expected={
        "u": lambda u, v: 2 * u + 2 * v + 1,
        "v": lambda u, v: 3 * v**2 + 2 * u + 1,
    },
    name="u^2 + v^3 + 2uv + u + v",
)
print(result)

# %%
# A cube in one of the variables
# ------------------------------
#
# .. math::
#
#    \begin{aligned}
#    f &= uv + u^2 + v^3 \\
#    \frac{\partial f}{\partial u} &= 2u + v \\
#    \frac{\partial f}{\partial v} &= 3v^2 + u
#    \end{aligned}
#
# At :math:`u = 2, v = 4`: :math:`f = 8 + 4 + 64 = 76`.
#
# **Predict** before you run the cell: what are ``u.grad`` and ``v.grad`` there?
u = torch.tensor(2.0, requires_grad=True)
v = torch.tensor(4.0, requires_grad=True)
f = u * v + u**2 + v**3
f.backward()
print("f at u = 2, v = 4:", f.item())
print("∂f/∂u (u.grad):", u.grad.item())
print("∂f/∂v (v.grad):", v.grad.item())

# %%
# :math:`\frac{\partial f}{\partial u} = 4 + 4 = 8` and
# :math:`\frac{\partial f}{\partial v} = 48 + 2 = 50`.
print(gradbook.check_value(f, 76.0, name="f at u = 2, v = 4"))
print(gradbook.check_value(u.grad, 8.0, name="∂f/∂u"))
print(gradbook.check_value(v.grad, 50.0, name="∂f/∂v"))

# %%
# And the formulas for both partial derivatives, at the same point:
result = gradbook.check_partials(
    lambda u, v: u * v + u**2 + v**3,
    at={"u": 2.0, "v": 4.0},
    expected={"u": lambda u, v: 2 * u + v, "v": lambda u, v: 3 * v**2 + u},
    name="uv + u^2 + v^3",
)
print(result)

# %%
# Practice: :math:`f = uv + (uv)^2`
# ---------------------------------
# Your turn before reading on. Compute, with autograd, the value of
#
# .. math::
#
#    f(u, v) = uv + (uv)^2
#
# at :math:`u = 2, v = 1`, and both partial derivatives there. Work them out by hand
# too (the chain rule helps with :math:`(uv)^2`). Then check your pair
# :math:`(\partial f / \partial u, \partial f / \partial v)`: in the downloaded
# notebook or script, put it in place of ``None`` below and run the cell.
your_answer = None  # (∂f/∂u, ∂f/∂v) at u = 2, v = 1
print(gradbook.check_answer("partial-uv", your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** The derivative of :math:`(uv)^2` with respect to :math:`u` is
# :math:`2(uv) \cdot v`, and with respect to :math:`v` it is :math:`2(uv) \cdot u`:
#
# .. math::
#
#    \begin{aligned}
#    \frac{\partial f}{\partial u} &= v + 2uv^2 \\
#    \frac{\partial f}{\partial v} &= u + 2u^2v
#    \end{aligned}
#
# At :math:`u = 2, v = 1`: :math:`f = 2 + 4 = 6`,
# :math:`\frac{\partial f}{\partial u} = 1 + 4 = 5` and
# :math:`\frac{\partial f}{\partial v} = 2 + 8 = 10`. Autograd agrees:
u = torch.tensor(2.0, requires_grad=True)
v = torch.tensor(1.0, requires_grad=True)
f = u * v + (u * v) ** 2
f.backward()
print("f = uv + (uv)^2 at u = 2, v = 1:", f.item())
print("∂f/∂u (u.grad):", u.grad.item())
print("∂f/∂v (v.grad):", v.grad.item())
print(gradbook.check_answer("partial-uv", (u.grad, v.grad)))

# %%
# And the book's own checks of the value, the gradients and the formulas:
print(gradbook.check_value(f, 6.0, name="f at u = 2, v = 1"))
print(gradbook.check_value(u.grad, 5.0, name="∂f/∂u"))
print(gradbook.check_value(v.grad, 10.0, name="∂f/∂v"))

# %%
# And the formulas for both partial derivatives, at the same point:
result = gradbook.check_partials(
    lambda u, v: u * v + (u * v) ** 2,
    at={"u": 2.0, "v": 1.0},
    expected={
        "u": lambda u, v: v + 2 * u * v**2,
        "v": lambda u, v: u + 2 * u**2 * v,
    },
    name="uv + (uv)^2",
)
print(result)

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * Give every variable its own tensor with ``requires_grad=True``, and create them
#   all before using them.
# * One ``backward()`` computes every partial derivative: ``u.grad`` holds
#   :math:`\partial f / \partial u`, ``v.grad`` holds :math:`\partial f / \partial v`.
# * A partial derivative is the ordinary derivative of a slice where the other
#   variables are held fixed. The :doc:`/notation` page collects the symbols
#   (:math:`\partial f / \partial u`, the gradient :math:`\nabla f`) and the calls.
#
# Next, :ref:`tut-sum-trick` differentiates a function at many points at once.
