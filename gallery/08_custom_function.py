"""
.. _tut-custom-function:

Your own differentiable operation
=================================

Teach autograd a new operation by writing its forward and backward computations
yourself. By the end you can write a ``torch.autograd.Function`` in the form that also
works with ``torch.func``, use it with ``.apply``, prove its backward right (or catch
it wrong) with ``torch.autograd.gradcheck``, and train through rounding with a
straight-through estimator.

:Assumes: :ref:`tut-graph`, :ref:`tut-activations`
"""

# %%
# Why write your own?
# -------------------
# Networks that run on phones store their weights rounded to a few levels. Rounding is
# flat between its steps, so its derivative is 0 wherever it exists, and autograd
# concludes that the loss does not depend on the weight at all. Here a weight
# :math:`w = 0.32` is stored rounded to one decimal, 0.3, and the loss
# :math:`(\mathrm{stored} - 0.7)^2` wants it larger:
import torch

import gradbook

# sphinx_gallery_thumbnail_number = 2

print("This page was run with torch", torch.__version__)
w = torch.tensor(0.32, requires_grad=True)
stored = torch.round(w * 10) / 10
loss = (stored - 0.7) ** 2
loss.backward()
print(
    f"stored: {stored.item():.1f} | loss: {loss.item():.2f} | dloss/dw: {w.grad.item():.2f}"
)

# %%
print(gradbook.check_value(loss, 0.16, name="loss (0.3 - 0.7)^2", rtol=1e-5))
print(gradbook.check_value(w.grad, 0.0, name="dloss/dw through torch.round"))

# %%
# With a zero gradient, gradient descent never moves :math:`w`. Such networks are
# trained anyway with a :term:`straight-through estimator`: round in the forward
# pass, and in the backward pass pretend the rounding was not there (derivative 1).
# No combination of PyTorch operations has that derivative, because the forward and
# the backward disagree on purpose. A :term:`custom autograd Function` lets you write
# both halves yourself. This page builds one for :math:`x^2` first, where the right
# answer is known, and comes back to rounding at the end.
#
# Forward and backward
# --------------------
# A ``torch.autograd.Function`` is a class of static methods. ``forward`` computes the
# result from the inputs. ``setup_context`` receives ``ctx`` (an object that carries
# things from the forward pass to the backward pass), the inputs and the output, and
# saves what the backward pass will need with ``ctx.save_for_backward``. ``backward``
# receives ``grad_output``, the derivative of the final result :math:`L` with respect
# to this operation's output, and must return the derivative of :math:`L` with respect
# to the input. By the chain rule that is ``grad_output`` times the operation's own
# derivative. For squaring:
#
# .. math::
#
#    \begin{aligned}
#    \mathrm{out} &= i^2 \\
#    \frac{\partial L}{\partial i} &= \frac{\partial L}{\partial\,\mathrm{out}}
#    \cdot \frac{d\,\mathrm{out}}{di} \\
#    &= \mathrm{grad\_output} \cdot 2i
#    \end{aligned}


class SQ(torch.autograd.Function):
    @staticmethod
    def forward(i):
        return i**2

    @staticmethod
    def setup_context(ctx, inputs, output):
        (i,) = inputs
        ctx.save_for_backward(i)

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
print("SQ(x) at x = 2:", y)
print("x.grad:", x.grad.item())

# %%
print(gradbook.check_value(y, 4.0, name="SQ(x) at x = 2"))
print(gradbook.check_value(x.grad, 4.0, name="x.grad at x = 2"))
print(gradbook.check_claim(type(y.grad_fn).__name__, "SQBackward", name="y.grad_fn"))

# %%
# The older form: ``forward(ctx, ...)``
# -------------------------------------
# Much code, including older PyTorch tutorials, writes ``forward(ctx, i)`` and saves
# inside it, with no ``setup_context``. That form still works with ``.apply`` and
# ``backward()``:


class SQOldForm(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):  # ctx in forward: no setup_context
        ctx.save_for_backward(i)
        return i**2

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output * 2 * i


x = torch.tensor(2.0, requires_grad=True)
SQOldForm.apply(x).backward()
print("old form with backward(): x.grad =", x.grad.item())

# %%
print(gradbook.check_value(x.grad, 4.0, name="old form: x.grad at x = 2"))

# %%
# But the function transforms of :mod:`torch.func` (``grad``, ``jacrev``, ``vmap``,
# ..., taught in :ref:`tut-jacobians`) refuse it: they need ``forward`` without
# ``ctx`` and a separate ``setup_context``.
with gradbook.expect_error(RuntimeError, match="must override the setup_context"):
    torch.func.grad(SQOldForm.apply)(torch.tensor(2.0))

# %%
# What each transform needs
# -------------------------
# With ``setup_context``, ``torch.func.grad`` and ``jacrev`` work as they are: both
# call the ``backward`` you wrote.
from torch.func import grad, hessian, jacfwd, jacrev, vmap

at_2 = torch.tensor(2.0)
print("grad(SQ)(2) =", grad(SQ.apply)(at_2).item())
print("jacrev(SQ)(2) =", jacrev(SQ.apply)(at_2).item())

# %%
print(gradbook.check_value(grad(SQ.apply)(at_2), 4.0, name="torch.func.grad(SQ)(2)"))
print(gradbook.check_value(jacrev(SQ.apply)(at_2), 4.0, name="jacrev(SQ)(2)"))

# %%
# ``vmap`` (and ``jacfwd`` and ``hessian``, which use it) also needs to know how to run
# the Function on a batch: set ``generate_vmap_rule = True`` in the class (or write a
# ``vmap`` static method).
with gradbook.expect_error(RuntimeError, match="does not have vmap support"):
    vmap(SQ.apply)(torch.tensor([1.0, 2.0, 3.0]))

# %%
# And forward mode (``jacfwd``, ``hessian``, ``torch.func.jvp``; see
# :ref:`tut-forward-mode`) needs a ``jvp`` static method: the forward-mode twin of
# ``backward``, which maps a :term:`tangent` of the input to the tangent of the output
# (:math:`2i` times it). Without one:


class SQBatched(SQ):  # SQ, plus a vmap rule
    generate_vmap_rule = True


with gradbook.expect_error(NotImplementedError, match="must implement the jvp"):
    jacfwd(SQBatched.apply)(at_2)

# %%
# The complete Function: ``setup_context`` saves ``i`` for both directions
# (``save_for_forward`` for ``jvp``), ``generate_vmap_rule`` handles batches, and
# ``jvp`` gives forward mode. Every transform now works.


class SQComplete(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(i):
        return i**2

    @staticmethod
    def setup_context(ctx, inputs, output):
        (i,) = inputs
        ctx.save_for_backward(i)
        ctx.save_for_forward(i)

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output * 2 * i

    @staticmethod
    def jvp(ctx, i_tangent):
        (i,) = ctx.saved_tensors
        return 2 * i * i_tangent


sq = SQComplete.apply
print("vmap(SQ)(1, 2, 3) =", vmap(sq)(torch.tensor([1.0, 2.0, 3.0])).tolist())
print(
    "jacfwd(SQ)(2) =",
    jacfwd(sq)(at_2).item(),
    "| hessian(SQ)(2) =",
    hessian(sq)(at_2).item(),
)

# %%
print(
    gradbook.check_value(
        vmap(sq)(torch.tensor([1.0, 2.0, 3.0])), [1, 4, 9], name="vmap"
    )
)
print(gradbook.check_value(jacfwd(sq)(at_2), 4.0, name="jacfwd(SQ)(2) = 2x"))
print(gradbook.check_value(hessian(sq)(at_2), 2.0, name="hessian(SQ)(2) = 2"))

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
# Now something follows it: :math:`3 \cdot \mathrm{SQForgetful}(x)`, whose
# derivative should be :math:`6x = 12` at :math:`x = 2`.
#
# **Predict** before you run the cell: which ``x.grad`` does the forgetful backward
# give?
x = torch.tensor(2.0, requires_grad=True)
(SQForgetful.apply(x) * 3).backward()
print("3 SQForgetful(x), at x = 2: x.grad =", x.grad.item(), "(should be 12)")

# %%
# 4, not 12: the factor 3 that arrives in ``grad_output`` is dropped.
print(gradbook.check_value(x.grad, 4.0, name="3 SQForgetful(x): x.grad (wrong)"))

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
# Back to rounding: a straight-through estimator
# ----------------------------------------------
# The opening's problem, solved. ``RoundSTE`` rounds in ``forward``; its ``backward``
# returns ``grad_output`` unchanged, as if the operation were the identity. It saves
# nothing, so its ``setup_context`` does nothing.


class RoundSTE(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return torch.round(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass  # the backward needs nothing from the forward pass

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output  # straight through: derivative 1


w = torch.tensor(0.32, requires_grad=True)
stored = RoundSTE.apply(w * 10) / 10
loss = (stored - 0.7) ** 2
loss.backward()
print(
    f"stored: {stored.item():.1f} | loss: {loss.item():.2f} | dloss/dw: {w.grad.item():.2f}"
)

# %%
# The gradient is now that of :math:`(10w/10 - 0.7)^2` evaluated at the stored value:
# :math:`2 \cdot (0.3 - 0.7) = -0.8`.
print(gradbook.check_value(w.grad, -0.8, name="dloss/dw through RoundSTE", rtol=1e-5))

# %%
# Gradient descent can now move :math:`w`; the stored value climbs to 0.7, where the
# loss is 0, in ten steps:
for step in range(1, 11):
    w.grad = None
    stored = RoundSTE.apply(w * 10) / 10
    loss = (stored - 0.7) ** 2
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    print(f"step {step:2}: stored {stored.item():.1f}, loss {loss.item():.2f}")

# %%
print(gradbook.check_value(stored, 0.7, name="stored value after 10 steps", rtol=1e-6))
print(gradbook.check_value(loss, 0.0, name="loss after 10 steps", atol=1e-12))

# %%
# ``gradcheck`` would refuse ``RoundSTE``, rightly: its backward is not the
# derivative of its forward (that is the point). Use such a Function knowingly.
w64 = torch.tensor([0.32], dtype=torch.float64, requires_grad=True)
with gradbook.expect_error(GradcheckError, match="Jacobian mismatch"):
    torch.autograd.gradcheck(RoundSTE.apply, (w64,))

# %%
# Practice: the backward of a cube
# --------------------------------
# Your turn before reading on. ``CubeForward`` below has the forward half of a
# Function for :math:`i^3` and saves :math:`i`; it has no backward yet. Write one:
# a class ``Cube(CubeForward)`` with a ``backward(ctx, grad_output)`` static method,
# in the form of ``SQ``'s.


class CubeForward(torch.autograd.Function):
    @staticmethod
    def forward(i):
        return i**3

    @staticmethod
    def setup_context(ctx, inputs, output):
        (i,) = inputs
        ctx.save_for_backward(i)


# %%
# The exercise runs your Function inside a longer computation,
# :math:`3 \cdot \mathrm{Cube}(x)` summed over :math:`x = -1, 0.5, 2`, and compares
# the gradient with the one torch computes for :math:`3x^3`: a backward that forgets
# ``grad_output`` does not pass. In the downloaded notebook or script, define
# ``Cube``, put it in place of ``None`` below (the class itself, not a call), and
# run the cell.


def gradient_through(function):
    x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    (function(x) * 3).sum().backward()
    return x.grad


practice = gradbook.Exercise(
    "cube-backward",
    "Write the backward of a Function whose forward is i^3.",
    asks="x.grad of (3 Cube(x)).sum() at x = -1, 0.5, 2",
    compute=lambda: gradient_through(lambda x: x**3),
    apply=lambda cube: gradient_through(cube.apply),
    form="your Function, a class Cube(CubeForward) with a backward",
)
your_answer = None  # your class Cube
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** The derivative of :math:`i^3` is :math:`3i^2`, and the backward
# multiplies it by ``grad_output``:


class Cube(CubeForward):
    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output * 3 * i**2


print(gradbook.check_answer(practice, Cube))

# %%
# Inside :math:`3 \cdot \mathrm{Cube}(x)` the gradient is :math:`9x^2`: 9, 2.25 and
# 36 at the three points. The book's own checks: those numbers, and ``gradcheck``
# through :func:`gradbook.check_backward`.
name = "gradient of 3 Cube(x) at -1, 0.5, 2"
print(gradbook.check_value(gradient_through(Cube.apply), [9.0, 2.25, 36.0], name=name))
result = gradbook.check_backward(
    lambda x: Cube.apply(x) * 3, torch.tensor([-1.0, 0.5, 2.0]), name="3 Cube(x)"
)
print(result)

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * A ``torch.autograd.Function`` pairs a ``forward`` with a ``backward``; call it
#   with ``.apply``. Write ``forward`` without ``ctx`` and save what the backward
#   needs in ``setup_context`` with ``ctx.save_for_backward``: the older
#   ``forward(ctx, ...)`` form fails under :mod:`torch.func`. ``grad`` and ``jacrev``
#   need nothing more; ``vmap``, ``jacfwd`` and ``hessian`` need
#   ``generate_vmap_rule = True``, and forward mode a ``jvp`` static method.
# * ``backward`` must return ``grad_output`` times the operation's derivative: that
#   product *is* the chain rule. Forgetting ``grad_output`` gives wrong gradients as
#   soon as anything follows the operation.
# * ``torch.autograd.gradcheck`` (or :func:`gradbook.check_backward`) compares a
#   backward with numerical derivatives: run it on every function you write.
#
# * A backward does not have to be the derivative of the forward: a
#   straight-through estimator passes the gradient through rounding on purpose.
#
# That completes the lab. Next, go beyond it with :ref:`tut-higher-order`:
# derivatives of derivatives.
