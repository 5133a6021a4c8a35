"""
What autograd records: the graph
================================

See what PyTorch keeps while your code runs, so that ``backward()`` can work. By the
end you can read a tensor's ``.data``, ``.grad_fn``, ``.grad``, ``.is_leaf`` and
``.requires_grad``, draw the backward graph behind a result, keep the gradient of an
intermediate result with ``retain_grad()``, and hand results to Matplotlib with
``.detach()``.
"""

# %%
# Five attributes of a tensor
# ---------------------------
# We repeat the first computation of the previous tutorial:
#
# .. math::
#
#    \begin{aligned}
#    y &= x^2 \\
#    x &= 2 \\
#    \frac{dy}{dx} &= 2x = 4
#    \end{aligned}
#
# ``x`` is a **leaf**: we created it ourselves. ``y`` is the result of an operation, so
# PyTorch attached to it a ``grad_fn``, the node that knows how to send a gradient back
# to ``x``. After ``backward()`` the gradient lands in the leaf's ``.grad`` only:
# intermediate results do not keep theirs (that saves memory).
import torch

import gradbook

# sphinx_gallery_thumbnail_number = 1

x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward()
print("y is computed from x; y.backward() has run")

# %%
# Three small helpers print the table below and check it. ``show_grad`` shows a
# tensor's ``.grad`` only when PyTorch keeps it (a leaf, or a tensor that called
# ``retain_grad()``): reading ``.grad`` of any other tensor makes PyTorch emit a
# warning, and the answer would be ``None`` anyway. Object reprs carry a memory
# address that changes from run to run, so a ``grad_fn`` is shown by its class name.
# ``check_same`` raises :class:`gradbook.CheckFailed`, which stops the build, when a
# value differs from what the lesson states.


def show_grad(t):
    return str(t.grad.item()) if t.is_leaf or t.retains_grad else "None (not kept)"


def show_grad_fn(t):
    return "None" if t.grad_fn is None else type(t.grad_fn).__name__


def check_same(label, actual, expected):
    if actual != expected:
        raise gradbook.CheckFailed(f"{label}: {actual!r}, not {expected!r}")
    return f"{label}: {actual} ✓"


print("helpers defined: show_grad, show_grad_fn, check_same")

# %%
# The table of the five attributes of ``x`` and ``y``:
rows = {
    ".data": lambda t: t.data.item(),
    ".grad_fn": show_grad_fn,
    ".grad": show_grad,
    ".is_leaf": lambda t: t.is_leaf,
    ".requires_grad": lambda t: t.requires_grad,
}
print(f"{'attribute':<15}{'x':<8}y")
for name, get in rows.items():
    print(f"{name:<15}{get(x)!s:<8}{get(y)}")

# %%
# Each entry is checked: the numbers against calculus, the rest against what the
# lesson states.
print(gradbook.check_value(x.data, 2.0, name="x.data"))
print(gradbook.check_value(y.data, 4.0, name="y.data (x^2 at x = 2)"))
print(gradbook.check_value(x.grad, 4.0, name="x.grad (2x at x = 2)"))
print(check_same("x.grad_fn", show_grad_fn(x), "None"))
print(check_same("y.grad_fn", show_grad_fn(y), "PowBackward0"))
print(check_same("y.grad", show_grad(y), "None (not kept)"))
print(check_same("x.is_leaf", x.is_leaf, True))
print(check_same("y.is_leaf", y.is_leaf, False))
print(check_same("x.requires_grad", x.requires_grad, True))
print(check_same("y.requires_grad", y.requires_grad, True))

# %%
# The backward graph
# ------------------
# ``y.grad_fn`` is the first node of a graph that runs *backwards*, from the result
# to the leaves. Every node lists the nodes that come before it in
# ``next_functions``; a leaf is reached through an ``AccumulateGrad`` node, which adds
# the incoming gradient to the leaf's ``.grad``. :func:`gradbook.draw_graph` follows
# those links from the real ``grad_fn`` and draws them. A longer formula gives a
# bigger graph; here :math:`z = x^2 + 2x + 1`. Read it from the bottom up: ``x``
# feeds ``PowBackward0`` (:math:`x^2`) and ``MulBackward0`` (:math:`2x`), the lower
# ``AddBackward0`` adds those two, and the top one adds the constant 1 (a constant
# needs no gradient, so it has no node of its own). Both paths end in the same leaf:
# ``backward()`` adds their contributions, :math:`2x + 2`.
import matplotlib.pyplot as plt

z = x**2 + 2 * x + 1
print(gradbook.describe_graph(z, names={"x": x}))
gradbook.draw_graph(z, names={"x": x})
plt.show()

# %%
# Walking the graph by hand gives the same node names:
node = y.grad_fn
print("y.grad_fn:", type(node).__name__)
print("  next:", [type(fn).__name__ for fn, _ in node.next_functions])
print("  the leaf behind AccumulateGrad is x:", node.next_functions[0][0].variable is x)

# %%
# Keeping the gradient of an intermediate result: ``retain_grad()``
# -----------------------------------------------------------------
# Sometimes you want the gradient with respect to an intermediate tensor too. Ask for
# it *before* calling ``backward()`` with ``retain_grad()``; then ``.grad`` is filled
# in for that tensor as well. The gradient of ``y`` with respect to itself is 1.
x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.retain_grad()
y.backward()
print("y.grad (dy/dy):", y.grad.item())
print("x.grad (dy/dx):", x.grad.item())
print(gradbook.check_value(y.grad, 1.0, name="dy/dy"))
print(gradbook.check_value(x.grad, 4.0, name="dy/dx at x = 2"))

# %%
# Leaving the graph: ``.detach()``
# --------------------------------
# A tensor that records history cannot be turned into a NumPy array directly,
# because NumPy could not follow its operations:
with gradbook.expect_error(RuntimeError, match="requires grad"):
    y.numpy()

# %%
# ``.detach()`` returns a tensor with the same numbers that records nothing: no
# ``grad_fn``, no ``requires_grad``. That is how a result is handed to NumPy or
# Matplotlib.
y_plain = y.detach()
print("y.detach():", y_plain.item(), "| requires_grad:", y_plain.requires_grad)
print("y.detach().grad_fn:", y_plain.grad_fn)
print("as NumPy:", y_plain.numpy())
print(check_same("y.detach().requires_grad", y_plain.requires_grad, False))

# %%
# After the sum trick
# -------------------
# The next tutorials differentiate many values at once by summing them first (the
# *sum trick*, explained in :ref:`sphx_glr_auto_examples_04_sum_trick.py`). The
# last operation is then a sum, so the result's ``grad_fn`` is a ``SumBackward0``
# node:
x = torch.linspace(-10, 10, 10, requires_grad=True)
y = (x**2).sum()
print("y.grad_fn:", type(y.grad_fn).__name__)
print(check_same("y.grad_fn after the sum", type(y.grad_fn).__name__, "SumBackward0"))
print(gradbook.describe_graph(y, names={"x": x}))

# %%
# Summary
# -------
# * A leaf is a tensor you created; its ``.grad`` is filled by ``backward()``.
# * A computed tensor has a ``grad_fn``: a node of the backward graph, linked to the
#   nodes before it by ``next_functions``.
# * Call ``retain_grad()`` before ``backward()`` to keep the gradient of a non-leaf;
#   never read ``.grad`` of a non-leaf without it.
# * ``.detach()`` gives the numbers without the history, for NumPy and Matplotlib.
#
# Next, :ref:`sphx_glr_auto_examples_03_partial_derivatives.py` differentiates
# functions of several variables.
