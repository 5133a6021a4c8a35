"""
.. _tut-accumulation:

Gradients accumulate
====================

Control what ends up in ``.grad``. By the end you can predict what a second call to
``backward()`` does (it adds), reset gradients with ``.grad.zero_()``, backward through
the same graph twice with ``retain_graph=True``, and choose between ``torch.no_grad()``,
``.detach()`` and ``torch.inference_mode()`` when you do not want autograd to record.
The terms *gradient* and *derivative* are defined on the :doc:`notation page
</notation>`.

:Assumes: :ref:`tut-graph`, :ref:`tut-partials`
"""

# %%
# Calling ``backward()`` twice adds
# ---------------------------------
# For :math:`y = x^2` at :math:`x = 2`, :math:`dy/dx = 4`. Build the graph and call
# ``backward()`` twice (a fresh graph each time), and watch ``x.grad``.
import torch

import gradbook

x = torch.tensor(2.0, requires_grad=True)
(x**2).backward()
print("x.grad after one backward:  ", x.grad.item())

# %%
print(gradbook.check_value(x.grad, 4.0, name="dy/dx = 2x at x = 2"))

# %%
# The second call, on a new graph of the same formula (this is what re-running a
# notebook cell does).
#
# **Predict** before you run the cell: what is ``x.grad`` after this second call?
(x**2).backward()
print("x.grad after two backwards: ", x.grad.item())

# %%
# Not 4 but 8: PyTorch **adds** each new gradient into ``.grad`` instead of
# overwriting it.
print(gradbook.check_value(x.grad, 4.0 + 4.0, name="accumulated: 4 + 4"))

# %%
# Why add? Because a gradient often arrives in pieces. When a tensor feeds two losses,
# the derivative of their sum is the sum of their derivatives,
#
# .. math::
#
#    \frac{d}{dx}\left(L_1 + L_2\right) = \frac{dL_1}{dx} + \frac{dL_2}{dx}
#
# so calling ``backward()`` on each loss in turn gives the same ``.grad`` as one call
# on the total. With :math:`L_1 = x^2` and :math:`L_2 = 3x` at :math:`x = 2`:
# :math:`4 + 3 = 7`.
a = torch.tensor(2.0, requires_grad=True)
(a**2).backward()
(3 * a).backward()
b = torch.tensor(2.0, requires_grad=True)
(b**2 + 3 * b).backward()
print("two backward calls:", a.grad.item(), "| one call on the sum:", b.grad.item())

# %%
print(gradbook.check_value(a.grad, 7.0, name="d/dx (x^2 + 3x) = 2x + 3 at x = 2"))
print(gradbook.check_value(b.grad, a.grad, name="one call on L1 + L2 equals two calls"))

# %%
# Gradient accumulation: a big batch in small pieces
# --------------------------------------------------
# Training uses this to split a batch that does not fit in memory into
# *micro-batches*: each one's loss is back-propagated, the gradients add up in
# ``.grad``, and the parameters are updated once (:term:`gradient accumulation`). One
# detail decides whether the result is right. A loss is usually a *mean* over its
# samples, so each micro-batch's loss is already averaged over its own samples, and
# adding :math:`k` of them gives :math:`k` times the big batch's gradient:
#
# .. math::
#
#    \frac{1}{n}\sum_{i=1}^{n} \ell_i
#    = \frac{1}{k} \sum_{j=1}^{k} \left(\frac{k}{n} \sum_{i \in B_j} \ell_i\right)
#
# (for :math:`k` micro-batches :math:`B_j` of :math:`n/k` samples each), so each
# micro-batch loss must be divided by :math:`k`, the number of micro-batches.
# A line through the origin, :math:`\hat y = w x`, with four samples split in two
# micro-batches of two:
xs = torch.tensor([1.0, 2.0, 3.0, 4.0])
ys = torch.tensor([2.0, 3.0, 5.0, 9.0])
micro_batches = [slice(0, 2), slice(2, 4)]  # k = 2


def mse(w, x, y):
    return ((w * x - y) ** 2).mean()


w_big = torch.tensor(1.0, requires_grad=True)
mse(w_big, xs, ys).backward()  # the whole batch at once
w_summed = torch.tensor(1.0, requires_grad=True)
w_scaled = torch.tensor(1.0, requires_grad=True)
for part in micro_batches:
    mse(w_summed, xs[part], ys[part]).backward()
    (mse(w_scaled, xs[part], ys[part]) / len(micro_batches)).backward()
print("big batch:", w_big.grad.item(), end=" | ")
print("micro-batches added:", w_summed.grad.item(), end=" | ")
print("each divided by k = 2:", w_scaled.grad.item())

# %%
print(gradbook.check_value(w_big.grad, -14.5, name="gradient of the big batch"))
print(gradbook.check_value(w_summed.grad, 2 * -14.5, name="micro-batches added"))
print(gradbook.check_value(w_scaled.grad, w_big.grad, name="micro-batches / k"))

# %%
# Resetting: ``.grad.zero_()``
# ----------------------------
# When each step should see only its own gradient -- every step of a training loop --
# reset ``.grad`` first. ``x.grad.zero_()`` fills it with zeros in place (optimizers
# offer ``optimizer.zero_grad()``, which by default sets ``.grad`` to ``None``).
x.grad.zero_()
print("after x.grad.zero_():", x.grad.item())
(x**2).backward()
print("after one more backward:", x.grad.item())

# %%
print(gradbook.check_value(x.grad, 4.0, name="dy/dx at x = 2 after zeroing"))

# %%
# The figure shows ``x.grad`` after each of five calls of ``(x**2).backward()``: it
# grows by 4 every time unless it is zeroed before each call.
kept, zeroed = [], []
x_kept = torch.tensor(2.0, requires_grad=True)
x_zeroed = torch.tensor(2.0, requires_grad=True)
for _ in range(5):
    (x_kept**2).backward()
    kept.append(x_kept.grad.item())
    if x_zeroed.grad is not None:
        x_zeroed.grad.zero_()
    (x_zeroed**2).backward()
    zeroed.append(x_zeroed.grad.item())
print("without zeroing:", kept)
print("zeroing first:  ", zeroed)

# %%
print(
    gradbook.check_value(kept[-1], 5 * 4.0, name="x.grad after 5 calls, never zeroed")
)
print(
    gradbook.check_value(zeroed[-1], 4.0, name="x.grad after 5 calls, zeroed each time")
)

# %%
import matplotlib.pyplot as plt

calls = range(1, 6)
with gradbook.style():
    fig, ax = plt.subplots(layout="constrained")
    ax.plot(calls, kept, "o-", label="never zeroed: adds 4 each call")
    ax.plot(calls, zeroed, "s--", label="x.grad.zero_() before each call")
    ax.set_xticks(list(calls))
    ax.set_xlabel("number of backward() calls")
    ax.set_ylabel("x.grad")
    ax.set_title("x.grad for y = x² at x = 2")
    ax.legend()
plt.show()

# %%
# Practice: follow ``.grad`` through a few calls
# ----------------------------------------------
# Your turn before reading on. ``steps`` below calls ``backward()`` four times on the
# leaf ``w`` and resets its gradient once along the way. Work out by hand what
# ``w.grad`` holds when it returns, for :math:`w = 2`.


def steps(w):
    (w**2).backward()
    (4 * w).backward()
    w.grad.zero_()
    (w**3).backward()
    (w**2).backward()
    return w.grad


# %%
# Then check your answer: in the downloaded notebook or script, put it in place of
# ``None`` below and run the cell (the exercise runs ``steps`` itself to know the
# answer).
practice = gradbook.Exercise(
    "grad-after-steps",
    "What is w.grad after steps(w) at w = 2?",
    asks="w.grad after steps(w) at w = 2",
    compute=lambda: steps(torch.tensor(2.0, requires_grad=True)),
)
your_answer = None  # w.grad after steps(w), at w = 2
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** The first two calls add :math:`2w = 4` and :math:`4`, so ``w.grad``
# is 8; ``zero_()`` wipes that out. The last two add :math:`3w^2 = 12` and
# :math:`2w = 4`: ``w.grad`` ends at 16. Only the calls since the last reset count.
w = torch.tensor(2.0, requires_grad=True)
print("w.grad after steps(w):", steps(w).item())
print(gradbook.check_answer(practice, w.grad))

# %%
# And the book's own check of that sum:
print(gradbook.check_value(w.grad, 12.0 + 4.0, name="w.grad = 3w^2 + 2w after zero_()"))

# %%
# .. raw:: html
#
#    </details>
#
# Backward through the same graph twice: ``retain_graph``
# -------------------------------------------------------
# Calling ``backward()`` twice *on the same output* is different: to save memory,
# autograd frees the values it saved for the backward pass (here ``x``, needed for
# :math:`2x`) as soon as the pass is done, so a second pass fails.
x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward()
with gradbook.expect_error(
    RuntimeError, match="backward through the graph a second time"
):
    y.backward()

# %%
# :term:`retain_graph=True <retain_graph>` keeps the saved values so the graph can be
# walked again; as
# always, the second gradient is added to the first. Use it only when you really need
# a second pass (say, two different gradients from one forward computation): it keeps
# memory alive.
x = torch.tensor(2.0, requires_grad=True)
y = x**2
y.backward(retain_graph=True)
y.backward()
print("x.grad after two passes over one retained graph:", x.grad.item())

# %%
print(gradbook.check_value(x.grad, 8.0, name="retain_graph: 4 + 4"))

# %%
# Not recording: ``torch.no_grad()``
# ----------------------------------
# Inside :term:`with torch.no_grad(): <no_grad>` operations are not recorded: results
# have
# ``requires_grad=False`` and no ``grad_fn``. Use it for code that must not become part
# of the graph -- evaluating a model, or updating parameters by hand. The in-place
# update of a leaf below would be an error outside ``no_grad`` (see
# :ref:`tut-errors`).
w = torch.tensor(2.0, requires_grad=True)
(w**2).backward()
with torch.no_grad():
    w -= 0.1 * w.grad  # one step of gradient descent: 2 - 0.1 * 4
    doubled = w * 2
print("w after the step:", round(w.item(), 6), "| w.requires_grad:", w.requires_grad)
print("doubled.requires_grad inside no_grad:", doubled.requires_grad)

# %%
print(gradbook.check_value(w, 2 - 0.1 * 4, name="w - 0.1 * dL/dw"))
print(
    gradbook.check_claim(w.requires_grad, True, name="w.requires_grad after the update")
)
print(gradbook.check_claim(doubled.requires_grad, False, name="doubled.requires_grad"))

# %%
# Cutting one tensor loose: ``.detach()``
# ---------------------------------------
# :term:`t.detach() <detach>` returns a tensor with the same values but no history:
# autograd treats it as a constant. It is not a copy: it shares memory with ``t``, so
# an in-place change of one is a change of the other (:ref:`tut-graph` shows it);
# ``t.detach().clone()`` is an independent copy.
x = torch.tensor([2.0, 5.0], requires_grad=True)
shared, copied = x.detach(), x.detach().clone()
shared[1] = 7.0
copied[0] = -1.0
print("x after shared[1] = 7 and copied[0] = -1:", x)

# %%
print(gradbook.check_value(x, [2.0, 7.0], name="x, changed through x.detach() only"))
print(
    gradbook.check_claim(
        shared.data_ptr() == x.data_ptr(), True, name="x.detach() shares x's memory"
    )
)
print(
    gradbook.check_claim(
        copied.data_ptr() == x.data_ptr(), False, name="x.detach().clone() shares it"
    )
)

# %%
# ``.detach()`` is how a result is handed to NumPy or Matplotlib, and how part of a
# formula is excluded from differentiation. Here :math:`y = x \cdot
# \mathrm{detach}(x)` has the value :math:`x^2`.
#
# **Predict** before you run the cell: what is :math:`dy/dx` at :math:`x = 2`? Is it
# 4, as for :math:`x^2`?
x = torch.tensor(2.0, requires_grad=True)
y = x * x.detach()
y.backward()
print("y =", y.item(), "| dy/dx =", x.grad.item())

# %%
# The derivative treats the detached factor as the constant 2:
#
# .. math::
#
#    \frac{dy}{dx} = \mathrm{detach}(x) = 2 \quad \text{(not } 2x = 4\text{)}
print(gradbook.check_value(y, 4.0, name="y = x * detach(x) at x = 2"))
print(gradbook.check_value(x.grad, 2.0, name="dy/dx with the second factor detached"))

# %%
# Faster still: ``torch.inference_mode()``
# ----------------------------------------
# :term:`torch.inference_mode() <inference mode>` is ``no_grad`` plus a promise:
# tensors created inside will
# never be used by autograd, so PyTorch skips even the bookkeeping ``no_grad`` keeps.
# It is the fastest choice for pure prediction. Break the promise and autograd refuses.
w = torch.tensor(2.0, requires_grad=True)
with torch.inference_mode():
    features = torch.tensor([1.0, 2.0]) * 3
print("features:", features.tolist(), "| inference tensor:", features.is_inference())
with gradbook.expect_error(RuntimeError, match="Inference tensors cannot be saved"):
    (w * features).sum()

# %%
# The fix is to create such tensors under ``no_grad`` instead, or to ``clone()`` them
# outside inference mode into a normal tensor:
loss = (w * features.clone()).sum()
loss.backward()
print("d/dw sum(w * features) =", w.grad.item())

# %%
print(gradbook.check_value(w.grad, 3.0 + 6.0, name="d/dw of w*3 + w*6"))

# %%
# Which one when?
# ---------------
# * ``.grad.zero_()`` (or ``optimizer.zero_grad()``): before every training step, so
#   each step sees only its own gradient.
# * ``retain_graph=True``: only when one forward pass must be walked backwards twice.
# * ``torch.no_grad()``: blocks of code that must not be recorded and whose results
#   may still meet autograd later -- parameter updates, validation.
# * ``.detach()``: one tensor -- hand it to NumPy/Matplotlib, or treat it as a
#   constant inside a formula. It shares memory with the original; add ``.clone()``
#   for a copy.
# * Micro-batches: divide each mean-reduced loss by the number of micro-batches, so
#   the accumulated gradient equals the big batch's.
# * ``torch.inference_mode()``: pure prediction whose results never go back into
#   autograd; the fastest.
#
# Summary
# -------
# ``backward()`` adds into ``.grad``; that is how gradients from several losses
# combine, and why training loops zero gradients each step. A graph can be walked
# backwards once unless ``retain_graph=True``. ``no_grad``, ``detach`` and
# ``inference_mode`` switch recording off for a block, a tensor, and a block whose
# results stay out of autograd.
#
# Next, :ref:`tut-leaves` looks closer at which tensors collect a ``.grad``: leaves,
# frozen parameters, hooks, and graphs that change from one run to the next.

# sphinx_gallery_thumbnail_number = 1
