"""
.. _tut-activations:

Derivatives of activation functions
===================================

Differentiate the activation functions that neural networks put between their layers.
By the end you can compute ReLU, sigmoid and tanh with ``torch.nn.functional``, get
their derivatives over a whole range with the sum trick, and say what PyTorch does at
ReLU's corner.

:Assumes: :ref:`tut-graph`, :ref:`tut-sum-trick`
"""

# %%
# ReLU
# ----
# The *rectified linear unit* keeps positive numbers and replaces negative ones by
# zero. Its derivative is 0 on the left of zero and 1 on the right:
#
# .. math::
#
#    \begin{aligned}
#    \mathrm{relu}(x) &= \max(0, x) \\
#    \frac{d}{dx}\mathrm{relu}(x) &=
#    \begin{cases} 0 & \text{if } x < 0 \\ 1 & \text{if } x > 0 \end{cases}
#    \end{aligned}
#
# Activation functions live in ``torch.nn.functional``, conventionally imported as
# ``F``. On three numbers first: the output shows the node ReLU recorded,
# ``ReluBackward0``.
import torch
import torch.nn.functional as F

import gradbook

# sphinx_gallery_thumbnail_number = 1

three = torch.tensor([-2.0, 0.0, 3.0], requires_grad=True)
print("relu(-2, 0, 3) =", F.relu(three))

# %%
relu_node = type(F.relu(three).grad_fn).__name__
print(gradbook.check_claim(relu_node, "ReluBackward0", name="relu's grad_fn"))
print(gradbook.check_value(F.relu(three), [0.0, 0.0, 3.0], name="relu(-2, 0, 3)"))

# %%
# Now at 1000 points between -10 and 10: sum the outputs and call ``backward()`` (the
# sum trick of the previous tutorial). The sum's node is a ``SumBackward0``.
x = torch.linspace(-10, 10, 1000, requires_grad=True)
Y = F.relu(x)
y = Y.sum()
y.backward()
print("y = Y.sum() =", y)
print(f"Y.sum() over 1000 points: {y.item():.2f}")

# %%
# The sum is checked against a value worked out by hand. The points are
# :math:`x_k = -10 + 20k/999` for :math:`k = 0, \ldots, 999`; the positive ones are
# :math:`k = 500, \ldots, 999`, and their sum is
#
# .. math::
#
#    \begin{aligned}
#    \sum_{k=500}^{999} \left(-10 + \frac{20k}{999}\right)
#    &= -5000 + \frac{20}{999} \cdot 374750 \\
#    &= \frac{2500000}{999} \approx 2502.50
#    \end{aligned}
result = gradbook.check_value(
    y, 2500000 / 999, name="Y.sum() (exact: 2500000/999)", rtol=1e-6
)
print(result)
print(gradbook.check_value(y, 2502.50, name="Y.sum(), to two decimals", atol=5e-3))
print(gradbook.check_claim(type(y.grad_fn).__name__, "SumBackward0", name="y.grad_fn"))

# %%
# ``x.grad`` holds the derivative at every point: 0 for the 500 negative points,
# 1 for the 500 positive ones.
left, right = x.grad[x < 0], x.grad[x > 0]
print("derivative left of zero: ", left.unique().tolist(), f"({left.numel()} points)")
print("derivative right of zero:", right.unique().tolist(), f"({right.numel()} points)")

# %%
print(gradbook.check_value(left.unique(), 0.0, name="derivative left of zero"))
print(gradbook.check_value(right.unique(), 1.0, name="derivative right of zero"))
print(gradbook.check_value(left.numel(), 500, name="points left of zero"))


def step(x):
    return (x > 0).to(x.dtype)  # 0 left of zero, 1 right of it


result = gradbook.check_elementwise(
    F.relu, x, step, name="relu(x)", derivative_name="step"
)
print(result)

# %%
# Function and derivative on one figure: the derivative jumps from 0 to 1 where the
# function bends.
import matplotlib.pyplot as plt

labels = {"label": "relu(x)", "derivative_label": "d relu/dx (x.grad)"}
ax = gradbook.plot_with_derivative(x, Y, x.grad, **labels)
ax.set(title="ReLU and its derivative", ylabel="relu(x) and its derivative")
plt.show()

# %%
# At exactly :math:`x = 0`
# ------------------------
# ReLU has a corner at 0: the slope is 0 just left of it and 1 just right, so the
# derivative is not defined there. PyTorch still has to return a number. The 1000
# points above miss zero (an even number of points symmetric around 0), so we ask
# for it on its own.
#
# **Predict** before you run the cell: which number does PyTorch return at
# :math:`x = 0`: 0, 1, or the average :math:`\frac{1}{2}`?
x0 = torch.tensor(0.0, requires_grad=True)
F.relu(x0).backward()
print("derivative of relu at x = 0 (PyTorch's convention):", x0.grad.item())

# %%
# PyTorch's convention is **0**. A finite difference would average the two sides
# at a corner, so that comparison is turned off here.
print(gradbook.check_value(x0.grad, 0.0, name="d relu/dx at x = 0"))
result = gradbook.check_derivative(
    F.relu, at=0.0, expected=0.0, name="relu(x)", finite_difference=False
)
print(result)

# %%
# Sigmoid
# -------
# The sigmoid squeezes any number into :math:`(0, 1)`. Its derivative can be written
# with the function itself:
#
# .. math::
#
#    \begin{aligned}
#    \sigma(x) &= \frac{1}{1 + e^{-x}} \\
#    \frac{d\sigma}{dx} &= \sigma(x)\left(1 - \sigma(x)\right)
#    \end{aligned}
x = torch.linspace(-10, 10, 1000, requires_grad=True)
Y = F.sigmoid(x)
Y.sum().backward()
s = Y.detach()
gap = (x.grad - s * (1 - s)).abs().max().item()
print(f"largest |x.grad - sigma(1 - sigma)|: {gap:.1e}")

# %%
# The check in double precision, against the formula and finite differences:


def sigmoid_slope(x):
    return F.sigmoid(x) * (1 - F.sigmoid(x))


result = gradbook.check_elementwise(
    F.sigmoid, x, sigmoid_slope, name="σ(x)", derivative_name="σ(1 - σ)"
)
print(result)

# %%
# The derivative is largest, :math:`\frac{1}{4}`, at :math:`x = 0` where the curve
# is steepest, and nearly 0 far from it: there the sigmoid is flat.
print(gradbook.check_derivative(F.sigmoid, at=0.0, expected=0.25, name="sigmoid(x)"))

# %%
labels = {"label": "σ(x)", "derivative_label": "dσ/dx = σ(1 − σ)"}
ax = gradbook.plot_with_derivative(x, Y, x.grad, **labels)
ax.set(title="Sigmoid and its derivative", ylabel="σ(x) and dσ/dx")
plt.show()

# %%
# Tanh
# ----
# The hyperbolic tangent squeezes numbers into :math:`(-1, 1)`; its derivative is
# also written with the function itself:
#
# .. math::
#
#    \frac{d}{dx}\tanh(x) = 1 - \tanh^2(x)
x = torch.linspace(-10, 10, 1000, requires_grad=True)
Y = F.tanh(x)
Y.sum().backward()
t = Y.detach()
gap = (x.grad - (1 - t**2)).abs().max().item()
print(f"largest |x.grad - (1 - tanh^2)|: {gap:.1e}")

# %%
# The check in double precision, against the formula and finite differences:


def tanh_slope(x):
    return 1 - F.tanh(x) ** 2


result = gradbook.check_elementwise(
    F.tanh, x, tanh_slope, name="tanh(x)", derivative_name="1 - tanh²"
)
print(result)

# %%
# Tanh is steeper than the sigmoid: its slope at 0 is 1.
print(gradbook.check_derivative(F.tanh, at=0.0, expected=1.0, name="tanh(x)"))

# %%
labels = {"label": "tanh(x)", "derivative_label": "d tanh/dx = 1 − tanh²"}
ax = gradbook.plot_with_derivative(x, Y, x.grad, **labels)
ax.set(title="Tanh and its derivative", ylabel="tanh(x) and its derivative")
plt.show()

# %%
# Practice: softplus, a smooth ReLU
# ---------------------------------
# Your turn before reading on. *Softplus* rounds off ReLU's corner:
#
# .. math::
#
#    \mathrm{softplus}(x) = \log\left(1 + e^x\right)
#
# With ``F.softplus`` and the sum trick, compute its derivative at
# :math:`x = -2, 0, 2` in one ``backward()`` call. Work the derivative out by hand
# too: it is a function you met on this page. Which one? Then check your three
# numbers (a list, or your ``x.grad``): in the downloaded notebook or script, put
# them in place of ``None`` below and run the cell. The exercise asks sympy for the
# derivative when it checks.
softplus = gradbook.Formula("log(1 + exp(x))")
practice = gradbook.Exercise(
    "softplus-slope",
    "What is the derivative of softplus(x) = log(1 + e^x) at x = -2, 0, 2?",
    asks="d softplus/dx at x = -2, 0, 2",
    compute=lambda: softplus.diff("x")(torch.tensor([-2.0, 0.0, 2.0])),
)
your_answer = None  # d softplus/dx at x = -2, 0, 2
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** By the chain rule, and multiplying by :math:`e^{-x}` above and below,
#
# .. math::
#
#    \frac{d}{dx}\log\left(1 + e^x\right) = \frac{e^x}{1 + e^x}
#    = \frac{1}{1 + e^{-x}} = \sigma(x)
#
# the sigmoid. At :math:`x = 0` it is :math:`\frac{1}{2}`, ReLU's two slopes
# averaged; far to the left it tends to 0 and far to the right to 1, ReLU's slopes.
x = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
F.softplus(x).sum().backward()
print("d softplus/dx at -2, 0, 2:", [round(g, 4) for g in x.grad.tolist()])
print(gradbook.check_answer(practice, x.grad))

# %%
# And the book's own checks: the slope :math:`\frac{1}{2}` at 0, and the sigmoid as
# the derivative (against finite differences too).
print(gradbook.check_value(x.grad[1], 0.5, name="d softplus/dx at x = 0"))
result = gradbook.check_elementwise(
    F.softplus, x, F.sigmoid, name="softplus(x)", derivative_name="σ(x)"
)
print(result)

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * Activation functions are in ``torch.nn.functional`` (``import
#   torch.nn.functional as F``), not in ``torch.functional``.
# * ReLU's derivative is 0 for negative inputs and 1 for positive ones; at exactly 0
#   PyTorch uses 0.
# * The sigmoid's derivative is :math:`\sigma(1 - \sigma)` and tanh's is
#   :math:`1 - \tanh^2`: both vanish far from zero.
#
# Next, :ref:`tut-custom-function` writes a differentiable operation of our own.
