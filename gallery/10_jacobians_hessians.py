"""
.. _tut-jacobians:

Jacobians and Hessians
======================

Collect every partial derivative of a function with many inputs and many outputs into
one matrix. By the end you can compute a Jacobian and a Hessian with
``torch.autograd.functional`` and with ``torch.func`` (``grad``, ``jacrev``, ``jacfwd``,
``hessian``, ``vmap``), read the Jacobian's layout (one row per output), and explain
the sum trick as a vector-Jacobian product. The symbols are summed up on the
:doc:`notation page </notation>`.

:Assumes: :ref:`tut-partials`, :ref:`tut-sum-trick`, :ref:`tut-higher-order`
"""

# %%
# Why whole matrices?
# -------------------
# Gradient descent steps against the gradient with a step size you have to guess
# (:ref:`tut-capstone`). Newton's method also uses the second derivatives, collected
# in the :term:`Hessian` :math:`H`, and takes the step
#
# .. math::
#
#    x_\text{new} = x - H^{-1} \nabla q(x)
#
# On a quadratic function that one step lands exactly on the minimum. Take
# :math:`q(x) = x_1^2 + x_1 x_2 + x_2^2 - 3x_1 - 3x_2`, whose minimum is at
# :math:`(1, 1)`, and start at :math:`(0, 0)`. ``grad`` and ``hessian`` come from
# :mod:`torch.func`; by the end of this page you can read every line.
import torch
from torch.func import grad, hessian, jacfwd, jacrev, vmap

import gradbook


def q(x):
    return x[0] ** 2 + x[0] * x[1] + x[1] ** 2 - 3 * x[0] - 3 * x[1]


start = torch.tensor([0.0, 0.0])
newton_step = torch.linalg.solve(hessian(q)(start), grad(q)(start))  # H^-1 ∇q
after = start - newton_step
print("∇q(0, 0) =", grad(q)(start).tolist(), "| H =", hessian(q)(start).tolist())
print(
    "one Newton step: (0, 0) ->", after.tolist(), "| ∇q there:", grad(q)(after).tolist()
)

# %%
print(gradbook.check_value(after, [1.0, 1.0], name="after one Newton step"))
print(gradbook.check_value(grad(q)(after), [0.0, 0.0], name="∇q after the step"))

# %%
# The gradient and the Hessian are special cases of one object, the Jacobian, which
# holds every first derivative of a function with many inputs and many outputs.
#
# A function with two inputs and three outputs
# --------------------------------------------
# Take :math:`x = (x_1, x_2)` and
#
# .. math::
#
#    f(x) = \begin{bmatrix} x_1^2 x_2 \\ x_1 + 3 x_2 \\ x_2^3 \end{bmatrix}
#
# Its :term:`Jacobian` holds one partial derivative per (output, input)
# pair. **Rows are outputs, columns are inputs**: the entry in row :math:`i`, column
# :math:`j` is :math:`J_{ij} = \partial f_i / \partial x_j`, so :math:`J` has shape
# (3 outputs, 2 inputs).
#
# .. math::
#
#    J(x) = \begin{bmatrix} 2 x_1 x_2 & x_1^2 \\ 1 & 3 \\ 0 & 3 x_2^2 \end{bmatrix}
#
# .. math::
#
#    J(1, 2) = \begin{bmatrix} 4 & 1 \\ 1 & 3 \\ 0 & 12 \end{bmatrix}


def f(x):
    return torch.stack([x[0] ** 2 * x[1], x[0] + 3 * x[1], x[1] ** 3])


def jacobian_by_hand(x):
    x1, x2 = x.tolist()
    return torch.tensor([[2 * x1 * x2, x1**2], [1.0, 3.0], [0.0, 3 * x2**2]])


x = torch.tensor([1.0, 2.0])
print("f(1, 2) =", f(x).tolist())

# %%
# ``torch.autograd.functional.jacobian``
# --------------------------------------
# It calls ``f`` once and runs one backward pass per output. The shape confirms the
# layout: 3 rows (outputs) by 2 columns (inputs). Each entry is checked against the
# formula above.
J = torch.autograd.functional.jacobian(f, x)
print("J has shape", tuple(J.shape), "(outputs, inputs)")
print(J)

# %%
J_hand = jacobian_by_hand(x)
for i in range(3):
    for j in range(2):
        name = f"J[{i}, {j}] = ∂f{i + 1}/∂x{j + 1} at (1, 2)"
        print(gradbook.check_value(J[i, j], J_hand[i, j], name=name))

# %%
# Seeing the layout
# -----------------
# The same matrix as a picture: each row is one output's gradient, each column is how
# every output responds to one input.
import matplotlib.pyplot as plt

with gradbook.style():
    fig, ax = plt.subplots(figsize=(4.2, 4.2), layout="constrained")
    ax.imshow(J.numpy(), cmap="Blues", vmin=-2, vmax=14)
    for i in range(3):
        for j in range(2):
            value = J[i, j].item()
            ax.text(
                j,
                i,
                f"{value:g}",
                ha="center",
                va="center",
                fontsize=18,
                color="white" if value > 8 else "black",
            )
    ax.set_xticks([0, 1], ["x₁", "x₂"])
    ax.set_yticks([0, 1, 2], ["f₁", "f₂", "f₃"])
    ax.set_xlabel("column j: input")
    ax.set_ylabel("row i: output")
    ax.set_title("J[i, j] = ∂fᵢ/∂xⱼ at (1, 2)")
    ax.grid(False)
plt.show()

# %%
# ``torch.func``: ``jacrev`` and ``jacfwd``
# -----------------------------------------
# :mod:`torch.func` turns a function into its derivative function. ``jacrev(f)`` builds
# the Jacobian in :term:`reverse mode`: each row is a
# :term:`vector-Jacobian product <VJP>` (what ``backward()`` computes, explained at the
# end of this page), and ``jacrev`` computes all rows in *one* batched backward pass,
# by ``vmap``-ing the VJP over the rows (``vmap`` is explained below). ``jacfwd(f)``
# does the same in :term:`forward mode`, with one batched pass over the input columns
# (:ref:`tut-forward-mode`). Both give the same matrix.
J_rev = jacrev(f)(x)
J_fwd = jacfwd(f)(x)
print("jacrev(f)(1, 2) =", J_rev.tolist())
print("jacfwd(f)(1, 2) =", J_fwd.tolist())

# %%
print(gradbook.check_value(J_rev, J_hand, name="jacrev(f)(1, 2)"))
print(gradbook.check_value(J_fwd, J_hand, name="jacfwd(f)(1, 2)"))

# %%
# ``torch.autograd.functional.jacobian`` works differently: with its default
# ``vectorize=False`` it loops in Python, one backward pass per output. A *tensor hook*
# (a function autograd calls each time a gradient flows back into a tensor) counts the
# backward passes through :math:`f`'s output.
#
# **Predict** before you run the cell: how many backward passes does each of the
# three calls make, for :math:`f` with its 3 outputs?
passes = []


def f_counted(x):
    y = f(x)
    y.register_hook(lambda grad_y: passes.append(1))
    return y


torch.autograd.functional.jacobian(f_counted, x)
loop = len(passes)
jacrev(f_counted)(x)
batched = len(passes) - loop
torch.autograd.functional.jacobian(f_counted, x, vectorize=True)
vectorized = len(passes) - loop - batched
print("backward passes: jacobian", loop, "| jacrev", batched, end=" ")
print("| jacobian(vectorize=True)", vectorized)

# %%
print(gradbook.check_value(loop, 3, name="jacobian(f): passes for 3 outputs"))
print(gradbook.check_value(batched, 1, name="jacrev(f): one batched pass"))
print(gradbook.check_value(vectorized, 1, name="jacobian(f, vectorize=True)"))

# %%
# The gradient of a scalar function
# ---------------------------------
# A function with one output has a one-row Jacobian; written as a vector it is the
# :doc:`gradient </notation>`. Take :math:`g(x) = x_1^2 x_2 + x_2^3`:
#
# .. math::
#
#    \nabla g(x) = \begin{bmatrix} 2 x_1 x_2 \\ x_1^2 + 3 x_2^2 \end{bmatrix}
#
# .. math::
#
#    \nabla g(1, 2) = \begin{bmatrix} 4 \\ 13 \end{bmatrix}
#
# ``torch.func.grad(g)`` is the function :math:`x \mapsto \nabla g(x)`.


def g(x):
    return x[0] ** 2 * x[1] + x[1] ** 3


grad_g = grad(g)(x)
print("∇g(1, 2) =", grad_g.tolist())

# %%
print(gradbook.check_value(grad_g[0], 4.0, name="∂g/∂x1 = 2 x1 x2 at (1, 2)"))
print(gradbook.check_value(grad_g[1], 13.0, name="∂g/∂x2 = x1^2 + 3 x2^2 at (1, 2)"))
print(
    gradbook.check_partials(
        lambda x1, x2: x1**2 * x2 + x2**3,
        at={"x1": 1.0, "x2": 2.0},
        expected={
            "x1": lambda x1, x2: 2 * x1 * x2,
            "x2": lambda x1, x2: x1**2 + 3 * x2**2,
        },
        name="g",
    )
)

# %%
# The Hessian
# -----------
# The :term:`Hessian` is the Jacobian of the gradient: every second partial
# derivative.
#
# .. math::
#
#    H(x) = \begin{bmatrix}
#    \frac{\partial^2 g}{\partial x_1^2} &
#    \frac{\partial^2 g}{\partial x_1 \partial x_2} \\
#    \frac{\partial^2 g}{\partial x_2 \partial x_1} &
#    \frac{\partial^2 g}{\partial x_2^2}
#    \end{bmatrix}
#
# .. math::
#
#    H(x) = \begin{bmatrix} 2 x_2 & 2 x_1 \\ 2 x_1 & 6 x_2 \end{bmatrix}
#
# .. math::
#
#    H(1, 2) = \begin{bmatrix} 4 & 2 \\ 2 & 12 \end{bmatrix}
#
# ``torch.autograd.functional.hessian`` and ``torch.func.hessian`` both compute it.
H = torch.autograd.functional.hessian(g, x)
H_func = hessian(g)(x)
x1, x2 = x.tolist()
print("H(1, 2) =", H.tolist())

# %%
H_hand = torch.tensor([[2 * x2, 2 * x1], [2 * x1, 6 * x2]])
for i in range(2):
    for j in range(2):
        name = f"H[{i}, {j}] = ∂²g/∂x{i + 1}∂x{j + 1} at (1, 2)"
        print(gradbook.check_value(H[i, j], H_hand[i, j], name=name))
print(gradbook.check_value(H_func, H_hand, name="torch.func.hessian(g)(1, 2)"))

# %%
# The Hessian is symmetric here, because the order of differentiation does not matter
# for smooth functions. And it *is* the Jacobian of the gradient: ``jacfwd(grad(g))``
# gives the same matrix. (``torch.func.hessian(g)`` itself is ``jacfwd(jacrev(g))``:
# forward mode over reverse mode, the same matrix by another route.)
print(gradbook.check_value(H.T, H, name="H transposed"))
print(gradbook.check_value(jacfwd(grad(g))(x), H_hand, name="jacfwd(grad(g))(1, 2)"))

# %%
# Many points at once: ``vmap``
# -----------------------------
# ``vmap`` maps a function over the first dimension of a batch. ``vmap(grad(g))`` gives
# the gradient at every point of a batch, one row per point, without a Python loop.
points = torch.tensor([[1.0, 2.0], [0.0, 1.0], [-1.0, 0.5], [2.0, -1.0]])
grads = vmap(grad(g))(points)
x1, x2 = points[:, 0], points[:, 1]
grads_hand = torch.stack([2 * x1 * x2, x1**2 + 3 * x2**2], dim=1)
for p, row in zip(points.tolist(), grads.tolist(), strict=True):
    print(f"∇g{tuple(p)} = {row}")

# %%
name = "vmap(grad(g)) against (2 x1 x2, x1^2 + 3 x2^2)"
print(gradbook.check_value(grads, grads_hand, name=name))

# %%
# The sum trick, revisited: a vector-Jacobian product
# ---------------------------------------------------
# ``backward()`` never builds the Jacobian. For an output :math:`y` and a vector
# :math:`v` shaped like :math:`y`, it computes the
# :term:`vector-Jacobian product` (see also :doc:`/notation`)
#
# .. math::
#
#    x.\mathrm{grad} = v^\top J = \sum_i v_i \frac{\partial y_i}{\partial x}
#
# and ``y.sum().backward()`` is the case :math:`v = (1, 1, \ldots, 1)`. For an
# element-wise function such as :math:`y = x^2` the Jacobian is diagonal, so
# :math:`v^\top J` with all ones is exactly that diagonal: the derivative at each point.
xs = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
J_sq = torch.autograd.functional.jacobian(lambda t: t**2, xs.detach())
(xs**2).sum().backward()
print("Jacobian of x^2 at (1, 2, 3):", J_sq.tolist())
print("x.grad after the sum trick:", xs.grad.tolist())

# %%
print(
    gradbook.check_value(J_sq, torch.diag(2 * xs.detach()), name="J against diag(2x)")
)
print(
    gradbook.check_value(
        xs.grad, torch.ones(3) @ J_sq, name="x.grad against (1, 1, 1) @ J"
    )
)

# %%
# ``backward(gradient=v)`` takes any :math:`v`. For :math:`f` above (not element-wise),
# :math:`v^\top J` mixes the rows: with :math:`v = (1, 0, 2)` it is row 1 plus twice
# row 3, :math:`(4, 1) + 2\,(0, 12) = (4, 25)`. ``torch.func.vjp`` computes the same
# product.
x = torch.tensor([1.0, 2.0], requires_grad=True)
v = torch.tensor([1.0, 0.0, 2.0])
f(x).backward(gradient=v)
print("v^T J by backward(gradient=v):", x.grad.tolist())
_, vjp_fn = torch.func.vjp(f, x.detach())
(vjp_value,) = vjp_fn(v)
print("v^T J by torch.func.vjp:     ", vjp_value.tolist())

# %%
print(gradbook.check_value(x.grad, [4.0, 25.0], name="v^T J by backward"))
print(gradbook.check_value(vjp_value, [4.0, 25.0], name="v^T J by torch.func.vjp"))

# %%
# Practice: a Jacobian by hand
# ----------------------------
# Your turn before reading on. Take three inputs and two outputs,
#
# .. math::
#
#    p(x) = \begin{bmatrix} x_1 x_2 + x_3 \\ x_2^2 x_3 \end{bmatrix}
#
# Write down its Jacobian at :math:`x = (1, 2, 3)` by hand, one row per output:
# which entry is :math:`\partial p_2 / \partial x_3`? Then compute it with
# ``jacrev`` and compare. Check your matrix (a list of rows, or a tensor): in
# the downloaded notebook or script, put it in place of ``None`` below and run the
# cell.


def p(x):
    return torch.stack([x[0] * x[1] + x[2], x[1] ** 2 * x[2]])


at_123 = torch.tensor([1.0, 2.0, 3.0])
practice = gradbook.Exercise(
    "jacobian-by-hand",
    "What is the Jacobian of p(x) = (x1 x2 + x3, x2^2 x3) at (1, 2, 3)?",
    asks="the Jacobian of p at (1, 2, 3)",
    compute=lambda: torch.autograd.functional.jacobian(p, at_123),
)
your_answer = None  # the Jacobian, one row per output
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** Two outputs and three inputs: 2 rows and 3 columns. Row 1 is the
# gradient of :math:`p_1 = x_1 x_2 + x_3`, row 2 that of :math:`p_2 = x_2^2 x_3`:
#
# .. math::
#
#    J(x) = \begin{bmatrix} x_2 & x_1 & 1 \\ 0 & 2 x_2 x_3 & x_2^2 \end{bmatrix},
#    \qquad
#    J(1, 2, 3) = \begin{bmatrix} 2 & 1 & 1 \\ 0 & 12 & 4 \end{bmatrix}
#
# :math:`\partial p_2 / \partial x_3 = x_2^2 = 4` is row 2, column 3: ``J[1, 2]``
# (Python counts from 0). ``jacrev`` agrees:
J_p = jacrev(p)(at_123)
print("jacrev(p)(1, 2, 3) =", J_p.tolist(), "| shape", tuple(J_p.shape))
print(gradbook.check_answer(practice, J_p))

# %%
# And the book's own checks of the matrix and of that entry:
print(gradbook.check_value(J_p, [[2.0, 1.0, 1.0], [0.0, 12.0, 4.0]], name="J(1, 2, 3)"))
print(gradbook.check_value(J_p[1, 2], 4.0, name="J[1, 2] = ∂p2/∂x3 = x2^2"))

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# The Jacobian of :math:`f: \mathbb{R}^n \to \mathbb{R}^m` has shape
# :math:`m \times n`: rows are outputs, columns are inputs.
# ``torch.autograd.functional.jacobian`` / ``hessian`` compute whole matrices;
# ``torch.func`` offers composable transforms (``grad``, ``jacrev``, ``jacfwd``,
# ``hessian``, ``vmap``). ``backward(gradient=v)`` computes :math:`v^\top J` without
# building :math:`J`, and the sum trick is the case :math:`v = 1`.
#
# ``jacrev`` batches one VJP per row into a single pass with ``vmap``, where
# ``torch.autograd.functional.jacobian`` loops over the rows (unless
# ``vectorize=True``). One Newton step, :math:`x - H^{-1} \nabla q`, minimises a
# quadratic exactly.
#
# Next: the other direction, Jacobian-vector products and forward-mode
# differentiation, in :ref:`tut-forward-mode`.

# sphinx_gallery_thumbnail_number = 1
