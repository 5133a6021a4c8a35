"""
.. _tut-backprop:

Backpropagation, step by step
=============================

Follow one derivative through the graph, number by number. By the end you can split a
function into the nodes autograd records, compute each node's value (the forward pass),
each node's local derivative and the gradient flowing into it (the backward pass), read
those gradients from autograd itself with ``register_hook``, and say why training uses
the backward direction and not the forward one.

:Assumes: :ref:`tut-scalar`, :ref:`tut-graph`
"""

# %%
# One function, six nodes
# -----------------------
# The function (the d2l book poses its derivative as an exercise, without a solution):
#
# .. math::
#
#    f(x) = \log(x^2)\,\sin(x) + \frac{1}{x} \qquad \text{at } x = 2.
#
# Autograd does not see a formula; it sees one operation after another. Give each
# result a name and the function becomes six small steps, each one easy to
# differentiate on its own:
#
# .. math::
#
#    a = x^2, \quad b = \log a, \quad c = \sin x, \quad d = b\,c, \quad
#    e = \frac{1}{x}, \quad f = d + e.
#
# The forward pass
# ----------------
# Running the code *is* the forward pass: each line computes one node's value from
# values already known, and autograd records the operation. The six lines sit in a
# function, so that later sections can run a fresh pass.
import math

import torch

import gradbook

# sphinx_gallery_thumbnail_number = 1

torch.manual_seed(0)  # nothing random below; a habit that makes every run the same


def forward(x):
    a = x**2
    b = torch.log(a)
    c = torch.sin(x)
    d = b * c
    e = torch.reciprocal(x)  # 1 / x, as one node (see below)
    f = d + e
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


x = torch.tensor(2.0, requires_grad=True)
nodes = forward(x)
for name, t in nodes.items():
    print(f"{name} = {t.item():.4f}   ({type(t.grad_fn).__name__})")

# %%
# To four decimals: :math:`a = 4`, :math:`b = \log 4 = 1.3863`,
# :math:`c = \sin 2 = 0.9093`, :math:`d = 1.2606`, :math:`e = 0.5` and
# :math:`f = 1.7606`. (Written ``1 / x``, the reciprocal would be recorded as two
# nodes, a reciprocal and a multiplication by 1: ``torch.reciprocal`` keeps the graph
# as small as the formula.)
print(gradbook.check_value(nodes["a"], 4.0, name="a = x^2"))
print(gradbook.check_value(nodes["b"], 1.3863, name="b = log a", atol=5e-5))
print(gradbook.check_value(nodes["c"], 0.9093, name="c = sin x", atol=5e-5))
print(gradbook.check_value(nodes["d"], 1.2606, name="d = b c", atol=5e-5))
print(gradbook.check_value(nodes["e"], 0.5, name="e = 1/x"))
print(gradbook.check_value(nodes["f"], 1.7606, name="f = d + e", atol=5e-5))
one_over_x = type((1 / x).grad_fn).__name__
print(gradbook.check_claim(one_over_x, "MulBackward0", name="the last node of 1 / x"))

# %%
# Local derivatives
# -----------------
# Each node knows only its own small formula, so all it can give is its
# :term:`local derivative`: how its output moves when one of its inputs moves,
# everything else held still. Computed from the node values (this is what the
# backward functions ``PowBackward0``, ``LogBackward0``, ... compute):
#
# .. math::
#
#    \frac{da}{dx} = 2x, \quad \frac{db}{da} = \frac{1}{a}, \quad
#    \frac{dc}{dx} = \cos x, \quad \frac{\partial d}{\partial b} = c, \quad
#    \frac{\partial d}{\partial c} = b, \quad \frac{de}{dx} = -\frac{1}{x^2}, \quad
#    \frac{\partial f}{\partial d} = \frac{\partial f}{\partial e} = 1.
v = {name: t.item() for name, t in nodes.items()} | {"x": x.item()}
local = {
    "da/dx = 2x": 2 * v["x"],
    "db/da = 1/a": 1 / v["a"],
    "dc/dx = cos x": math.cos(v["x"]),
    "∂d/∂b = c": v["c"],
    "∂d/∂c = b": v["b"],
    "de/dx = -1/x²": -1 / v["x"] ** 2,
}
for name, value in local.items():
    print(f"{name:15} = {value:7.4f}")

# %%
print(gradbook.check_value(local["da/dx = 2x"], 4.0, name="da/dx = 2x"))
print(gradbook.check_value(local["db/da = 1/a"], 0.25, name="db/da = 1/a"))
print(gradbook.check_value(local["dc/dx = cos x"], -0.4161, name="cos 2", atol=5e-5))
print(gradbook.check_value(local["de/dx = -1/x²"], -0.25, name="de/dx = -1/x^2"))

# %%
# The backward pass
# -----------------
# Write :math:`\bar v` for :math:`\partial f / \partial v`, the gradient of the
# output with respect to node :math:`v`: how much :math:`f` moves per unit change of
# :math:`v`. The backward pass starts at the output, where :math:`\bar f = 1`, and
# reaches every node only after all the nodes that use it. At each node it applies
# the :term:`chain rule`:
#
# .. math::
#
#    \bar v = \sum_{w \text{ uses } v} \bar w \, \frac{\partial w}{\partial v}
#
# the gradient of each user times that user's local derivative, summed over the
# users. Most nodes have one user; :math:`x` has three (:math:`a`, :math:`c` and
# :math:`e`), so three contributions meet there.
#
# Autograd computes exactly these :math:`\bar v`. It keeps only the leaves' ones (in
# ``.grad``), but a :term:`hook` sees each one pass: ``t.register_hook(fn)`` asks
# autograd to call ``fn`` with :math:`\bar t` the moment the backward pass reaches
# ``t``. The hooks below record each gradient, in the order they fire.
#
# .. admonition:: Predict before you run
#
#    Which hook fires first, and with which gradient? Which fires last? Write down
#    the order you expect for all seven (``a`` to ``f``, and ``x``) before running
#    the next cell.
grads = {}  # name -> the gradient flowing into that node, in firing order


def record(name):
    def hook(grad):
        grads[name] = grad.item()

    return hook


for name, t in {**nodes, "x": x}.items():
    t.register_hook(record(name))
nodes["f"].backward()
for name, g in grads.items():
    print(f"∂f/∂{name} = {g:.4f}")

# %%
# The output's hook fired first, with :math:`\bar f = 1`, and the leaf's last. In
# between, each node ran after all its users; among nodes ready at the same time,
# autograd runs the one created last first, so the order is exactly the forward
# pass reversed.
order = " ".join(grads)
print(gradbook.check_claim(order, "f e d c b a x", name="the order the hooks fired"))
print(gradbook.check_value(grads["f"], 1.0, name="∂f/∂f"))
print(gradbook.check_value(grads["e"], 1.0, name="∂f/∂e"))
print(gradbook.check_value(grads["d"], 1.0, name="∂f/∂d"))
print(gradbook.check_value(grads["c"], 1.3863, name="∂f/∂c", atol=5e-5))
print(gradbook.check_value(grads["b"], 0.9093, name="∂f/∂b", atol=5e-5))
print(gradbook.check_value(grads["a"], 0.2273, name="∂f/∂a", atol=5e-5))
print(gradbook.check_value(grads["x"], 0.0824, name="∂f/∂x", atol=5e-5))

# %%
# Each of these gradients is the one above it times a local derivative, as the rule
# says: :math:`\bar c = \bar d \cdot b`, :math:`\bar b = \bar d \cdot c` and
# :math:`\bar a = \bar b \cdot \tfrac{1}{a}`:
hooked = [grads["c"], grads["b"], grads["a"]]
by_rule = [grads["d"] * v["b"], grads["d"] * v["c"], grads["b"] / v["a"]]
print(gradbook.check_value(hooked, by_rule, name="hooked = above x local", rtol=1e-6))

# %%
# Three paths into ``x``
# ----------------------
# The leaf's hook saw only the total. To see the three contributions, hook the three
# *nodes* that send a gradient to ``x``: a node's hook receives what the node sends
# to its inputs (``grad_inputs``) and what it received (``grad_outputs``). The first
# graph has been used up by its backward pass, so this is a fresh forward pass:
x = torch.tensor(2.0, requires_grad=True)
nodes = forward(x)
sent = {}  # name -> what that node sent to x


def record_sent(name):
    def hook(grad_inputs, grad_outputs):
        sent[name] = grad_inputs[0].item()

    return hook


for name in ("a", "c", "e"):
    nodes[name].grad_fn.register_hook(record_sent(name))
nodes["f"].backward()
for name, value in sent.items():
    print(f"via {name}: {value:+.4f}")
print(f"sum:   {sum(sent.values()):+.4f}   x.grad: {x.grad.item():+.4f}")

# %%
# Via :math:`a`: :math:`\bar a \cdot 2x = 0.9093`; via :math:`c`:
# :math:`\bar c \cos x = -0.5769`; via :math:`e`:
# :math:`\bar e \cdot (-1/x^2) = -0.25`. The :term:`AccumulateGrad` node adds them
# into ``x.grad``.
print(gradbook.check_value(sent["a"], 0.9093, name="via a", atol=5e-5))
print(gradbook.check_value(sent["c"], -0.5769, name="via c", atol=5e-5))
print(gradbook.check_value(sent["e"], -0.25, name="via e"))
print(gradbook.check_value(x.grad, sum(sent.values()), name="x.grad = their sum"))

# %%
# The numbers on the graph
# ------------------------
# The graph autograd recorded, from the output (top) to the leaf. Each box shows the
# node's value, the gradient flowing into it as the hooks captured it
# (:math:`\partial f / \partial \cdot`), and its local derivatives
# (:math:`d \cdot / d \cdot`). Multiply a box's gradient by one of its local
# derivatives and you get what flows down the matching arrow; the three arrows into
# ``x`` carry the three contributions above.
import matplotlib.pyplot as plt

annotations = {
    "f": {"∂f/∂f": grads["f"], "∂f/∂d, ∂f/∂e": "1, 1"},
    "d": {"∂f/∂d": grads["d"], "∂d/∂b": "c", "∂d/∂c": "b"},
    "e": {"∂f/∂e": grads["e"], "de/dx": -1 / v["x"] ** 2},
    "b": {"∂f/∂b": grads["b"], "db/da": 1 / v["a"]},
    "c": {"∂f/∂c": grads["c"], "dc/dx": math.cos(v["x"])},
    "a": {"∂f/∂a": grads["a"], "da/dx": 2 * v["x"]},
    "x": {"∂f/∂x": x.grad},
}
gradbook.draw_graph(nodes["f"], {"x": x, **nodes}, annotations=annotations)
plt.show()

# %%
# The chain rule, with the numbers
# --------------------------------
# Written out in one line, the backward pass is the chain rule applied along every
# path from :math:`f` down to :math:`x`, one term per path:
#
# .. math::
#
#    \begin{aligned}
#    \frac{df}{dx}
#    &= \underbrace{1 \cdot c \cdot \tfrac{1}{a} \cdot 2x}_{\text{via } d, b, a}
#     + \underbrace{1 \cdot b \cdot \cos x}_{\text{via } d, c}
#     + \underbrace{1 \cdot \left(-\tfrac{1}{x^2}\right)}_{\text{via } e} \\
#    &= 0.9093 \cdot 0.25 \cdot 4 \; + \; 1.3863 \cdot (-0.4161)
#     \; + \; (-0.25) \\
#    &= 0.9093 - 0.5769 - 0.25 = 0.0824
#    \end{aligned}
#
# and with the symbols put back, the derivative you would get by hand with the
# product rule:
#
# .. math::
#
#    f'(x) = \frac{2 \sin x}{x} + \log(x^2) \cos x - \frac{1}{x^2}.
paths = [
    1 * v["c"] * (1 / v["a"]) * (2 * v["x"]),
    1 * v["b"] * math.cos(v["x"]),
    1 * (-1 / v["x"] ** 2),
]
print("the three paths:", [round(p, 4) for p in paths])
print(f"their sum: {sum(paths):.4f}   autograd's x.grad: {x.grad.item():.4f}")

# %%
print(gradbook.check_value(sum(paths), 0.0824, name="sum over the paths", atol=5e-5))
print(gradbook.check_value(x.grad, sum(paths), name="x.grad = sum over the paths"))
result = gradbook.check_derivative(
    lambda x: torch.log(x**2) * torch.sin(x) + 1 / x,
    at=2.0,
    expected=lambda x: 2 * torch.sin(x) / x + torch.log(x**2) * torch.cos(x) - 1 / x**2,
    name="log(x^2) sin x + 1/x",
)
print(result)

# %%
# The other direction: forward mode
# ---------------------------------
# The same derivative can be pushed *forwards* instead. Attach to the input a
# :term:`tangent`, :math:`\dot x = 1` ("x moves at speed 1"), and let every node
# compute, next to its value, how fast it moves: its inputs' speeds times its local
# derivatives, :math:`\dot v = \sum_u \frac{\partial v}{\partial u} \dot u`. This is
# :term:`forward mode`, taught in :ref:`tut-forward-mode`; PyTorch carries the
# tangents in *dual tensors*:
#
# .. math::
#
#    \dot a = 2x \cdot 1 = 4, \quad \dot b = \tfrac{1}{a} \dot a = 1, \quad
#    \dot c = \cos x = -0.4161, \quad \dot d = c\,\dot b + b\,\dot c = 0.3324,
#    \quad \dot e = -0.25, \quad \dot f = \dot d + \dot e = 0.0824.
import torch.autograd.forward_ad as fwAD

with fwAD.dual_level():
    x_dual = fwAD.make_dual(torch.tensor(2.0), torch.tensor(1.0))  # x, tangent 1
    tangents = {
        n: fwAD.unpack_dual(t).tangent.item() for n, t in forward(x_dual).items()
    }
for name, value in tangents.items():
    print(f"d{name}/dx = {value:.4f}")

# %%
print(gradbook.check_value(tangents["a"], 4.0, name="da/dx"))
print(gradbook.check_value(tangents["b"], 1.0, name="db/dx"))
print(gradbook.check_value(tangents["c"], -0.4161, name="dc/dx", atol=5e-5))
print(gradbook.check_value(tangents["d"], 0.3324, name="dd/dx", atol=5e-5))
print(gradbook.check_value(tangents["e"], -0.25, name="de/dx"))
print(gradbook.check_value(tangents["f"], 0.0824, name="df/dx", atol=5e-5))

# %%
# Both directions end at :math:`0.0824`, but they computed different things on the
# way. Forward mode found how every node depends on *one input*
# (:math:`dv/dx`); reverse mode found how *one output* depends on every node
# (:math:`\partial f / \partial v`). That difference decides which one training uses.
#
# Why training runs backwards: count the passes
# ---------------------------------------------
# A loss has one output and many inputs (the parameters). One backward pass gives the
# derivative with respect to *every* input. A forward pass carries one tangent, so it
# gives the derivative along one direction: for all :math:`n` partial derivatives it
# must run :math:`n` times, once per input. The function below mixes all its inputs
# (so no single tangent can serve them all) and counts how often it runs:


def loss(w):
    loss.calls += 1
    s = w.sum()
    return torch.log((w * w).sum()) * torch.sin(s) + torch.reciprocal(s)


def passes(n):
    w = torch.linspace(0.5, 1.5, n)
    loss.calls = 0  # reverse mode: one forward and one backward pass
    w_rev = w.clone().requires_grad_()
    loss(w_rev).backward()
    reverse = loss.calls
    loss.calls = 0  # forward mode: one pass per input, tangent = that input's axis
    fwd = torch.zeros(n)
    with fwAD.dual_level():
        for i, axis in enumerate(torch.eye(n)):
            fwd[i] = fwAD.unpack_dual(loss(fwAD.make_dual(w, axis))).tangent
    return reverse, loss.calls, w_rev.grad, fwd


sizes = [1, 2, 4, 8, 16, 32]
counts = {n: passes(n)[:2] for n in sizes}
print("passes for one gradient:")
for n, (rev, fwd) in counts.items():
    print(f"{n:2} inputs: reverse mode {rev}, forward mode {fwd:2}")

# %%
# The gradients agree; only the work differs:
_, _, grad_reverse, grad_forward = passes(8)
print(
    gradbook.check_value(
        grad_forward, grad_reverse, name="8 partials, both modes", atol=1e-6
    )
)
print(gradbook.check_claim(counts[32] == (1, 32), True, name="32 inputs: 1 vs 32"))
print(
    gradbook.check_claim(
        all(counts[n] == (1, n) for n in sizes),
        True,
        name="reverse: 1 pass; forward: 1 per input",
    )
)

# %%
# A network with a million parameters would need a million forward passes for one
# gradient, and still one backward pass. (With many outputs and few inputs the
# balance tips the other way, as :ref:`tut-forward-mode` shows.)
with gradbook.style():
    fig, ax = plt.subplots(layout="constrained")
    ax.plot(sizes, [counts[n][1] for n in sizes], "o-", label="forward mode")
    ax.plot(sizes, [counts[n][0] for n in sizes], "s--", label="reverse mode")
    ax.set(xlabel="number of inputs", ylabel="passes for the gradient")
    ax.set_title("One output: passes per gradient")
    ax.legend()
plt.show()

# %%
# Practice: backpropagate through :math:`g(x) = x \sin(x^2)`
# ----------------------------------------------------------
# Your turn. Split :math:`g(x) = x \sin(x^2)` into nodes :math:`u = x^2`,
# :math:`s = \sin u` and :math:`g = x \cdot s`, and run the backward pass by hand at
# :math:`x = 1`: what is the gradient flowing into :math:`u`,
# :math:`\bar u = \partial g / \partial u`, and what is :math:`dg/dx`? Give the pair
# :math:`[\bar u, \, dg/dx]` to four decimals in place of ``None`` and run the cell.


def practice_grads():
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    u = x**2
    grad_u = []
    u.register_hook(lambda grad: grad_u.append(grad.item()))  # returns None
    (x * torch.sin(u)).backward()
    return [grad_u[0], x.grad.item()]


practice = gradbook.Exercise(
    "backprop-x-sin-x2",
    "For g(x) = x sin(x^2) at x = 1, what are dg/du (u = x^2) and dg/dx?",
    asks="[∂g/∂u, dg/dx] at x = 1",
    compute=practice_grads,
)
your_answer = None  # [∂g/∂u, dg/dx] at x = 1
print(gradbook.check_answer(practice, your_answer, atol=5e-5))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** Forward: :math:`u = 1`, :math:`s = \sin 1 = 0.8415`,
# :math:`g = 0.8415`. Backward: :math:`\bar g = 1`; the product
# :math:`g = x \cdot s` sends :math:`\bar s = \bar g \cdot x = 1` to :math:`s`, and
# :math:`\bar g \cdot s = 0.8415` to :math:`x`. Then
# :math:`\bar u = \bar s \cos u = \cos 1 = 0.5403`, and :math:`u = x^2` sends
# :math:`\bar u \cdot 2x = 1.0806` to :math:`x`. The two contributions to :math:`x`
# add up: :math:`dg/dx = 0.8415 + 1.0806 = 1.9221`. Autograd, with a hook on ``u``:
x = torch.tensor(1.0, requires_grad=True)
u = x**2
u.register_hook(lambda grad: print(f"∂g/∂u (hook on u): {grad.item():.4f}"))
g = x * torch.sin(u)
g.backward()
print(f"dg/dx: {x.grad.item():.4f}")
print(gradbook.check_answer(practice, [0.5403, 1.9221], atol=5e-5))

# %%
# And the book's own check of both numbers:
print(
    gradbook.check_value(
        practice_grads(), [0.5403, 1.9221], name="[∂g/∂u, dg/dx]", atol=5e-5
    )
)

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * The forward pass computes each node's value; autograd records the operations.
# * The backward pass starts with :math:`\bar f = 1` at the output and gives each
#   node :math:`\bar v = \sum \bar w \, \partial w / \partial v` over its users: the
#   chain rule, one local derivative at a time. Where an input is used several
#   times, the contributions add up (here three meet in ``x``).
# * ``t.register_hook(fn)`` shows the gradient flowing into any tensor; a hook on a
#   node (``t.grad_fn.register_hook``) shows what that node sends to its inputs.
# * Forward mode carries tangents with the values and needs one pass per input;
#   reverse mode (:term:`backpropagation`) needs one pass per output. A loss has one
#   output, so training runs backwards.
#
# Next, :ref:`tut-engine` builds this machinery from scratch: a reverse-mode engine
# small enough to read in one screen, checked against PyTorch.
