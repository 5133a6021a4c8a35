"""
.. _tut-hvp:

Hessian-vector products and double backward
===========================================

Get second-order information without the Hessian. By the end you can compute a
Hessian-vector product three ways (double backward, forward-over-reverse with
``torch.func``, and ``torch.autograd.functional.hvp``), say how much memory it saves
over the Hessian, and write a custom autograd Function that supports double backward,
checked with ``gradgradcheck`` and usable under ``torch.func``.

:Assumes: :ref:`tut-higher-order`, :ref:`tut-jacobians`, :ref:`tut-forward-mode`, :ref:`tut-custom-function`
"""

# %%
# How the gradient turns
# ----------------------
# The :term:`Hessian` :math:`H` of a function says how its gradient changes as the
# point moves. Most methods that use it need only its product with one direction
# :math:`v`, the :term:`Hessian-vector product <HVP>`: the change of the gradient
# when the point moves along :math:`v`,
#
# .. math::
#
#    H v = \lim_{\varepsilon \to 0}
#    \frac{\nabla f(x + \varepsilon v) - \nabla f(x - \varepsilon v)}{2 \varepsilon}.
#
# Newton's method steps by the :math:`d` that solves :math:`H d = -\nabla f`, which
# conjugate gradients finds from HVPs alone; the curvature along :math:`v` is
# :math:`v^\top H v`. Take
#
# .. math::
#
#    f(x) = \tfrac14 \sum_i x_i^4 + \sum_i x_i x_{i+1}, \qquad
#    H = \begin{pmatrix} 3x_1^2 & 1 & 0 \\ 1 & 3x_2^2 & 1 \\ 0 & 1 & 3x_3^2
#    \end{pmatrix}
#
# at :math:`x = (1, 2, -1)` with :math:`v = (1, -1, 2)`:
#
# .. math::
#
#    H = \begin{pmatrix} 3 & 1 & 0 \\ 1 & 12 & 1 \\ 0 & 1 & 3 \end{pmatrix},
#    \qquad H v = (3 - 1,\; 1 - 12 + 2,\; -1 + 6) = (2, -9, 5).
import torch

import gradbook

# sphinx_gallery_thumbnail_number = 1

torch.manual_seed(0)  # nothing random below; a habit that makes every run the same


def f(x):
    return (x**4).sum() / 4 + (x[:-1] * x[1:]).sum()


x0 = torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64)
v = torch.tensor([1.0, -1.0, 2.0], dtype=torch.float64)
H = torch.autograd.functional.hessian(f, x0)
print("H =", H.tolist())
print("H v =", (H @ v).tolist())
print("curvature along v, v·Hv =", (v @ H @ v).item())

# %%
print(
    gradbook.check_value(H, [[3, 1, 0], [1, 12, 1], [0, 1, 3]], name="H at (1, 2, -1)")
)
print(gradbook.check_value(H @ v, [2, -9, 5], name="H v"))
print(gradbook.check_value(v @ H @ v, 21, name="v·Hv = 2 + 9 + 10"))

# %%
# The limit above, with a small :math:`\varepsilon`: two gradients, one step apart,
# already give :math:`Hv` to many digits.
eps = 1e-4
gradient_plus = torch.func.grad(f)(x0 + eps * v)
gradient_minus = torch.func.grad(f)(x0 - eps * v)
finite_difference = (gradient_plus - gradient_minus) / (2 * eps)
print("(∇f(x + εv) - ∇f(x - εv)) / 2ε =", finite_difference.round(decimals=6).tolist())

# %%
print(gradbook.check_value(finite_difference, [2, -9, 5], name="difference", atol=1e-6))

# %%
# Three ways to compute :math:`Hv`
# --------------------------------
# **1. Double backward.** The gradient, computed with :term:`create_graph=True
# <create_graph>`, is a tensor autograd can differentiate again
# (:ref:`tut-higher-order`). The dot product :math:`g \cdot v` is a single number,
# and its gradient is :math:`Hv` (since :math:`H` is symmetric):
x = x0.clone().requires_grad_()
(g,) = torch.autograd.grad(f(x), x, create_graph=True)
(hvp_double_backward,) = torch.autograd.grad(g @ v, x)
print("double backward:", hvp_double_backward.tolist())

# %%
print(gradbook.check_value(hvp_double_backward, [2, -9, 5], name="double backward"))

# %%
# **2. Forward over reverse.** :math:`Hv` is the derivative of the gradient along
# :math:`v`: a :term:`Jacobian-vector product <JVP>` of the gradient function. With
# ``torch.func``, a forward-mode ``jvp`` (:ref:`tut-forward-mode`) of the reverse-mode
# ``grad``:
from torch.func import grad, jvp

_, hvp_forward_over_reverse = jvp(grad(f), (x0,), (v,))
print("jvp(grad(f)):", hvp_forward_over_reverse.tolist())

# %%
print(gradbook.check_value(hvp_forward_over_reverse, [2, -9, 5], name="jvp(grad(f))"))

# %%
# **3. The ready-made function.** ``torch.autograd.functional.hvp(f, x, v)`` returns
# :math:`f(x)` and :math:`Hv` (it runs double backward inside):
value, hvp_functional = torch.autograd.functional.hvp(f, x0, v)
print("f(x) =", value.item(), "| hvp:", hvp_functional.tolist())

# %%
print(gradbook.check_value(value, 4.5, name="f(1, 2, -1) = 18/4 + 2 - 2"))
print(gradbook.check_value(hvp_functional, [2, -9, 5], name="functional.hvp"))
print(gradbook.check_value(hvp_functional, H @ v, name="= the explicit H @ v"))

# %%
# The three agree with the explicit product. Double backward and
# ``functional.hvp`` need nothing beyond ``backward``; forward over reverse needs
# every operation to support forward mode too (a custom Function needs a ``jvp``,
# as the end of this page shows).
#
# The Hessian is :math:`n` HVPs
# -----------------------------
# :math:`H e_i` is the :math:`i`-th column of :math:`H`. So building the Hessian of a
# function of :math:`n` variables costs :math:`n` HVPs, one per basis vector:
columns = [jvp(grad(f), (x0,), (e,))[1] for e in torch.eye(3, dtype=torch.float64)]
H_from_hvps = torch.stack(columns, dim=1)
print("H from 3 HVPs:", H_from_hvps.tolist())

# %%
print(gradbook.check_value(H_from_hvps, H, name="H from 3 HVPs = H"))

# %%
# Why you never build the Hessian of a model
# ------------------------------------------
# A Hessian has :math:`n^2` numbers. An HVP needs a few vectors of :math:`n`.
#
# .. admonition:: Predict before you run
#
#    How many bytes does the Hessian of this :math:`f` take for :math:`n = 1000`
#    variables in float32 (4 bytes a number)? And for a small model of a million
#    parameters?
#
# The memory of an HVP is what autograd *saves* for its two backward passes: a
# ``saved_tensors_hooks`` pair sees every tensor autograd saves, and counts its bytes.
import matplotlib.pyplot as plt


def hessian_bytes(n):
    x = torch.linspace(-1, 1, n)
    return torch.autograd.functional.hessian(f, x, vectorize=True).nbytes


def hvp_bytes(n):
    """Bytes autograd saves to compute one HVP by double backward, plus the result."""
    saved = []

    def pack(t):
        saved.append(t.nbytes)
        return t

    x = torch.linspace(-1, 1, n, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        (g,) = torch.autograd.grad(f(x), x, create_graph=True)
        (hv,) = torch.autograd.grad(g @ torch.ones(n), x)
    return sum(saved) + hv.nbytes


built = {n: hessian_bytes(n) for n in (10, 100, 1000)}
counted = {n: hvp_bytes(n) for n in (10, 100, 1000, 10**4)}
for n, hvp_count in counted.items():
    hessian = f"{built[n]:>11,} bytes" if n in built else f"{4 * n * n:,} bytes (4n²)"
    print(f"n = {n:6}: HVP {hvp_count:>7,} bytes | Hessian {hessian}")

# %%
print(gradbook.check_value(built[1000], 4e6, name="Hessian bytes, n = 1000"))
print(
    gradbook.check_value(
        counted[1000] / 1000, 36.0, name="HVP bytes per variable", atol=0.1
    )
)
print(
    gradbook.check_value(counted[10**4] / 10**4, 36.0, name="... at n = 10^4", atol=0.1)
)

# %%
# Nine vectors of :math:`n` numbers (36 bytes a variable, whatever :math:`n`)
# against :math:`4 n^2` bytes: at a million parameters the Hessian would take four
# terabytes, the HVP 36 megabytes. In the figure the markers are the measured
# counts, the lines the two formulas.
sizes = torch.logspace(1, 9, 9)
with gradbook.style():
    fig, ax = plt.subplots(layout="constrained")
    ax.loglog(sizes, 4 * sizes**2, label="Hessian: 4n² bytes")
    ax.loglog(sizes, 36 * sizes, "--", label="HVP: 36n bytes")
    ax.loglog(list(built), list(built.values()), "o", color="C0")
    ax.loglog(list(counted), list(counted.values()), "s", color="C1")
    ax.axhline(1e12, color="grey", linewidth=1, linestyle=":")
    ax.text(10, 2e12, "1 TB", color="grey")
    ax.set(xlabel="variables n", ylabel="bytes", title="Memory: Hessian vs HVP")
    ax.legend(loc="lower right")
plt.show()

# %%
# A custom Function that supports double backward
# -----------------------------------------------
# An HVP differentiates the backward pass. For a :term:`custom autograd Function`
# (:ref:`tut-custom-function`), that means differentiating *your* ``backward``.
# Autograd can, when ``backward`` computes its result with differentiable torch
# operations: under ``create_graph=True`` it records them like any others, and
# :term:`double backward` works with no extra code. ``Cube`` computes :math:`x^3`,
# written in the form that ``torch.func`` accepts, with a ``jvp`` for forward mode:


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x**3

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)  # for backward
        ctx.save_for_forward(x)  # for jvp

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x**2  # torch operations: differentiable again

    @staticmethod
    def jvp(ctx, x_tangent):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * x_tangent


x = torch.tensor(2.0, requires_grad=True)
(first,) = torch.autograd.grad(Cube.apply(x), x, create_graph=True)
(second,) = torch.autograd.grad(first, x)
print("d/dx x^3 at 2:", first.item(), "| d2/dx2:", second.item())

# %%
print(gradbook.check_value(first, 12.0, name="3x^2 at x = 2"))
print(gradbook.check_value(second, 12.0, name="6x at x = 2"))

# %%
# ``torch.autograd.gradcheck`` compares a backward with finite differences;
# ``torch.autograd.gradgradcheck`` does the same for the backward *of the backward*
# (in float64, where finite differences are accurate):
x64 = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
print("gradcheck:    ", torch.autograd.gradcheck(Cube.apply, (x64,)))
print("gradgradcheck:", torch.autograd.gradgradcheck(Cube.apply, (x64,)))

# %%
print(
    gradbook.check_claim(
        torch.autograd.gradgradcheck(Cube.apply, (x64,)),
        True,
        name="gradgradcheck(Cube) passes",
    )
)

# %%
# The trap: a backward that autograd cannot see into. Here the saved input is
# detached (the same happens with NumPy, ``.item()`` or ``.data`` inside
# ``backward``). The first derivative is still right, so ``gradcheck`` passes; the
# second derivative silently loses the part that goes through :math:`3x^2`. In
# :math:`x^3 + x^2` at :math:`x = 2` it should be :math:`6x + 2 = 14`:


class CubeDetached(Cube):  # the same Function, another backward
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x.detach() ** 2  # invisible to autograd


x = torch.tensor(2.0, requires_grad=True)
(first,) = torch.autograd.grad(CubeDetached.apply(x) + x**2, x, create_graph=True)
(second,) = torch.autograd.grad(first, x)
print("first:", first.item(), "(right) | second:", second.item(), "(should be 14)")

# %%
print(gradbook.check_value(first, 16.0, name="3x^2 + 2x at 2"))
print(gradbook.check_value(second, 2.0, name="the detached second derivative"))
print(
    gradbook.check_claim(
        torch.autograd.gradcheck(CubeDetached.apply, (x64,)),
        True,
        name="gradcheck(CubeDetached) passes",
    )
)

# %%
# ``gradgradcheck`` catches it: the backward's own derivative, computed by autograd,
# is 0; finite differences say otherwise.
from torch.autograd.gradcheck import GradcheckError

with gradbook.expect_error(GradcheckError, match="Jacobian mismatch"):
    torch.autograd.gradgradcheck(CubeDetached.apply, (x64,))

# %%
# Under ``torch.func``
# --------------------
# Because ``Cube`` uses ``setup_context``, the ``torch.func`` transforms accept it
# (:ref:`tut-custom-function`): ``grad`` of ``grad`` calls its backward twice, and
# ``jvp`` calls its ``jvp`` staticmethod, :math:`3x^2 \dot x`:
at_2 = torch.tensor(2.0)
print("grad(grad(Cube))(2) =", grad(grad(Cube.apply))(at_2).item())
print(
    "jvp(Cube, 2, tangent 1) =",
    jvp(Cube.apply, (at_2,), (torch.tensor(1.0),))[1].item(),
)

# %%
print(
    gradbook.check_value(grad(grad(Cube.apply))(at_2), 12.0, name="grad(grad(Cube))(2)")
)
print(
    gradbook.check_value(
        jvp(Cube.apply, (at_2,), (torch.tensor(1.0),))[1], 12.0, name="jvp, tangent 1"
    )
)

# %%
# So all three HVPs work through ``Cube``. For
# :math:`f_c(x) = \tfrac13 \sum_i x_i^3 + \sum_i x_i x_{i+1}` the Hessian has
# :math:`2x_i` on its diagonal; at the same :math:`x` and :math:`v`:
#
# .. math::
#
#    H v = \begin{pmatrix} 2 & 1 & 0 \\ 1 & 4 & 1 \\ 0 & 1 & -2 \end{pmatrix}
#    \begin{pmatrix} 1 \\ -1 \\ 2 \end{pmatrix} = (1, -1, -5).


def f_cube(x):
    return Cube.apply(x).sum() / 3 + (x[:-1] * x[1:]).sum()


x = x0.clone().requires_grad_()
(g,) = torch.autograd.grad(f_cube(x), x, create_graph=True)
three_ways = {
    "double backward": torch.autograd.grad(g @ v, x)[0],
    "jvp(grad(f))": jvp(grad(f_cube), (x0,), (v,))[1],
    "functional.hvp": torch.autograd.functional.hvp(f_cube, x0, v)[1],
}
for name, hv in three_ways.items():
    print(f"{name:16} {hv.tolist()}")

# %%
for name, hv in three_ways.items():
    print(gradbook.check_value(hv, [1, -1, -5], name=name))

# %%
# Forward over reverse is the one that needs ``jvp``: the tangent :math:`v` passes
# through the Function's *forward*. Without the staticmethod, that HVP fails, while
# double backward, which never runs forward mode, still works:


class CubeNoJvp(torch.autograd.Function):
    forward, backward = Cube.forward, Cube.backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])


def f_no_jvp(x):
    return CubeNoJvp.apply(x).sum() / 3 + (x[:-1] * x[1:]).sum()


with gradbook.expect_error(NotImplementedError, match="must implement the jvp"):
    jvp(grad(f_no_jvp), (x0,), (v,))
print("functional.hvp:", torch.autograd.functional.hvp(f_no_jvp, x0, v)[1].tolist())

# %%
hv_no_jvp = torch.autograd.functional.hvp(f_no_jvp, x0, v)[1]
print(gradbook.check_value(hv_no_jvp, [1, -1, -5], name="double backward without jvp"))

# %%
# Practice: an HVP by hand
# ------------------------
# For :math:`f(x) = (x_1^2 + x_2^2)^2` at :math:`x = (1, 2)`, what is :math:`Hv` for
# :math:`v = (1, 0)`? Work out :math:`H` by hand (or skip it: :math:`Hv` is the
# first column) and put your two numbers in place of ``None``; then check with any of
# the three ways above.


def squared_norm_squared(x):
    return (x @ x) ** 2


practice = gradbook.Exercise(
    "hvp-by-hand",
    "For f(x) = (x1^2 + x2^2)^2 at x = (1, 2), what is Hv for v = (1, 0)?",
    asks="H v",
    compute=lambda: torch.autograd.functional.hvp(
        squared_norm_squared,
        torch.tensor([1.0, 2.0], dtype=torch.float64),
        torch.tensor([1.0, 0.0], dtype=torch.float64),
    )[1],
)
your_answer = None  # H v, two numbers
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** With :math:`s = x^\top x`, :math:`\nabla f = 4 s\, x` and
# :math:`H = 4 s I + 8 x x^\top`. At :math:`x = (1, 2)`, :math:`s = 5`:
#
# .. math::
#
#    H = 20 I + 8 \begin{pmatrix} 1 & 2 \\ 2 & 4 \end{pmatrix}
#      = \begin{pmatrix} 28 & 16 \\ 16 & 52 \end{pmatrix}, \qquad
#    H v = (28, 16).
point = torch.tensor([1.0, 2.0])
_, hv = jvp(grad(squared_norm_squared), (point,), (torch.tensor([1.0, 0.0]),))
print("H v =", hv.tolist())
print(gradbook.check_answer(practice, hv))

# %%
print(gradbook.check_value(hv, [28, 16], name="H v for (x1^2 + x2^2)^2"))

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * A Hessian-vector product :math:`Hv` is the change of the gradient along
#   :math:`v`. Compute it by double backward (``grad`` with ``create_graph=True``,
#   then the gradient of :math:`g \cdot v`), by forward over reverse
#   (``torch.func.jvp(torch.func.grad(f), (x,), (v,))``), or with
#   ``torch.autograd.functional.hvp``.
# * The Hessian is :math:`n` HVPs and :math:`n^2` numbers; an HVP costs a few vectors
#   of :math:`n` (here 36 bytes a variable). Methods that need curvature use HVPs.
# * A custom Function supports double backward when its ``backward`` is written with
#   differentiable torch operations; detaching inside it makes second derivatives
#   silently wrong. ``gradgradcheck`` catches that; ``gradcheck`` does not.
# * With ``setup_context`` the Function works under ``torch.func.grad``; forward over
#   reverse also needs its ``jvp`` staticmethod.
#
# Next, :ref:`tut-accumulation` shows what happens to ``.grad`` when ``backward()``
# runs more than once.
