"""
Your own differentiable operation
=================================

Teach autograd a new operation by writing its forward and backward computations
yourself. By the end you can write a ``torch.autograd.Function``, use it with
``.apply``, and prove its backward right (or catch it wrong) with
``torch.autograd.gradcheck``.
"""

# %%
# Forward and backward
# --------------------
# A ``torch.autograd.Function`` has two static methods. ``forward`` computes the
# result and may save what the backward pass will need with ``ctx.save_for_backward``.
# ``backward`` receives ``grad_output``, the derivative of the final result
# :math:`L` with respect to this operation's output, and must return the derivative
# of :math:`L` with respect to the input. By the chain rule that is
# ``grad_output`` times the operation's own derivative. For squaring:
#
# .. math::
#
#    \begin{aligned}
#    \mathrm{out} &= i^2 \\
#    \frac{\partial L}{\partial i} &= \frac{\partial L}{\partial\,\mathrm{out}}
#    \cdot \frac{d\,\mathrm{out}}{di} \\
#    &= \mathrm{grad\_output} \cdot 2i
#    \end{aligned}
import torch

import gradbook

# sphinx_gallery_thumbnail_number = 2

print("This page was run with torch", torch.__version__)

# %%
# The class holds no data: both methods are static, and ``ctx`` carries what the
# forward pass saved over to the backward pass.


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i**2

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output * 2 * i


print("SQ is a torch.autograd.Function:", issubclass(SQ, torch.autograd.Function))

# %%
# Use it through ``SQ.apply`` (never by calling ``forward`` yourself: ``apply``
# records the operation in the graph). At :math:`x = 2` the output is 4 and the
# derivative :math:`2x` is 4. The node PyTorch records is named after the class:
# ``SQBackward``.
x = torch.tensor(2.0, requires_grad=True)
y = SQ.apply(x)
y.backward()
print("SQ(x) at x = 2:", y.item())
print("x.grad:", x.grad.item())
print("y.grad_fn:", type(y.grad_fn).__name__)

# %%
print(gradbook.check_value(y, 4.0, name="SQ(x) at x = 2"))
print(gradbook.check_value(x.grad, 4.0, name="x.grad at x = 2"))
node = type(y.grad_fn).__name__
if node != "SQBackward":
    raise gradbook.CheckFailed(f"y.grad_fn is {node}, not SQBackward")
print(f"y.grad_fn: {node} ✓")

# %%
# Inside a longer computation
# ---------------------------
# An operation is rarely the last one. In :math:`y = 3 \cdot \mathrm{SQ}(x)`, the
# multiplication sends ``grad_output = 3`` back into ``SQBackward``, which multiplies
# it by :math:`2x`:
#
# .. math::
#
#    \frac{d}{dx}\left(3x^2\right) = 3 \cdot 2x = 6x
#
# which is 12 at :math:`x = 2`. The graph shows the two nodes the gradient passes
# through:
import matplotlib.pyplot as plt

x = torch.tensor(2.0, requires_grad=True)
y = SQ.apply(x) * 3
y.backward()
print("d(3 SQ(x))/dx at x = 2:", x.grad.item())
gradbook.draw_graph(y, names={"x": x})
plt.show()

# %%
# The checks: the value autograd gave, the formula :math:`6x`, and
# :func:`gradbook.check_backward`, which runs ``torch.autograd.gradcheck``: it
# compares the backward with a numerical derivative, in double precision.
print(gradbook.check_value(x.grad, 12.0, name="d(3 SQ(x))/dx at x = 2"))
result = gradbook.check_derivative(
    lambda x: SQ.apply(x) * 3, at=2.0, expected=lambda x: 6 * x, name="3 SQ(x)"
)
print(result)
result = gradbook.check_backward(
    lambda x: SQ.apply(x) * 3, torch.tensor(2.0), name="3 SQ(x)"
)
print(result)

# %%
# A backward that forgets ``grad_output``
# ---------------------------------------
# The mistake this section is about: a backward that returns only the operation's
# own derivative, :math:`2i`, and ignores ``grad_output``. It happens to be right
# when the operation is the last one (then ``grad_output`` is 1), so a test at the
# end of a graph does not catch it.


class SQForgetful(SQ):  # the same forward, another backward
    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return 2 * i  # wrong: ignores grad_output, breaks the chain rule


x = torch.tensor(2.0, requires_grad=True)
SQForgetful.apply(x).backward()
print("SQForgetful alone, at x = 2: x.grad =", x.grad.item(), "(right by luck)")

# %%
# As soon as something follows it, the gradient is wrong: the factor 3 that
# arrives in ``grad_output`` is dropped.
x = torch.tensor(2.0, requires_grad=True)
(SQForgetful.apply(x) * 3).backward()
print("3 SQForgetful(x), at x = 2: x.grad =", x.grad.item(), "(should be 12)")

# %%
# The figure compares the derivative of :math:`3x^2` computed through each version
# with the function itself: the forgetful one lost the factor 3.
x = torch.linspace(-3, 3, 61, requires_grad=True)
(SQ.apply(x) * 3).sum().backward()
right = x.grad.clone()
x.grad = None  # start again: gradients accumulate
(SQForgetful.apply(x) * 3).sum().backward()
wrong = x.grad.clone()
print(f"at x = {x[40]:.0f}: with SQ {right[40]:.4g}, with SQForgetful {wrong[40]:.4g}")

# %%
labels = {"label": "y = 3x²", "derivative_label": "dy/dx with SQ = 6x"}
ax = gradbook.plot_with_derivative(x, 3 * x**2, right, **labels)
ax.set(title="A backward must multiply by grad_output", ylabel="y and dy/dx")
with gradbook.style():  # the book's colours for the extra line and the legend
    ax.plot(x.detach(), wrong, ":", color="grey", label="with SQForgetful: 2x")
    ax.legend()
plt.show()

# %%
# ``torch.autograd.gradcheck`` catches the mistake: the numerical derivative of
# :math:`3x^2` disagrees with what the backward returns. It raises an error, and
# :func:`gradbook.expect_error` shows it; if it ever stopped being raised, the build
# of this page would fail.
from torch.autograd.gradcheck import GradcheckError

x64 = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
with gradbook.expect_error(GradcheckError, match="Jacobian mismatch"):
    torch.autograd.gradcheck(lambda x: SQForgetful.apply(x) * 3, (x64,))

# %%
# :func:`gradbook.check_backward` does the same check and explains the failure in
# plain words (the first line is printed by ``expect_error``, the rest below it):
with gradbook.expect_error(gradbook.CheckFailed) as caught:
    gradbook.check_backward(
        lambda x: SQForgetful.apply(x) * 3, torch.tensor(2.0), name="3 SQForgetful(x)"
    )
print("\n".join(str(caught.exception).splitlines()[1:]))

# %%
# Summary
# -------
# * A ``torch.autograd.Function`` pairs a ``forward`` with a ``backward``; call it
#   with ``.apply``; values the backward needs go through ``ctx.save_for_backward``.
# * ``backward`` must return ``grad_output`` times the operation's derivative: that
#   product *is* the chain rule. Forgetting ``grad_output`` gives wrong gradients as
#   soon as anything follows the operation.
# * ``torch.autograd.gradcheck`` (or :func:`gradbook.check_backward`) compares a
#   backward with numerical derivatives: run it on every function you write.
#
# That completes the lab. Next, go beyond it with
# :ref:`sphx_glr_auto_examples_07_higher_order.py`: derivatives of derivatives.
