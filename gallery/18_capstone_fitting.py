"""
.. _tut-capstone:

From derivatives to learning: fitting a line
============================================

Use everything so far to make a model learn. By the end you can fit a straight line to
a handful of points by gradient descent -- first with a loop you write yourself using
``backward()`` and ``torch.no_grad()``, then with ``torch.optim.SGD`` -- and check the
result against the exact least-squares answer.

:Assumes: :ref:`tut-partials`, :ref:`tut-accumulation`
"""

# %%
# The data and the model
# ----------------------
# Five measured points, roughly on a line:
import torch

import gradbook

x = torch.tensor([0.0, 1.0, 2.0, 3.0, 4.0])
y = torch.tensor([1.0, 3.2, 4.8, 7.1, 8.9])
print("x:", x.tolist())
print("y:", [round(v, 2) for v in y.tolist()])

# %%
# The model is a line :math:`\hat y = w x + b` with two parameters, the slope
# :math:`w` and the intercept :math:`b`. How badly it fits is measured by the mean
# squared error, a single number -- the *loss*:
#
# .. math::
#
#    L(w, b) = \frac{1}{n} \sum_{i=1}^{n} \left(w x_i + b - y_i\right)^2
#
# Learning means finding the :math:`w, b` that make :math:`L` smallest.


def loss_fn(w, b):
    return ((w * x + b - y) ** 2).mean()


# %%
# The gradient tells which way is downhill
# ----------------------------------------
# The :doc:`partial derivatives </notation>` of the loss are
#
# .. math::
#
#    \frac{\partial L}{\partial w}
#    = \frac{2}{n} \sum_i \left(w x_i + b - y_i\right) x_i
#
# .. math::
#
#    \frac{\partial L}{\partial b} = \frac{2}{n} \sum_i \left(w x_i + b - y_i\right)
#
# At the start, :math:`w = b = 0`, they are :math:`-\frac{2}{5} \cdot 69.7 = -27.88`
# and :math:`-\frac{2}{5} \cdot 25 = -10`: both negative, so increasing :math:`w` and
# :math:`b` lowers the loss. Autograd gives the same numbers.
w = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
loss = loss_fn(w, b)
loss.backward()
print(f"L(0, 0) = {loss.item():.4f}")
print(f"∂L/∂w = {w.grad.item():.4f} | ∂L/∂b = {b.grad.item():.4f}")

# %%
print(gradbook.check_value(w.grad, -27.88, name="∂L/∂w at (0, 0)", rtol=1e-5))
print(gradbook.check_value(b.grad, -10.0, name="∂L/∂b at (0, 0)", rtol=1e-5))

# %%
# :func:`gradbook.check_partials` confirms the formulas themselves at another point, in
# double precision and against finite differences:
xd, yd = x.double(), y.double()
print(
    gradbook.check_partials(
        lambda w, b: ((w * xd + b - yd) ** 2).mean(),
        at={"w": 1.5, "b": 0.5},
        expected={
            "w": lambda w, b: (2 / 5 * (w * xd + b - yd) * xd).sum(),
            "b": lambda w, b: (2 / 5 * (w * xd + b - yd)).sum(),
        },
        name="L(w, b)",
    )
)

# %%
# One step of gradient descent
# ----------------------------
# Move each parameter a small step against its derivative, with a *learning rate*
# :math:`\eta`:
#
# .. math::
#
#    w \leftarrow w - \eta \frac{\partial L}{\partial w}
#
# .. math::
#
#    b \leftarrow b - \eta \frac{\partial L}{\partial b}
#
# The update must not be recorded by autograd (it is not part of the model), and it
# changes leaves in place, so it runs under ``torch.no_grad()``. With
# :math:`\eta = 0.1`: :math:`w = 0 + 0.1 \cdot 27.88 = 2.788` and :math:`b = 1`.
lr = 0.1
with torch.no_grad():
    w -= lr * w.grad
    b -= lr * b.grad
new_loss = loss_fn(w, b)
print(f"after one step: w = {w.item():.4f}, b = {b.item():.4f}")
print(f"the loss went down: {loss.item():.4f} -> {new_loss.item():.4f}")

# %%
print(gradbook.check_value(w, 2.788, name="w after one step", rtol=1e-5))
print(gradbook.check_value(b, 1.0, name="b after one step", rtol=1e-5))
print(gradbook.check_claim(bool(new_loss < loss), True, name="the loss went down"))

# %%
# Practice: one step from another start
# -------------------------------------
# Your turn before reading on. Start from :math:`w = 1, b = 0` instead, and take
# one step of gradient descent with :math:`\eta = 0.1`. Work it out by hand first:
# the five residuals :math:`w x_i + b - y_i`, the two partial derivatives, then the
# step. Then do it with ``backward()`` and ``torch.no_grad()``, and check your new
# :math:`(w, b)`: in the downloaded notebook or script, put the pair in place of
# ``None`` below and run the cell. The exercise takes the step with
# ``torch.optim.SGD`` (explained further down) to know the answer.


def sgd_step_from(w0, b0):
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.1)
    loss_fn(w, b).backward()
    optimizer.step()
    return [w.item(), b.item()]


practice = gradbook.Exercise(
    "one-step",
    "Where is (w, b) after one step of gradient descent from (1, 0), lr 0.1?",
    asks="(w, b) after one step from (1, 0)",
    compute=lambda: sgd_step_from(1.0, 0.0),
)
your_answer = None  # (w, b) after the step
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** At :math:`(1, 0)` the residuals are :math:`x_i - y_i = -1, -2.2,
# -2.8, -4.1, -4.9`, which add up to :math:`-15`; weighted by :math:`x_i` they add
# up to :math:`-39.7`. So
#
# .. math::
#
#    \frac{\partial L}{\partial w} = \frac{2}{5} \cdot (-39.7) = -15.88, \qquad
#    \frac{\partial L}{\partial b} = \frac{2}{5} \cdot (-15) = -6
#
# and the step gives :math:`w = 1 + 1.588 = 2.588` and :math:`b = 0 + 0.6 = 0.6`.
# Autograd agrees:
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
loss_fn(w, b).backward()
print(f"∂L/∂w = {w.grad.item():.4f} | ∂L/∂b = {b.grad.item():.4f}")
with torch.no_grad():
    w -= lr * w.grad
    b -= lr * b.grad
print(f"after one step: w = {w.item():.4f}, b = {b.item():.4f}")
print(gradbook.check_answer(practice, (w, b)))

# %%
# And the book's own checks of the four numbers:
print(gradbook.check_value(w.grad, -15.88, name="∂L/∂w at (1, 0)", rtol=1e-5))
print(gradbook.check_value(b.grad, -6.0, name="∂L/∂b at (1, 0)", rtol=1e-5))
print(gradbook.check_value(w, 2.588, name="w after the step", rtol=1e-5))
print(gradbook.check_value(b, 0.6, name="b after the step", rtol=1e-5))

# %%
# .. raw:: html
#
#    </details>
#
# The whole loop, by hand
# -----------------------
# Repeat: compute the loss, ``backward()``, step, and zero the gradients (they would
# otherwise add up, see :ref:`tut-accumulation`).
#
# **Predict** before you run the cell: after 300 steps, will the loss be 0?
w = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
losses_by_hand = []
for _ in range(300):
    loss = loss_fn(w, b)
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    losses_by_hand.append(loss.item())
print(f"after 300 steps: w = {w.item():.4f}, b = {b.item():.4f}")
print(f"loss at step 300 (before its update): {losses_by_hand[-1]:.4f}")

# %%
# Not 0: the five points are not on one line, so no line has a loss of 0. The loop
# stops improving at the smallest loss a line can reach, checked below.
#
# Checking the answer
# -------------------
# For a line, the best fit has a closed form: with :math:`\bar x = 2` and
# :math:`\bar y = 5`,
#
# .. math::
#
#    w^* = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}{\sum_i (x_i - \bar x)^2}
#        = \frac{19.7}{10} = 1.97
#
# .. math::
#
#    b^* = \bar y - w^* \bar x = 5 - 1.97 \cdot 2 = 1.06
#
# Gradient descent has found it (to float32 precision), and so does PyTorch's
# least-squares solver, a third, independent route.
print(
    gradbook.check_value(w, 1.97, name="slope w found by gradient descent", atol=1e-4)
)
print(
    gradbook.check_value(
        b, 1.06, name="intercept b found by gradient descent", atol=1e-4
    )
)
A = torch.stack([x, torch.ones_like(x)], dim=1).double()
w_ls, b_ls = torch.linalg.lstsq(A, y.double().unsqueeze(1)).solution.flatten().tolist()
print(gradbook.check_value(w_ls, 1.97, name="slope from torch.linalg.lstsq"))
print(gradbook.check_value(b_ls, 1.06, name="intercept from torch.linalg.lstsq"))
best_loss = loss_fn(torch.tensor(1.97), torch.tensor(1.06))
print(
    gradbook.check_value(
        best_loss, 0.0182, name="smallest possible loss L(1.97, 1.06)", atol=1e-6
    )
)
print(
    gradbook.check_value(
        losses_by_hand[-1], best_loss, name="loss at step 300", atol=1e-6
    )
)

# %%
# The same loop with ``torch.optim.SGD``
# --------------------------------------
# An optimizer packages the update and the zeroing: ``optimizer.step()`` does
# :math:`p \leftarrow p - \eta \, \partial L / \partial p` for every parameter it was
# given, and ``optimizer.zero_grad()`` resets their gradients. Plain SGD is the loop
# above, so it follows the same path: its losses agree with the hand-written loop's to
# float32 rounding (a few parts in ten million: the optimizer computes the same update
# with its own sequence of float32 operations, which round a little differently).
w = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
optimizer = torch.optim.SGD([w, b], lr=lr)
losses_sgd = []
for _ in range(300):
    optimizer.zero_grad()
    loss = loss_fn(w, b)
    loss.backward()
    optimizer.step()
    losses_sgd.append(loss.item())
print(f"torch.optim.SGD after 300 steps: w = {w.item():.4f}, b = {b.item():.4f}")

# %%
name = "SGD's 300 losses against the hand-written loop's (float32, rtol=1e-5)"
print(gradbook.check_value(losses_sgd, losses_by_hand, name=name, rtol=1e-5))
print(gradbook.check_value(w, 1.97, name="slope w found by SGD", atol=1e-4))
print(gradbook.check_value(b, 1.06, name="intercept b found by SGD", atol=1e-4))

# %%
# The loss curve
# --------------
# Each step records the loss *before* it updates the line. The loss drops from 32.78
# at step 1 to below 0.04 at step 6 (five updates later), then settles on the
# smallest loss a straight line can reach, :math:`L(1.97, 1.06) = 0.0182` (the
# logarithmic scale shows both ends). The two loops draw one and the same curve.
first_below = next(step for step, L in enumerate(losses_by_hand, 1) if L < 0.04)
print(gradbook.check_value(losses_by_hand[0], 32.78, name="loss at step 1"))
print(gradbook.check_value(first_below, 6, name="first step with a loss below 0.04"))

# %%
import matplotlib.pyplot as plt

with gradbook.style():
    fig, ax = plt.subplots(layout="constrained")
    ax.semilogy(
        range(1, 301), losses_by_hand, color="#3b82c4", label="hand-written loop"
    )
    ax.semilogy(
        range(1, 301),
        losses_sgd,
        color="#e0662b",
        linestyle="--",
        label="torch.optim.SGD",
    )
    ax.axhline(
        best_loss.item(), color="#808080", linestyle=":", label="smallest loss, 0.0182"
    )
    ax.set_xlabel("step")
    ax.set_ylabel("loss L(w, b) (log scale)")
    ax.set_title("Gradient descent, learning rate 0.1")
    ax.legend()
plt.show()

# %%
# The fitted line
# ---------------
with gradbook.style():
    fig, ax = plt.subplots(layout="constrained")
    ax.plot(x.numpy(), y.numpy(), "o", color="#3b82c4", markersize=9, label="data")
    grid = torch.linspace(-0.5, 4.5, 2)
    ax.plot(
        grid.numpy(),
        (w * grid + b).detach().numpy(),
        color="#e0662b",
        label=f"fitted: y = {w.item():.2f} x + {b.item():.2f}",
    )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("A line learned by gradient descent")
    ax.legend()
plt.show()

# %%
# Summary
# -------
# Training is following derivatives downhill: compute a loss, ``backward()`` for its
# gradient, step every parameter against its derivative under ``torch.no_grad()``,
# zero the gradients, repeat. ``torch.optim.SGD`` does the step and the zeroing for you;
# larger models swap the line for a neural network and SGD for a cleverer optimizer,
# but the loop stays the same.
#
# This is the last tutorial. Go back to :doc:`the list of tutorials
# </auto_examples/index>`, the :doc:`front page </index>`, or the
# :doc:`notation page </notation>` for a summary of the symbols.

# sphinx_gallery_thumbnail_number = 2
