"""
.. _tut-forward-mode:

Forward-mode differentiation
============================

Compute a derivative in the same pass as the value, instead of walking backwards
afterwards. By the end you can explain dual numbers, compute derivatives with
``torch.autograd.forward_ad`` and ``torch.func.jvp`` (a
:doc:`Jacobian-vector product </notation>`), and tell when forward mode is cheaper
than the reverse mode that ``backward()`` uses.

:Assumes: :ref:`tut-scalar`, :ref:`tut-jacobians`
"""

# %%
# A sensitivity question
# ----------------------
# A ball is thrown at 20 m/s at an angle :math:`\theta` of 45 degrees. Its height at
# time :math:`t` is :math:`h(t) = 20 \sin(\theta)\, t - \tfrac{g}{2} t^2`. How does
# the whole path move if the angle grows a little? That is the derivative of *every*
# height with respect to *one* input, :math:`\partial h(t) / \partial\theta =
# 20 \cos(\theta)\, t`: one input, 50 outputs. Reverse mode (``backward()``) would
# need one pass per height; forward mode answers in a single pass, with
# ``torch.func.jvp``:
import math

import torch

import gradbook

times = torch.linspace(0, 2.5, 50, dtype=torch.float64)


def heights(theta):
    return 20 * torch.sin(theta) * times - 9.81 / 2 * times**2


theta = torch.tensor(math.pi / 4, dtype=torch.float64)
h, dh_dtheta = torch.func.jvp(heights, (theta,), (torch.ones_like(theta),))
print(f"at t = 2.5 s: height {h[-1].item():.2f} m, ", end="")
print(f"higher by {dh_dtheta[-1].item():.2f} m per radian of extra angle")

# %%
print(gradbook.check_value(h[-1], 4.70, name="height at 2.5 s", atol=5e-3))
print(gradbook.check_value(dh_dtheta, 20 * math.cos(math.pi / 4) * times, name="∂h/∂θ"))
print(gradbook.check_value(dh_dtheta[-1], 35.36, name="∂h/∂θ at 2.5 s", atol=5e-3))

# %%
# This page shows how one pass can carry a derivative along with the values.
#
# Dual numbers
# ------------
# A :term:`dual number` extends every number :math:`a` with a second part, written
# :math:`a + b\varepsilon`,
# where :math:`\varepsilon` is a symbol with :math:`\varepsilon^2 = 0`. Multiplying two
# of them,
#
# .. math::
#
#    (a + b\varepsilon)(c + d\varepsilon) = ac + (ad + bc)\,\varepsilon
#
# gives the product rule in the :math:`\varepsilon` part. For any polynomial (and, by
# defining each function that way, for any smooth function)
#
# .. math::
#
#    f(x + 1\varepsilon) = f(x) + f'(x)\,\varepsilon
#
# so evaluating :math:`f` once on :math:`x + 1\varepsilon` yields the value *and* the
# derivative. Here is a dual number in a few lines of plain Python.
from dataclasses import dataclass


@dataclass
class Dual:
    value: float
    tangent: float  # the coefficient of epsilon

    def __add__(self, other):
        other = other if isinstance(other, Dual) else Dual(other, 0.0)
        return Dual(self.value + other.value, self.tangent + other.tangent)

    def __mul__(self, other):
        other = other if isinstance(other, Dual) else Dual(other, 0.0)
        return Dual(
            self.value * other.value,
            self.value * other.tangent + self.tangent * other.value,
        )

    __radd__, __rmul__ = __add__, __mul__


# %%
# Take :math:`f(x) = x^3 + 2x`, so :math:`f'(x) = 3x^2 + 2`; at :math:`x = 2` the value
# is 12 and the derivative 14. Feed in :math:`2 + 1\varepsilon`:


def f(x):
    return x * x * x + 2 * x


out = f(Dual(2.0, 1.0))
print(f"f(2 + ε) = {out.value} + {out.tangent} ε")

# %%
print(gradbook.check_value(out.value, 12.0, name="f(2) = x^3 + 2x at x = 2"))
print(
    gradbook.check_derivative(
        f, at=2.0, expected=lambda x: 3 * x**2 + 2, name="x^3 + 2x (reverse mode)"
    )
)
print(gradbook.check_value(out.tangent, 14.0, name="ε part = f'(2) = 3x^2 + 2"))
f_prime = gradbook.Formula("x**3 + 2*x").diff("x")  # sympy's derivative
print(
    gradbook.check_value(
        out.tangent, f_prime(2.0), name=f"ε part = {f_prime.text} (sympy)"
    )
)

# %%
# Dual tensors: ``torch.autograd.forward_ad``
# -------------------------------------------
# PyTorch has dual numbers built in. Inside a ``dual_level``, ``make_dual`` attaches a
# :term:`tangent` to a tensor; every operation then carries the tangent along, and
# ``unpack_dual`` splits the result back into value and derivative. No graph is
# recorded and there is no ``backward()``.
import torch.autograd.forward_ad as fwAD

with fwAD.dual_level():
    x = fwAD.make_dual(torch.tensor(2.0), torch.tensor(1.0))
    y = f(x)
    value, derivative = fwAD.unpack_dual(y)
print("value f(2) =", value.item(), "| tangent f'(2) =", derivative.item())

# %%
print(gradbook.check_value(value, 12.0, name="forward_ad value at x = 2"))
print(gradbook.check_value(derivative, 14.0, name="forward_ad tangent at x = 2"))

# %%
# ``torch.func.jvp``
# ------------------
# ``torch.func.jvp(f, (x,), (u,))`` wraps the same machinery: it returns
# :math:`f(x)` and the :term:`Jacobian-vector product` :math:`J u`, the derivative of
# :math:`f` at :math:`x` in the direction :math:`u`. For one input, :math:`u = 1` gives
# :math:`f'(x)`.
value, derivative = torch.func.jvp(f, (torch.tensor(2.0),), (torch.tensor(1.0),))
print("jvp: value", value.item(), "| derivative", derivative.item())

# %%
print(gradbook.check_value(derivative, 14.0, name="torch.func.jvp derivative at x = 2"))

# %%
# With several inputs, the direction :math:`u` says how fast each input moves, and the
# JVP is the rate of change of the output along that direction. For
# :math:`h(x) = x_1^2 x_2` at :math:`(1, 2)` in the direction :math:`u = (3, -1)`:
#
# .. math::
#
#    J u = \frac{\partial h}{\partial x_1} u_1 + \frac{\partial h}{\partial x_2} u_2
#        = 2 x_1 x_2 \cdot 3 + x_1^2 \cdot (-1) = 12 - 1 = 11
x = torch.tensor([1.0, 2.0])
u = torch.tensor([3.0, -1.0])
_, Ju = torch.func.jvp(lambda x: x[0] ** 2 * x[1], (x,), (u,))
print("J u at (1, 2) along (3, -1):", Ju.item())

# %%
print(gradbook.check_value(Ju, 11.0, name="directional derivative J u"))

# %%
# A whole curve in one forward pass
# ---------------------------------
# For an element-wise function the Jacobian is diagonal, so :math:`J u` with
# :math:`u = (1, \ldots, 1)` is the derivative at every point -- the forward-mode twin
# of the sum trick. Take :math:`f(x) = x \sin x`, with
# :math:`f'(x) = \sin x + x \cos x`.
xs = torch.linspace(-6, 6, 241, dtype=torch.float64)
ys, dys = torch.func.jvp(lambda t: t * torch.sin(t), (xs,), (torch.ones_like(xs),))
print("f'(x) at x = -6, 0, 6:", [round(v, 4) for v in dys[::120].tolist()])

# %%
name = "one jvp: f'(x) against sin x + x cos x"
print(gradbook.check_value(dys, torch.sin(xs) + xs * torch.cos(xs), name=name))
print(
    gradbook.check_elementwise(
        lambda t: t * torch.sin(t),
        xs,
        lambda t: torch.sin(t) + t * torch.cos(t),
        name="x sin x (reverse mode)",
        derivative_name="sin x + x cos x",
    )
)

# %%
import matplotlib.pyplot as plt

with gradbook.style():
    ax = gradbook.plot_with_derivative(
        xs, ys, dys, label="f(x) = x sin x", derivative_label="f'(x) from one jvp"
    )
    ax.set_ylabel("value")
    ax.set_title("Value and derivative in one forward pass")
    ax.legend(loc="upper center")
plt.show()

# %%
# When is forward mode cheaper?
# -----------------------------
# One forward pass (a JVP) gives one **column** of the Jacobian: how *every* output
# responds to one input direction. One reverse pass (a VJP, what ``backward()`` does)
# gives one **row**: how *one* output responds to every input. For
# :math:`f: \mathbb{R}^n \to \mathbb{R}^m`, the full Jacobian costs :math:`n` forward
# passes or :math:`m` reverse passes.
#
# Take two inputs and 200 outputs, :math:`g_k(x) = x_1 \cos(k x_2)` for
# :math:`k = 1, \ldots, 200`, whose Jacobian columns are
# :math:`\partial g_k / \partial x_1 = \cos(k x_2)` and
# :math:`\partial g_k / \partial x_2 = -k x_1 \sin(k x_2)`.
#
# **Predict** before you run the next two cells: how many passes does each mode
# need for this whole Jacobian?
#
# Forward mode, one pass per input direction:
k = torch.arange(1, 201, dtype=torch.float64)


def g(x):
    return x[0] * torch.cos(k * x[1])


x = torch.tensor([2.0, 0.5], dtype=torch.float64)
columns = [torch.func.jvp(g, (x,), (e,))[1] for e in torch.eye(2, dtype=torch.float64)]
J_forward = torch.stack(columns, dim=1)
print("forward mode:", len(columns), "passes -> J of shape", tuple(J_forward.shape))

# %%
# Forward mode needed 2 passes, one per input. Reverse mode needs one
# vector-Jacobian product per output, 200 of them. (``jacrev``
# batches them with ``vmap`` into one pass, as :ref:`tut-jacobians` showed, but that
# pass still does the work of 200.)
_, vjp_fn = torch.func.vjp(g, x)
rows = [vjp_fn(e)[0] for e in torch.eye(200, dtype=torch.float64)]
J_reverse = torch.stack(rows)
print("reverse mode:", len(rows), "passes -> J of shape", tuple(J_reverse.shape))

# %%
J_hand = torch.stack([torch.cos(k * x[1]), -k * x[0] * torch.sin(k * x[1])], dim=1)
name = "J against (cos(k x2), -k x1 sin(k x2))"
print(gradbook.check_value(J_forward, J_hand, name="forward-mode " + name))
print(gradbook.check_value(J_reverse, J_hand, name="reverse-mode " + name))
print(gradbook.check_value(len(columns), 2, name="forward passes: one per input"))
print(gradbook.check_value(len(rows), 200, name="reverse passes: one per output"))

# %%
# The rule of thumb:
#
# * **few inputs, many outputs** (a curve, a simulation driven by one parameter):
#   forward mode, ``torch.func.jvp`` or ``jacfwd``;
# * **many inputs, one output** (a loss of a network with millions of parameters):
#   reverse mode, ``backward()`` or ``jacrev``; one pass gives the whole gradient,
#   where forward mode would need one pass per parameter.
#
# That second case is why training uses ``backward()``.
#
# Practice: a derivative along a direction
# ----------------------------------------
# Your turn before reading on. For
#
# .. math::
#
#    s(x) = x_1 \sin(x_2) + x_3^2
#
# at :math:`x = (2, 0, 1)`, how fast does :math:`s` change when the inputs move
# along :math:`u = (1, 2, -1)`? Compute the Jacobian-vector product :math:`J u` with
# one ``torch.func.jvp`` call, and by hand from the partial derivatives. Then check
# your number: in the downloaded notebook or script, put it in place of ``None``
# below and run the cell. The exercise computes the answer in reverse mode, as the
# gradient times :math:`u`.


def s(x):
    return x[0] * torch.sin(x[1]) + x[2] ** 2


point = torch.tensor([2.0, 0.0, 1.0])
direction = torch.tensor([1.0, 2.0, -1.0])
practice = gradbook.Exercise(
    "directional-derivative",
    "What is J u for s(x) = x1 sin(x2) + x3^2 at (2, 0, 1) along u = (1, 2, -1)?",
    asks="J u at (2, 0, 1) along (1, 2, -1)",
    compute=lambda: torch.func.grad(s)(point) @ direction,
)
your_answer = None  # J u
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** The partial derivatives are :math:`\sin x_2 = 0`,
# :math:`x_1 \cos x_2 = 2` and :math:`2x_3 = 2`, so
#
# .. math::
#
#    J u = 0 \cdot 1 + 2 \cdot 2 + 2 \cdot (-1) = 2
#
# One forward pass gives the same, without the partial derivatives:
value, Ju = torch.func.jvp(s, (point,), (direction,))
print("s(2, 0, 1) =", value.item(), "| J u =", Ju.item())
print(gradbook.check_answer(practice, Ju))

# %%
# And the book's own check:
print(gradbook.check_value(Ju, 2.0, name="J u = 0 * 1 + 2 * 2 + 2 * (-1)"))

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# Dual numbers :math:`a + b\varepsilon` with :math:`\varepsilon^2 = 0` carry a
# derivative along with a value. ``torch.autograd.forward_ad`` (``dual_level``,
# ``make_dual``, ``unpack_dual``) and ``torch.func.jvp`` compute Jacobian-vector
# products that way, one Jacobian column per pass; ``backward()`` computes one row per
# pass. Pick the mode whose count of passes is smaller.
#
# Next, :ref:`tut-hvp` combines the two directions: forward over reverse gives
# Hessian-vector products without ever building the Hessian.

# sphinx_gallery_thumbnail_number = 1
