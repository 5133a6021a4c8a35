"""
.. _tut-errors:

Common autograd errors
======================

Recognise the errors autograd raises most often, understand what each one means, and
fix it. Every error on this page is raised for real when the book is built, and its
message is the one PyTorch printed; if a PyTorch release stops raising one, the build
fails, so the page cannot describe an error that no longer exists.

:Assumes: :ref:`tut-graph`, :ref:`tut-sum-trick`, :ref:`tut-accumulation`
"""

# %%
# How this page shows errors
# --------------------------
# Each mistake runs inside ``with gradbook.expect_error(RuntimeError, match=...)``:
# the error is caught and its first line printed, exactly as PyTorch worded it. Every
# fix is then checked like any other value in the book.
import torch

import gradbook

# %%
# 1. ``backward()`` on a tensor with more than one element
# --------------------------------------------------------
# ``backward()`` without an argument computes the derivative of a *single number*.
# Here ``y`` holds three numbers, one per element of ``x``:
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x**2
with gradbook.expect_error(RuntimeError, match="only for scalar outputs"):
    y.backward()

# %%
# **Why.** For a vector output, "the gradient" is a Jacobian, and ``backward()`` only
# computes a :doc:`vector-Jacobian product </notation>` :math:`v^\top J`; it needs to
# be told :math:`v`. **Fix:** reduce to one number first (the sum trick), or pass
# :math:`v` as ``gradient=``. Both give :math:`2x = (2, 4, 6)` here.
y.sum().backward()
print("after y.sum().backward():", x.grad.tolist())

# %%
print(gradbook.check_value(x.grad, [2.0, 4.0, 6.0], name="x.grad = 2x"))

# %%
x.grad = None  # start afresh (gradients add up) ...
y = x**2  # ... with a new graph: the backward pass above used up the old one
y.backward(gradient=torch.ones_like(y))
print("after y.backward(gradient=ones):", x.grad.tolist())

# %%
print(gradbook.check_value(x.grad, [2.0, 4.0, 6.0], name="x.grad = 2x"))

# %%
# 2. Backward through the graph a second time
# -------------------------------------------
# After a backward pass autograd frees the values it saved for that pass (here
# the graph's copy of :math:`x`, which :math:`d(x^3)/dx = 3x^2` needs). A second pass
# over the same graph finds them gone:
x = torch.tensor(2.0, requires_grad=True)
y = x**3
y.backward()
with gradbook.expect_error(
    RuntimeError, match="backward through the graph a second time"
):
    y.backward()

# %%
# **Fix:** usually, run the forward computation again -- in a training loop every step
# builds a new graph. If you really need two passes over one graph, call the first
# with ``retain_graph=True``. Either way gradients add up in ``.grad``
# (:ref:`tut-accumulation`), so reset it in between.
x = torch.tensor(2.0, requires_grad=True)
y = x**3
y.backward(retain_graph=True)
x.grad = None
y.backward()
print("second pass with retain_graph=True: dy/dx =", x.grad.item())

# %%
print(gradbook.check_value(x.grad, 12.0, name="d/dx x^3 = 3x^2 at x = 2"))

# %%
# 3. Changing a leaf that requires grad in place
# ----------------------------------------------
# A tensor created with ``requires_grad=True`` is a :term:`leaf <leaf tensor>`: no
# recorded operation produced it, and ``backward()`` stores its gradient. An
# :term:`in-place operation` on a tensor that requires a gradient is recorded by
# making the operation's node the tensor's new ``grad_fn``: the tensor becomes the
# *result* of that operation. A leaf cannot become a result: it would stop being a
# leaf, and its ``.grad``, the gradient you asked for, would no longer be filled.
# So autograd refuses:
w = torch.tensor([1.0, 2.0], requires_grad=True)
with gradbook.expect_error(RuntimeError, match="leaf Variable that requires grad"):
    w += 1

# %%
# The same operation on a tensor that is already a result is allowed, and recorded:
# the tensor's ``grad_fn`` changes to the node of the addition.
v = w * 1  # a result, not a leaf
before = type(v.grad_fn).__name__
print("v.grad_fn before:", before)
v += 1
print("v.grad_fn after v += 1:", type(v.grad_fn).__name__, "| v =", v)

# %%
print(gradbook.check_claim(before, "MulBackward0", name="v.grad_fn before"))
print(gradbook.check_claim(type(v.grad_fn).__name__, "AddBackward0", name="after"))
print(gradbook.check_claim(v.is_leaf, False, name="v.is_leaf"))
print(gradbook.check_value(v, [2.0, 3.0], name="v = w * 1 + 1"))

# %%
# **Fix:** if the change is a parameter update, make it invisible to autograd with
# ``torch.no_grad()``. If it is part of the computation, write it out of place,
# ``w2 = w + 1``: a new tensor, and the leaf is left alone.
#
# **Predict** before you run the cell: after the update under ``no_grad``, is ``w``
# still a leaf?
with torch.no_grad():
    w += 1
print("w after an update under no_grad:", w.tolist(), "| still a leaf:", w.is_leaf)

# %%
print(gradbook.check_value(w, [2.0, 3.0], name="w = (1, 2) + 1"))
print(gradbook.check_claim(w.is_leaf, True, name="w is still a leaf"))

# %%
# 4. Changing a tensor that backward needs
# ----------------------------------------
# :math:`\frac{d}{dx} e^x = e^x`, so ``torch.exp`` saves its *output* for the backward
# pass. Adding 1 to that output in place overwrites the saved value. Autograd notices
# -- every tensor carries a :term:`version counter` that in-place operations bump --
# and the backward pass fails:
x = torch.tensor([0.0, 1.0], requires_grad=True)
y = torch.exp(x)
y += 1
with gradbook.expect_error(RuntimeError, match="modified by an inplace operation"):
    y.sum().backward()

# %%
# The message names the culprit: the output of ``Exp``, at version 1 where backward
# expected version 0. In a long program its hint helps: with
# ``torch.autograd.set_detect_anomaly(True)`` the error also shows the line of the
# forward computation involved (it slows everything down and warns, so switch it on
# only while hunting the bug).
#
# **Fix:** write the operation out of place, ``y = torch.exp(x) + 1``. The gradient is
# then :math:`e^x` as it should be (the ``+ 1`` does not change it).
x = torch.tensor([0.0, 1.0], requires_grad=True)
y = torch.exp(x) + 1
y.sum().backward()
print("d/dx (e^x + 1) at (0, 1):", [round(g, 6) for g in x.grad.tolist()])

# %%
print(
    gradbook.check_elementwise(
        lambda t: torch.exp(t) + 1,
        x.detach(),
        torch.exp,
        name="e^x + 1",
        derivative_name="e^x",
    )
)

# %%
# 5. ``requires_grad`` on an integer tensor
# -----------------------------------------
# Derivatives need real (or complex) numbers: an integer tensor cannot require a
# gradient. ``torch.tensor([1, 2, 3])`` is an integer tensor because the literals are
# integers.
with gradbook.expect_error(RuntimeError, match="Only Tensors of floating point"):
    torch.tensor([1, 2, 3], requires_grad=True)

# %%
# **Fix:** write floating-point literals (``1.0``), or ask for a floating dtype.
x = torch.tensor([1, 2, 3], dtype=torch.float32, requires_grad=True)
(x**2).sum().backward()
print("dtype:", x.dtype, "| d/dx x^2:", x.grad.tolist())

# %%
print(gradbook.check_value(x.grad, [2.0, 4.0, 6.0], name="x.grad = 2x"))

# %%
# 6. ``.numpy()`` on a tensor that requires grad
# ----------------------------------------------
# A NumPy array cannot record operations or require a gradient, so PyTorch will not
# hand out one that silently drops them (for any tensor that requires a gradient, a
# leaf included). Matplotlib converts tensors to NumPy behind the scenes,
# so passing ``y`` to a plot raises the same error.
import matplotlib.pyplot as plt

x = torch.linspace(-2, 2, 81, requires_grad=True)
y = x**2
with gradbook.expect_error(
    RuntimeError, match="Can't call numpy() on Tensor that requires grad"
):
    y.numpy()
fig, ax = plt.subplots()
with gradbook.expect_error(
    RuntimeError, match="Can't call numpy() on Tensor that requires grad"
):
    ax.plot(x.detach(), y)
plt.close(fig)

# %%
# **Fix:** as the message says, ``.detach()`` first: a tensor with the same values and
# no history.
(dy_dx,) = torch.autograd.grad(y.sum(), x)
y_values = y.detach().numpy()
print(
    "y.detach().numpy() at x = -2, 0, 2:",
    [round(v, 6) for v in y_values[[0, 40, 80]].tolist()],
)

# %%
print(
    gradbook.check_value(y_values[[0, 40, 80]], [4.0, 0.0, 4.0], name="y at -2, 0, 2")
)

# %%
with gradbook.style():
    ax = gradbook.plot_with_derivative(
        x.detach().numpy(),
        y_values,
        dy_dx.numpy(),
        label="y = x² (detached)",
        derivative_label="dy/dx = 2x",
    )
    ax.set_ylabel("value")
    ax.set_title("Plotted after .detach()")
plt.show()

# %%
# 7. ``backward()`` on something autograd did not record
# ------------------------------------------------------
# If no input requires a gradient -- you forgot ``requires_grad=True``, or the result
# was computed under ``torch.no_grad()`` or from a detached tensor -- there is no graph
# to walk back through:
x = torch.tensor(2.0)
y = x**2
with gradbook.expect_error(RuntimeError, match="does not require grad"):
    y.backward()

# %%
# **Fix:** mark the input before computing with it.
x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward()
print("dy/dx at x = 2:", x.grad.item())

# %%
print(gradbook.check_value(x.grad, 4.0, name="d/dx x^2 at x = 2"))

# %%
# Practice: name the error
# ------------------------
# Your turn before reading on. Each of the three snippets below raises one of the
# seven errors of this page. Which one, by its number? Decide by reading the code,
# then check your three numbers: in the downloaded notebook or script, put them in
# place of ``None`` below, in the order A, B, C, and run the cell.


def snippet_a():
    w = torch.ones(3, requires_grad=True)
    loss = (w * 2).sum()
    loss.backward()
    w -= 0.1 * w.grad  # a step of gradient descent


def snippet_b():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.sigmoid(x)
    y *= 2
    y.sum().backward()


def snippet_c():
    x = torch.linspace(0, 1, 5, requires_grad=True)
    with torch.no_grad():
        y = (x**2).sum()
    y.backward()


# %%
# The exercise runs each snippet and finds its error's number from the start of the
# message, as listed in the summary below.
ERRORS = [  # the start of each error's message, in the order of this page
    "grad can be implicitly created only for scalar outputs",
    "Trying to backward through the graph a second time",
    "a leaf Variable that requires grad is being used in an in-place operation",
    "one of the variables needed for gradient computation has been modified",
    "Only Tensors of floating point and complex dtype can require gradients",
    "Can't call numpy() on Tensor that requires grad",
    "element 0 of tensors does not require grad",
]


def error_number(snippet):
    """The number on this page of the error that ``snippet()`` raises (0: none)."""
    try:
        snippet()
    except RuntimeError as error:
        return next((n for n, m in enumerate(ERRORS, 1) if m in str(error)), 0)
    return 0


practice = gradbook.Exercise(
    "name-the-error",
    "Which of the seven errors do snippets A, B and C raise?",
    asks="the list of errors for A, B and C",
    compute=lambda: [error_number(s) for s in (snippet_a, snippet_b, snippet_c)],
)
your_answer = None  # three numbers from 1 to 7, for A, B and C
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** 3, 4 and 7.
#
# * **A** updates the leaf ``w`` in place outside ``torch.no_grad()``: error 3. The
#   fix is the training step of error 3, under ``no_grad``.
# * **B** changes the output of ``sigmoid`` in place, and ``sigmoid`` saves its
#   output, because its derivative :math:`\sigma(1 - \sigma)` is computed from it
#   (:ref:`tut-activations`): error 4, raised by ``backward()``. The fix:
#   ``y = torch.sigmoid(x) * 2``.
# * **C** computes ``y`` under ``torch.no_grad()``, so nothing was recorded: error 7.
#
# Each snippet raises, for real:
with gradbook.expect_error(RuntimeError, match="leaf Variable that requires grad"):
    snippet_a()
with gradbook.expect_error(RuntimeError, match="modified by an inplace operation"):
    snippet_b()
with gradbook.expect_error(RuntimeError, match="does not require grad"):
    snippet_c()
print(gradbook.check_answer(practice, [3, 4, 7]))

# %%
# And the book's own check of the three numbers:
numbers = [error_number(s) for s in (snippet_a, snippet_b, snippet_c)]
print(gradbook.check_value(numbers, [3.0, 4.0, 7.0], name="errors of A, B and C"))

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# =============================================  ===================================
# Error message starts with                      Fix
# =============================================  ===================================
# grad can be implicitly created only for ...    ``y.sum().backward()``, ``gradient=``
# Trying to backward through the graph a ...     recompute, or ``retain_graph=True``
# a leaf Variable that requires grad is ...      ``torch.no_grad()``, or out of place
# one of the variables needed for gradient ...   the operation out of place
# Only Tensors of floating point and complex...  a floating-point dtype
# Can't call numpy() on Tensor that requires...  ``.detach().numpy()``
# element 0 of tensors does not require grad     ``requires_grad=True`` on the input
# =============================================  ===================================
#
# Next: put the pieces together and train a model by following derivatives, in
# :ref:`tut-capstone`.

# sphinx_gallery_thumbnail_number = 1
