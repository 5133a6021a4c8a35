"""
Derivatives of a scalar function
================================

Ask PyTorch for the derivative of a function of one number. By the end you can mark an
input with ``requires_grad=True``, call ``backward()`` on the output, read the
derivative from ``x.grad``, and check it against the derivative you would work out by
hand.
"""

# %%
# Why derivatives?
# ----------------
# Training a neural network means nudging its parameters so that a loss gets smaller.
# The derivative of the loss with respect to a parameter says which way to nudge it and
# how hard; autograd computes those derivatives for you. We start with the smallest
# case: one input, one output.
#
# The derivative of :math:`y = x^2`
# ---------------------------------
# By hand, :math:`\frac{dy}{dx} = 2x`, so at :math:`x = 2` the function is 4 and its
# slope is 4. To let PyTorch work this out, create ``x`` as a floating-point tensor
# that *requires a gradient*: PyTorch then records every operation done with it.
import torch

import gradbook

x = torch.tensor(2.0, requires_grad=True)
y = x**2
print("y =", y.item())

# %%
# ``y.backward()`` walks back through the recorded operations and stores
# :math:`\frac{dy}{dx}` evaluated at ``x`` in ``x.grad``.
y.backward()
print("dy/dx at x = 2:", x.grad.item())

# %%
# The book checks every value it states. :func:`gradbook.check_derivative` recomputes
# the derivative with autograd (in double precision), compares it with the value we
# claim and with a finite difference, and stops the build if they disagree.
print(gradbook.check_value(y, 4.0, name="y = x^2 at x = 2"))
print(gradbook.check_derivative(lambda x: x**2, at=2.0, expected=4.0, name="x^2"))
