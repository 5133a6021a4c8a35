"""
.. _tut-leaves:

Leaves, freezing, hooks and dynamic graphs
==========================================

Decide which tensors autograd follows and which gradients it keeps. By the end you can
predict whether a result requires grad and whether it is a leaf (and avoid the
``* 0.01`` and ``.to()`` traps), freeze part of an ``nn.Module`` and fine-tune the
rest, read and change gradients with tensor and module hooks, and explain why Python
``if`` and ``while`` differentiate fine.

:Assumes: :ref:`tut-graph`, :ref:`tut-backprop`, :ref:`tut-accumulation`
"""

# %%
# How ``requires_grad`` spreads
# -----------------------------
# The rule is short: the result of an operation requires grad when at least one of its
# inputs does (and recording is on). Data you feed in does not, a parameter you train
# does, so everything computed from the parameter does too:
import torch
from torch import nn

import gradbook

# sphinx_gallery_thumbnail_number = 2

torch.manual_seed(0)  # the model below starts from random weights
w = torch.tensor([1.0, 2.0], requires_grad=True)  # a parameter
data = torch.tensor([3.0, 4.0])  # data: requires_grad=False
product = w * data
scaled_data = data * 2
with torch.no_grad():
    unrecorded = w * data
print("w * data      requires grad:", product.requires_grad)
print("data * 2      requires grad:", scaled_data.requires_grad)
print("under no_grad requires grad:", unrecorded.requires_grad)

# %%
print(gradbook.check_claim(product.requires_grad, True, name="w * data requires grad"))
print(gradbook.check_claim(scaled_data.requires_grad, False, name="data * 2"))
print(gradbook.check_claim(unrecorded.requires_grad, False, name="under no_grad"))

# %%
# Which tensors are leaves
# ------------------------
# A :term:`leaf <leaf tensor>` is a tensor that no recorded operation produced. So
# ``data`` and ``scaled_data`` are leaves (nothing was recorded for them), ``w`` is a
# leaf that requires grad, and ``product`` is not a leaf. ``backward()`` fills
# ``.grad`` only for leaves that require grad:
tensors = {"w": w, "data": data, "scaled_data": scaled_data, "product": product}
for name, t in tensors.items():
    print(f"{name:12} is_leaf: {t.is_leaf!s:5}  requires_grad: {t.requires_grad}")

# %%
print(gradbook.check_claim(w.is_leaf, True, name="w is a leaf"))
print(gradbook.check_claim(scaled_data.is_leaf, True, name="data * 2 is a leaf"))
print(gradbook.check_claim(product.is_leaf, False, name="w * data is a leaf"))

# %%
# The first trap, met in :ref:`tut-graph`: scaling a fresh random tensor that
# requires grad, as in ``torch.randn(3, requires_grad=True) * 0.01``, gives the
# *result* of a multiplication, not a leaf. Its ``.grad`` stays empty after
# ``backward()``, and reading it makes PyTorch warn (the warning is caught and shown
# by :func:`gradbook.expect_warning`):
w_small = torch.randn(3, requires_grad=True) * 0.01
w_small.sum().backward()
with gradbook.expect_warning(UserWarning, match="not a leaf Tensor"):
    small_grad = w_small.grad
print("w_small.grad:", small_grad)

# %%
print(gradbook.check_claim(w_small.is_leaf, False, name="randn(...) * 0.01 is a leaf"))
print(gradbook.check_claim(small_grad, None, name="its .grad after backward()"))

# %%
# The second trap is ``.to()``. It returns a converted *copy*, made by a recorded
# operation, when the dtype or device changes, and the tensor itself when nothing
# changes.
#
# .. admonition:: Predict before you run
#
#    ``w`` is a float32 leaf on the CPU. Is ``w.to(torch.float64)`` a leaf? And
#    ``w.to(torch.float32)``?
w64 = w.to(torch.float64)
w32 = w.to(torch.float32)
print("w.to(float64): is_leaf", w64.is_leaf, "| grad_fn", type(w64.grad_fn).__name__)
print("w.to(float32): is_leaf", w32.is_leaf, "| it is w itself:", w32 is w)

# %%
print(gradbook.check_claim(w64.is_leaf, False, name="w.to(float64) is a leaf"))
print(gradbook.check_claim(type(w64.grad_fn).__name__, "ToCopyBackward0", name="node"))
print(gradbook.check_claim(w32 is w, True, name="w.to(float32) is w"))

# %%
# So the same line can make a leaf on one machine and a non-leaf on another
# (``model_weight.to("cuda")`` copies on a machine with a GPU). Create a tensor in the
# dtype and on the device it will live in, or convert first and ask for gradients
# after: ``requires_grad_()`` marks a tensor in place and records nothing.
w64 = w.detach().to(torch.float64).requires_grad_()
print("w.detach().to(float64).requires_grad_(): is_leaf", w64.is_leaf)

# %%
print(gradbook.check_claim(w64.is_leaf, True, name="converted, then marked: a leaf"))

# %%
# ``requires_grad_()`` is for leaves only. To stop following a computed tensor, take
# ``.detach()`` (:ref:`tut-accumulation`):
with gradbook.expect_error(
    RuntimeError, match="only change requires_grad flags of leaf"
):
    product.requires_grad_(False)

# %%
# Freezing part of a model
# ------------------------
# The parameters of an ``nn.Module`` are leaves that require grad. Here is a tiny
# network of two ``nn.Linear`` layers, 21 numbers in four tensors:
import matplotlib.pyplot as plt

model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
for name, p in model.named_parameters():
    shape = str(tuple(p.shape))
    print(f"{name:8} {shape:7} is_leaf: {p.is_leaf}  requires_grad: {p.requires_grad}")
print("numbers to train:", sum(p.numel() for p in model.parameters()))

# %%
print(gradbook.check_value(sum(p.numel() for p in model.parameters()), 21, name="size"))
print(
    gradbook.check_claim(
        all(p.is_leaf and p.requires_grad for p in model.parameters()),
        True,
        name="every parameter is a leaf that requires grad",
    )
)

# %%
# The backward graph of a loss ends in one :term:`AccumulateGrad` node per parameter,
# drawn here as the orange boxes labelled with the parameter's name (``TBackward0`` is
# the transpose that ``nn.Linear`` applies to its weight, ``AddmmBackward0`` its matrix
# product plus bias):
X = torch.randn(8, 3)  # a batch of 8 inputs
target = torch.randn(8, 1)
param_name = {p: name for name, p in model.named_parameters()}


def children(node):
    return [n for n, _ in node.next_functions if n is not None]


def label(node):
    variable = getattr(node, "variable", None)  # set on AccumulateGrad nodes
    if variable is not None:
        return param_name[variable]
    return type(node).__name__


loss = nn.functional.mse_loss(model(X), target)
ax = gradbook.draw_graph(loss.grad_fn, children=children, label=label)
plt.show()

# %%
print(gradbook.check_value(len(ax.texts), 10, name="nodes in the graph"))

# %%
# To :term:`freeze <freezing>` the first layer, switch its parameters off:
# ``module.requires_grad_(False)`` does it for every parameter of the module.
#
# .. admonition:: Predict before you run
#
#    After freezing ``model[0]`` and one ``backward()``, which of the four
#    parameters have a ``.grad``? Does the backward pass still go through the first
#    layer?
model[0].requires_grad_(False)
loss = nn.functional.mse_loss(model(X), target)
loss.backward()
for name, p in model.named_parameters():
    grad = None if p.grad is None else f"shape {tuple(p.grad.shape)}"
    print(f"{name:8} requires_grad: {p.requires_grad!s:5}  .grad: {grad}")

# %%
print(gradbook.check_claim(model[0].weight.grad, None, name="frozen 0.weight.grad"))
print(gradbook.check_claim(model[0].bias.grad, None, name="frozen 0.bias.grad"))
print(gradbook.check_value(model[2].weight.grad.shape, [1, 4], name="2.weight.grad"))

# %%
# The first layer's output no longer requires grad (none of its inputs does), so
# autograd does not record the first layer, nor the ``tanh`` after it: the graph
# stops at the last layer, and the backward pass runs half as many nodes.
ax = gradbook.draw_graph(loss.grad_fn, children=children, label=label)
plt.show()

# %%
print(gradbook.check_value(len(ax.texts), 5, name="nodes after freezing"))

# %%
# Fine-tuning only a part: train the parameters that still require grad. Each step
# below is one step of gradient descent, done by hand under ``no_grad``;
# ``torch.optim.SGD(trainable, lr=0.1)`` would do the same update. The frozen layer
# does not move:
before = {name: p.detach().clone() for name, p in model.named_parameters()}
trainable = [p for p in model.parameters() if p.requires_grad]
losses = []
for _ in range(30):
    loss = nn.functional.mse_loss(model(X), target)
    loss.backward()
    with torch.no_grad():
        for p in trainable:
            p -= 0.1 * p.grad
            p.grad = None
    losses.append(loss.item())
moved = {name: not torch.equal(p, before[name]) for name, p in model.named_parameters()}
print(f"loss: {losses[0]:.4f} -> {losses[-1]:.4f}")
print("moved:", moved)

# %%
print(gradbook.check_value(len(trainable), 2, name="tensors trained"))
print(gradbook.check_claim(moved["0.weight"], False, name="frozen 0.weight moved"))
print(gradbook.check_claim(moved["2.weight"], True, name="trained 2.weight moved"))
print(gradbook.check_claim(losses[-1] < losses[0], True, name="the loss went down"))

# %%
# Hooks on tensors: read or change a gradient
# -------------------------------------------
# :ref:`tut-backprop` used ``t.register_hook(fn)`` to *read* the gradient flowing into
# ``t``. A :term:`hook` may also *change* it: what ``fn`` returns replaces the
# gradient, and flows on to the rest of the graph. Below, the gradient flowing into
# ``cube`` is clipped to at most 2; a first hook records it before the change (hooks
# run in the order they were registered).
#
# .. math::
#
#    \frac{\partial L}{\partial\,\mathrm{cube}} = (1, 1, 5)
#    \;\xrightarrow{\text{clip}}\; (1, 1, 2), \qquad
#    \frac{\partial L}{\partial x} = (1, 1, 2) \cdot 3x^2 = (3, 12, 54)
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
cube = x**3
loss = (cube * torch.tensor([1.0, 1.0, 5.0])).sum()
seen = []
cube.register_hook(lambda grad: seen.append(grad.clone()))  # returns None: reads
clip = cube.register_hook(lambda grad: grad.clamp(max=2.0))  # returns: replaces
loss.backward(retain_graph=True)  # keep the graph: it is walked again below
print("gradient into cube, before the clip:", seen[0].tolist())
print("x.grad, after the clip:", x.grad.tolist())

# %%
print(gradbook.check_value(seen[0], [1.0, 1.0, 5.0], name="gradient into cube"))
print(gradbook.check_value(x.grad, [3.0, 12.0, 54.0], name="x.grad with the clip"))

# %%
# ``register_hook`` returns a handle; ``handle.remove()`` takes the hook off. The same
# graph, walked again without the clip (the reading hook is still there), gives
# :math:`5 \cdot 27 = 135` for the last element:
clip.remove()
x.grad = None  # start from an empty .grad: gradients accumulate
loss.backward()
print("gradient into cube, second walk:", seen[1].tolist())
print("x.grad without the clip:", x.grad.tolist())

# %%
print(gradbook.check_value(x.grad, [3.0, 12.0, 135.0], name="x.grad, hook removed"))
print(gradbook.check_value(len(seen), 2, name="the reading hook ran twice"))

# %%
# ``retain_grad()`` is a hook too: it stores the gradient in the tensor's ``.grad``.
# PyTorch runs it after the tensor's other hooks, whatever the order they were
# registered in, so ``.grad`` holds the gradient that actually flowed on:
x = torch.tensor([1.0, 2.0], requires_grad=True)
a = x * 3
a.retain_grad()
a.register_hook(lambda grad: grad * 10)
a.sum().backward()
print("a.grad:", a.grad.tolist(), "| x.grad:", x.grad.tolist())

# %%
print(gradbook.check_value(a.grad, [10.0, 10.0], name="a.grad (after the x10 hook)"))
print(gradbook.check_value(x.grad, [30.0, 30.0], name="x.grad = 10 * 3"))

# %%
# Hooks on modules
# ----------------
# ``module.register_full_backward_hook(fn)`` calls ``fn(module, grad_input,
# grad_output)`` during the backward pass: the gradients with respect to the module's
# inputs and outputs. Hook the last layer of the model, whose first layer is still
# frozen:
grads_seen = []


def show_grads(module, grad_input, grad_output):
    grads_seen.append((grad_input, grad_output))


hook = model[2].register_full_backward_hook(show_grads)
with gradbook.expect_warning(UserWarning, match="no inputs require gradients"):
    nn.functional.mse_loss(model(X), target).backward()
grad_input, grad_output = grads_seen[-1]
print("grad_input:", grad_input, "| grad_output shape:", tuple(grad_output[0].shape))

# %%
print(gradbook.check_claim(grad_input[0], None, name="grad_input, layer 0 frozen"))

# %%
# With the first layer frozen, the last layer's input does not require grad, so
# there is no gradient for it: the hook warns and gets ``None``. (This book's build
# refuses every warning, so a hook like this one, not caught, would stop it.) Give the module an input that requires grad, here by unfreezing
# the first layer, and the hook sees the gradient for its input, one row per example:
model[0].requires_grad_(True)
nn.functional.mse_loss(model(X), target).backward()
grad_input, grad_output = grads_seen[-1]
print("grad_input shape:", tuple(grad_input[0].shape))
hook.remove()

# %%
print(gradbook.check_value(grad_input[0].shape, [8, 4], name="grad_input's shape"))

# %%
# The graph is built as the code runs
# -----------------------------------
# Autograd records the operations that *ran*, at every forward pass anew: the graph
# is :term:`dynamic <define-by-run>`. Python's ``while`` and ``if`` decide which
# operations run, and the gradient follows them. This function (from the d2l book)
# doubles ``b`` until it is large, and multiplies by 100 only for a negative input:


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:  # noqa: SIM108 (d2l's code, as written there)
        c = b
    else:
        c = 100 * b
    return c


# %%
# Whatever the path, :math:`f(a) = k \cdot a` for a constant :math:`k` that depends
# on the path, so the gradient must be :math:`f(a) / a`. Two inputs, two branches:
# :math:`a = 1.5` doubles ten times (:math:`2^{10} = 1024`);
# :math:`a = -1.5` also takes the ``else`` branch (:math:`100 \cdot 1024`).
results = {}
for value in (1.5, -1.5):
    a = torch.tensor(value, requires_grad=True)
    out = f(a)
    out.backward()
    node, length = out.grad_fn, 0
    while node is not None and node.next_functions:  # count down to the leaf
        node, length = node.next_functions[0][0], length + 1
    results[value] = (a.grad.item(), (out / a).item(), length)
    print(
        f"a = {value:+}: f(a) / a = {results[value][1]:g}, a.grad = {a.grad.item():g},"
        f" {length} operations recorded"
    )

# %%
print(gradbook.check_value(results[1.5][0], 1024.0, name="a.grad at a = 1.5"))
print(gradbook.check_value(results[-1.5][0], 102400.0, name="a.grad at a = -1.5"))
print(gradbook.check_value(results[1.5][0], results[1.5][1], name="= f(a) / a"))
print(gradbook.check_value(results[-1.5][0], results[-1.5][1], name="= f(a) / a"))
print(gradbook.check_value(results[1.5][2], 10, name="operations recorded, a = 1.5"))
print(gradbook.check_value(results[-1.5][2], 11, name="operations recorded, a = -1.5"))

# %%
# Over many inputs the gradient is a staircase: each step is one more doubling in the
# loop, and the left half sits a factor 100 higher (the ``else`` branch). Each point
# is a separate forward pass with its own graph.
a_values = torch.linspace(-2, 2, 200)  # 0 is not among them: f loops forever at 0
slopes, ratios = [], []
for value in a_values:
    a = value.clone().requires_grad_()
    out = f(a)
    out.backward()
    slopes.append(a.grad.item())
    ratios.append((out / a).item())
slopes = torch.tensor(slopes)
with gradbook.style():
    fig, ax = plt.subplots(layout="constrained")
    negative = a_values < 0
    ax.semilogy(a_values[negative], slopes[negative], ".", label="else")
    ax.semilogy(a_values[~negative], slopes[~negative], ".", label="if")
    ax.set(xlabel="a", ylabel="df/da", title="One graph per input")
    ax.legend(title="branch")
plt.show()

# %%
print(gradbook.check_value(slopes, ratios, name="df/da = f(a)/a at 200 points"))

# %%
# Practice: a clipping hook on a leaf
# -----------------------------------
# A hook on a leaf runs before the gradient is added to ``.grad``. Take
# ``x = torch.tensor([0.5, -3.0, 2.0], requires_grad=True)``, register
# ``x.register_hook(lambda g: g.clamp(-5, 5))``, and call
# ``(x ** 3).sum().backward()``. What is ``x.grad``? Work it out, then put the three
# numbers in place of ``None``.


def clipped_leaf_grad():
    x = torch.tensor([0.5, -3.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g.clamp(-5, 5))
    (x**3).sum().backward()
    return x.grad


practice = gradbook.Exercise(
    "clipping-hook",
    "What is x.grad after a clamp(-5, 5) hook on x and (x ** 3).sum().backward()?",
    asks="x.grad",
    compute=clipped_leaf_grad,
)
your_answer = None  # x.grad, three numbers
print(gradbook.check_answer(practice, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** The gradient reaching ``x`` is :math:`3x^2 = (0.75, 27, 12)`; the
# hook clips it to :math:`[-5, 5]` before it lands in ``.grad``: :math:`(0.75, 5, 5)`.
x = torch.tensor([0.5, -3.0, 2.0], requires_grad=True)
x.register_hook(lambda g: g.clamp(-5, 5))
(x**3).sum().backward()
print("x.grad:", x.grad.tolist())
print(gradbook.check_answer(practice, x.grad))

# %%
print(gradbook.check_value(x.grad, [0.75, 5.0, 5.0], name="x.grad, clipped"))

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * A result requires grad when one of its inputs does. A leaf is a tensor no recorded
#   operation produced; ``backward()`` fills ``.grad`` only for leaves that require
#   grad. ``* 0.01`` and a ``.to()`` that converts produce non-leaves: convert first,
#   then call ``requires_grad_()``.
# * Freeze with ``module.requires_grad_(False)``: frozen parameters get no ``.grad``,
#   autograd stops recording before them, and the optimizer gets only the
#   parameters that still require grad.
# * ``t.register_hook(fn)`` reads a gradient (``fn`` returns ``None``) or replaces it
#   (``fn`` returns a tensor); ``retain_grad()`` is a hook that runs last.
#   ``register_full_backward_hook`` shows a module's gradients, and needs an input
#   that requires grad.
# * The graph is recorded anew at every forward pass, so Python control flow
#   differentiates like any other code: the gradient follows the branch that ran.
#
# Next, :ref:`tut-kinks` looks at the points where a function has no derivative at all.
