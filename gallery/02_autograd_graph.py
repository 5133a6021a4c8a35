"""
.. _tut-graph:

What autograd records: the graph
================================

See what PyTorch keeps while your code runs, so that ``backward()`` can work. By the
end you can read a tensor's ``.data``, ``.grad_fn``, ``.grad``, ``.is_leaf`` and
``.requires_grad``, tell a leaf from a computed tensor, draw the backward graph behind
a result, keep the gradient of an intermediate result with ``retain_grad()``, and hand
results to NumPy and Matplotlib with ``.detach()`` (and say why not with ``.data``).

:Assumes: :ref:`tut-scalar`
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
# While the code runs, PyTorch records each operation on tensors that require a
# gradient. The record is a :term:`computational graph`: each result points back to
# the tensors it was computed from, and nothing points forward, so it has no cycles (a
# *directed acyclic graph*, or DAG). ``backward()`` walks it from the result back to
# the inputs, applying the chain rule at each step: that walk is
# :term:`backpropagation`.
#
# ``x`` is a :term:`leaf <leaf tensor>`: a tensor that no recorded operation produced
# (we wrote its value down). ``y`` was produced by a recorded operation, so PyTorch
# attached to it a :term:`grad_fn`, the node that knows how to send a gradient back to
# ``x``. Printed, a tensor shows its ``grad_fn``. After ``backward()`` the gradient
# lands in ``.grad`` of the leaves that require a gradient, and only there:
# intermediate results do not keep theirs (that saves memory).
import warnings

import torch

import gradbook

# sphinx_gallery_thumbnail_number = 1

torch.manual_seed(0)  # the page draws random numbers below
x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward()
print("x =", x)
print("y =", y)

# %%
# Two small helpers print the table below. ``show_grad`` shows a tensor's ``.grad``
# only when PyTorch keeps it (a leaf, or a tensor that called ``retain_grad()``):
# reading ``.grad`` of any other tensor makes PyTorch emit a warning (shown further
# down), and the answer would be ``None`` anyway. Object reprs carry a memory address
# that changes from run to run, so a ``grad_fn`` is shown by its class name.


def show_grad(t):
    return str(t.grad.item()) if t.is_leaf or t.retains_grad else "None (not kept)"


def show_grad_fn(t):
    return "None" if t.grad_fn is None else type(t.grad_fn).__name__


print("helpers defined: show_grad, show_grad_fn")

# %%
# The table of the five attributes of ``x`` and ``y`` (``.data`` is the tensor's
# numbers; reading it is harmless, writing through it is a trap shown below):
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
print(gradbook.check_claim(x.grad_fn, None, name="x.grad_fn"))
print(gradbook.check_claim(show_grad_fn(y), "PowBackward0", name="y.grad_fn"))
print(gradbook.check_claim(show_grad(y), "None (not kept)", name="y.grad"))
print(gradbook.check_claim(x.is_leaf, True, name="x.is_leaf"))
print(gradbook.check_claim(y.is_leaf, False, name="y.is_leaf"))
print(gradbook.check_claim(x.requires_grad, True, name="x.requires_grad"))
print(gradbook.check_claim(y.requires_grad, True, name="y.requires_grad"))

# %%
# Created by you, and still not a leaf
# ------------------------------------
# "A leaf is a tensor you created" is the loose rule, and it fails the moment you
# write ``torch.rand(3, requires_grad=True) * 0.01``: you created ``w``, but the
# multiplication by 0.01 is a recorded operation, so ``w`` is its *result* and the
# leaf is the unscaled tensor behind it, which you never named. Converting a leaf
# with ``.double()`` (or ``.to(torch.float64)``) is a recorded operation too. A tensor
# that does not require a gradient is always a leaf: nothing was recorded to make it.
w = torch.rand(3, requires_grad=True) * 0.01
w64 = torch.tensor(2.0, requires_grad=True).double()
plain = torch.tensor([1.0, 2.0]) * 3
print("w = rand * 0.01:  is_leaf", w.is_leaf, "| grad_fn", show_grad_fn(w))
print("leaf.double():    is_leaf", w64.is_leaf, "| grad_fn", show_grad_fn(w64))
print("tensor * 3 (no requires_grad): is_leaf", plain.is_leaf)

# %%
print(gradbook.check_claim(w.is_leaf, False, name="torch.rand(3) * 0.01 is a leaf"))
print(gradbook.check_claim(show_grad_fn(w), "MulBackward0", name="its grad_fn"))
print(gradbook.check_claim(w64.is_leaf, False, name="leaf.double() is a leaf"))
print(gradbook.check_claim(plain.is_leaf, True, name="tensor * 3 (no grad) is a leaf"))

# %%
# The trap bites after ``backward()``: ``w.grad`` stays ``None``, because ``w`` is not
# a leaf. PyTorch warns when such a ``.grad`` is read. The warning is caught here with
# Python's ``warnings.catch_warnings`` so the page can show it:
w.sum().backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    w_grad = w.grad
print("w.grad after backward():", w_grad)
print(f"{caught[0].category.__name__}: {str(caught[0].message).split('. ')[0]}.")

# %%
print(gradbook.check_claim(w_grad, None, name="w.grad of the non-leaf w"))
print(gradbook.check_claim(caught[0].category.__name__, "UserWarning", name="warning"))
print(
    gradbook.check_claim(
        "not a leaf Tensor" in str(caught[0].message),
        True,
        name="the warning says 'not a leaf Tensor'",
    )
)

# %%
# The fix: make the scaled tensor the leaf. Scale the numbers first, then ask for a
# gradient with ``requires_grad_()``, which marks a tensor in place and records
# nothing. The gradient of ``w.sum()`` is 1 for every element:
w = (torch.rand(3) * 0.01).requires_grad_()
w.sum().backward()
print("w.is_leaf:", w.is_leaf, "| w.grad:", w.grad.tolist())

# %%
print(gradbook.check_claim(w.is_leaf, True, name="(rand * 0.01).requires_grad_()"))
print(gradbook.check_value(w.grad, [1.0, 1.0, 1.0], name="w.grad of w.sum()"))

# %%
# The rule, precisely: a leaf is a tensor that no recorded operation produced, and
# ``backward()`` fills ``.grad`` only for leaves that require a gradient.
# :ref:`tut-leaves` goes further: the ``.to()`` trap, freezing part of a model, and
# hooks.
#
# The backward graph
# ------------------
# ``y.grad_fn`` is the first node of the graph that ``backward()`` runs, from the
# result towards the leaves. Each node lists in ``next_functions`` the nodes of the
# operations that produced its inputs; a leaf is reached through an
# :term:`AccumulateGrad` node, which adds the incoming gradient to the leaf's ``.grad``.
# :func:`gradbook.draw_graph` follows those links from the real ``grad_fn`` and draws
# them. A longer formula gives a bigger graph; here :math:`z = x^2 + 2x + 1`. Read it
# from the bottom up: ``x`` feeds ``PowBackward0`` (:math:`x^2`) and ``MulBackward0``
# (:math:`2x`), the lower ``AddBackward0`` adds those two, and the top one adds the
# constant 1 (a constant needs no gradient, so it has no node of its own). Both paths
# end in the same leaf: ``backward()`` adds their contributions, :math:`2x + 2`.
import matplotlib.pyplot as plt

x = torch.tensor(2.0, requires_grad=True)
z = x**2 + 2 * x + 1
print(gradbook.describe_graph(z, names={"x": x}))
gradbook.draw_graph(z, names={"x": x})
plt.show()

# %%
# In which order does ``backward()`` run the nodes? A node runs first, then its
# ``next_functions``: they need the gradient it computes.
#
# **Predict** from the graph above before you run the cell: which node runs first,
# and which last?
#
# A *pre-hook* on each node (a function PyTorch calls just before the node runs)
# records the order:
ran = []


def watch(node, seen=None):
    seen = set() if seen is None else seen
    if node is None or node in seen:
        return
    seen.add(node)
    node.register_prehook(lambda grad_outputs, node=node: ran.append(node))
    for producer, _ in node.next_functions:
        watch(producer, seen)


watch(z.grad_fn)
z.backward()
print("order of the backward pass:", " -> ".join(type(n).__name__ for n in ran))

# %%
# Every node ran before the nodes in its ``next_functions``, and the leaf's
# ``AccumulateGrad`` ran last, once, with both contributions added (:math:`2x + 2 = 6`):
position = {node: i for i, node in enumerate(ran)}
producers_after = all(
    position[node] < position[producer]
    for node in ran
    for producer, _ in node.next_functions
    if producer is not None
)
print(gradbook.check_claim(producers_after, True, name="next_functions run after"))
print(gradbook.check_claim(type(ran[0]).__name__, "AddBackward0", name="first node"))
print(gradbook.check_claim(type(ran[-1]).__name__, "AccumulateGrad", name="last node"))
print(gradbook.check_value(x.grad, 6.0, name="x.grad = 2x + 2 at x = 2"))

# %%
# Walking the graph of :math:`y = x^2` by hand gives the same node names, and the
# ``AccumulateGrad`` node at the end holds the leaf itself in its ``variable``:
x = torch.tensor(2.0, requires_grad=True)
y = x**2
node = y.grad_fn
accumulate = node.next_functions[0][0]
print("y.grad_fn:", type(node).__name__)
print("  next:", [type(fn).__name__ for fn, _ in node.next_functions])

# %%
print(gradbook.check_claim(type(accumulate).__name__, "AccumulateGrad", name="next"))
print(
    gradbook.check_claim(
        accumulate.variable is x,
        True,
        name="the AccumulateGrad node's variable is x",
    )
)

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

# %%
print(gradbook.check_value(y.grad, 1.0, name="dy/dy"))
print(gradbook.check_value(x.grad, 4.0, name="dy/dx at x = 2"))

# %%
# Leaving the graph: ``.detach()``
# --------------------------------
# A tensor that *requires a gradient* cannot be turned into a NumPy array directly:
# NumPy could not carry the ``requires_grad`` on, and PyTorch will not drop it
# silently. The condition is ``requires_grad``, not a recorded history: the leaf
# ``x``, which was produced by no operation, is refused just like ``y``.
with gradbook.expect_error(RuntimeError, match="requires grad"):
    y.numpy()
with gradbook.expect_error(RuntimeError, match="requires grad"):
    x.numpy()

# %%
# :term:`.detach() <detach>` returns a tensor that records nothing: no ``grad_fn``, no
# ``requires_grad``. That is how a result is handed to NumPy or Matplotlib.
y_plain = y.detach()
print("y.detach():", y_plain.item(), "| requires_grad:", y_plain.requires_grad)
print("y.detach().grad_fn:", y_plain.grad_fn)
print("as NumPy:", y_plain.numpy())

# %%
print(
    gradbook.check_claim(y_plain.requires_grad, False, name="y.detach().requires_grad")
)
print(gradbook.check_claim(y_plain.grad_fn, None, name="y.detach().grad_fn"))

# %%
# ``.detach()`` does not copy: the detached tensor *shares memory* with the original.
# Change it in place and the original changes too:
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
y_detached = y.detach()
y_detached[0] = 100.0
print("y after y.detach()[0] = 100:", y)

# %%
same_memory = y_detached.data_ptr() == y.data_ptr()
print(gradbook.check_claim(same_memory, True, name="y.detach() shares y's memory"))
print(gradbook.check_value(y, [100.0, 4.0, 6.0], name="y, changed through its detach"))

# %%
# For an independent copy, add ``.clone()``: ``y.detach().clone()`` has its own memory,
# and changing it leaves ``y`` alone.
y_copy = y.detach().clone()
y_copy[1] = -1.0
print("y after y.detach().clone()[1] = -1:", y)

# %%
copied = y_copy.data_ptr() != y.data_ptr()
print(gradbook.check_claim(copied, True, name="y.detach().clone() has its own memory"))
print(gradbook.check_value(y, [100.0, 4.0, 6.0], name="y, unchanged by the clone"))

# %%
# Why not ``.data``?
# ------------------
# Older code reads and writes ``x.data`` for the same purpose. It is a legacy of early
# PyTorch and unsafe: a change made through ``.data`` is hidden from autograd. Below,
# ``x.data`` is changed from 2 to 3 *after* ``y = x**2`` was recorded; the backward pass
# then uses the new value and returns :math:`2 \cdot 3 = 6`, a gradient that belongs to
# neither computation (at :math:`x = 2`, where ``y`` was computed, it is 4). No error,
# no warning.
x = torch.tensor(2.0, requires_grad=True)
y = x**2
x.data.add_(1.0)  # changes x behind autograd's back
y.backward()
print("y =", y.item(), "(computed at x = 2) | x.grad =", x.grad.item(), "(2 * 3)")

# %%
print(gradbook.check_value(x.grad, 6.0, name="x.grad after the .data edit (wrong)"))

# %%
# The same change through ``.detach()`` is caught: a detached tensor shares the
# original's *version counter*, which every in-place change bumps, so
# ``backward()`` notices that a value it saved has changed and refuses:
x = torch.tensor(2.0, requires_grad=True)
y = x**2
x.detach().add_(1.0)
with gradbook.expect_error(RuntimeError, match="modified by an inplace operation"):
    y.backward()

# %%
# After the sum trick
# -------------------
# The next tutorials differentiate many values at once by summing them first (the
# *sum trick*, explained in :ref:`tut-sum-trick`). The last operation is then a sum,
# so the result's ``grad_fn`` is a ``SumBackward0`` node:
x = torch.linspace(-10, 10, 10, requires_grad=True)
y = (x**2).sum()
print("y =", y)
print(gradbook.describe_graph(y, names={"x": x}))

# %%
print(gradbook.check_claim(show_grad_fn(y), "SumBackward0", name="y.grad_fn after sum"))

# %%
# Practice: spot the leaves
# -------------------------
# Your turn before reading on. Of the four tensors below, which are leaves? Decide
# with the precise rule, then check your answer: in the downloaded notebook or
# script, put the names in place of ``None`` below, as text such as ``"a, b"``, and
# run the cell.
a = torch.tensor(3.0, requires_grad=True)
b = a * 2
c = torch.tensor(4.0)
d = b * c + a
tensors = {"a": a, "b": b, "c": c, "d": d}


def names_in_order(text):
    """'c,a' -> 'a, c': the names sorted, however they are spaced."""
    if not isinstance(text, str):
        return text  # check_answer then says that it expects text
    return ", ".join(sorted(name.strip() for name in text.split(",") if name.strip()))


practice = gradbook.Exercise(
    "spot-the-leaves",
    "Which of a, b, c, d are leaves?",
    asks="the list of leaves",
    compute=lambda: ", ".join(n for n, t in tensors.items() if t.is_leaf),
    apply=names_in_order,
    form='the names of the leaves, as text such as "a, b"',
)
your_answer = None  # the names of the leaves, e.g. "a, b"
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** ``a`` and ``c``. A leaf is a tensor that no recorded operation
# produced: ``b`` and ``d`` are results of recorded operations (they have a
# ``grad_fn``), while nothing produced ``a`` or ``c``. ``c`` is the trap: it does not
# require a gradient, so it is a leaf, but ``backward()`` leaves its ``.grad``
# empty; only ``a`` gets one, :math:`\partial d / \partial a = 2c + 1 = 9`.
d.backward()
for name, t in tensors.items():
    print(f"{name}: is_leaf {t.is_leaf!s:<5} | grad_fn {show_grad_fn(t)}")
print("a.grad:", a.grad.item(), "| c.grad:", c.grad)
print(gradbook.check_answer(practice, "a, c"))

# %%
# And the book's own checks of each claim:
print(gradbook.check_claim(a.is_leaf, True, name="a.is_leaf"))
print(gradbook.check_claim(b.is_leaf, False, name="b.is_leaf"))
print(gradbook.check_claim(c.is_leaf, True, name="c.is_leaf"))
print(gradbook.check_claim(d.is_leaf, False, name="d.is_leaf"))
print(gradbook.check_claim(c.grad, None, name="c.grad after d.backward()"))
print(gradbook.check_value(a.grad, 9.0, name="a.grad = 2c + 1"))

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * A leaf is a tensor that no recorded operation produced; every tensor with
#   ``requires_grad=False`` is one. ``backward()`` fills ``.grad`` only for leaves
#   that require a gradient: ``torch.rand(3, requires_grad=True) * 0.01`` is not
#   one.
# * A computed tensor has a ``grad_fn``: a node of the backward graph. Its
#   ``next_functions`` are the nodes of the operations that produced its inputs;
#   they run *after* it in the backward pass.
# * Call ``retain_grad()`` before ``backward()`` to keep the gradient of a non-leaf;
#   never read ``.grad`` of a non-leaf without it (PyTorch warns).
# * ``.detach()`` gives the numbers without the history, for NumPy and Matplotlib; it
#   shares memory with the original (``.detach().clone()`` copies). Never change a
#   tensor through ``.data``: autograd does not see it, and the gradient is silently
#   wrong.
#
# Next, :ref:`tut-backprop` follows the backward pass through such a graph, one number
# at a time.
