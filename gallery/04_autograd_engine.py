"""
.. _tut-engine:

Autograd from the inside
========================

Build a reverse-mode :term:`autograd` engine of your own, ninety lines of plain
Python, and check it against PyTorch on every function of this book's lab. By the end
you can say what a node of the backward graph stores, why ``backward()`` visits the
nodes in the order it does, why a value used twice gets both contributions, and what
PyTorch does that a one-page engine does not.

:Assumes: :ref:`tut-scalar`, :ref:`tut-graph`
"""

# %%
# The plan
# --------
# The page on backpropagation by hand walked the :term:`computational graph` of
# :math:`f(x) = \log(x^2)\sin(x) + 1/x` with numbers. Here we write the code that does
# that walk. Two ideas are enough:
#
# 1. **Record.** Every operation returns its result together with its inputs and its
#    :term:`local derivatives <local derivative>`: the derivative of the result with
#    respect to each input, at this run's numbers. For :math:`c = a \cdot b` they are
#    :math:`\partial c / \partial a = b` and :math:`\partial c / \partial b = a`.
# 2. **Walk back.** ``backward()`` starts at the output with gradient 1 and, by the
#    :term:`chain rule`, sends each node's gradient times a local derivative to each
#    input, where the contributions *add up*.
#
# For an input :math:`u` of the output :math:`f`, that is one term for each
# operation :math:`c` that used :math:`u`:
#
# .. math::
#
#    \frac{\partial f}{\partial u} = \sum_{c \text{ used } u}
#    \frac{\partial c}{\partial u} \cdot \frac{\partial f}{\partial c}
#
# The engine: a number that records how it was made
# -------------------------------------------------
# A ``Value`` holds one number (``data``), its gradient (``grad``, filled in by
# ``backward()``), its inputs (``_prev``, in order), the operation's name (``_op``) and
# the local derivatives (``_local``, one per input). Each operation below is two
# lines: the result and its local derivatives. Subtraction, division and the
# *reflected* forms (``2 * x``, ``1 / x``, where the number comes first) are built
# from the others.
import math

import torch

import gradbook

torch.manual_seed(0)  # the training data and weights below are random, but seeded


class Value:
    """A number that records the operation that produced it."""

    def __init__(self, data, inputs=(), op="", local=()):
        self.data = float(data)
        self.grad = 0.0  # d(output)/d(self), filled in by backward()
        self._prev = inputs  # the Values it was computed from, in order
        self._op = op  # the operation's name, for printing and drawing
        self._local = local  # d(self)/d(input), for each input

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        local = (other.data, self.data)
        return Value(self.data * other.data, (self, other), "*", local)

    def __pow__(self, p):  # p is a number, not a Value
        local = (p * self.data ** (p - 1),)
        return Value(self.data**p, (self,), f"**{p:g}", local)

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), "exp", (e,))

    def log(self):
        return Value(math.log(self.data), (self,), "log", (1 / self.data,))

    def sin(self):
        return Value(math.sin(self.data), (self,), "sin", (math.cos(self.data),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", (1 - t * t,))

    def relu(self):  # slope 0 at the kink x = 0, as in PyTorch
        slope = 1.0 if self.data > 0 else 0.0
        return Value(max(self.data, 0.0), (self,), "relu", (slope,))

    def maximum(self, other):  # at a tie, the first input takes the whole slope
        other = other if isinstance(other, Value) else Value(other)
        first = 1.0 if self.data >= other.data else 0.0
        out = max(self.data, other.data)
        return Value(out, (self, other), "maximum", (first, 1.0 - first))

    def __neg__(self):  # -x
        return self * -1

    def __sub__(self, other):  # x - y
        return self + (-other)

    def __truediv__(self, other):  # x / y
        return self * other**-1

    def __radd__(self, other):  # 2 + x
        return self + other

    def __rmul__(self, other):  # 2 * x
        return self * other

    def __rsub__(self, other):  # 2 - x
        return other + (-self)

    def __rtruediv__(self, other):  # 1 / x
        return other * self**-1


# %%
# Computing with ``Value`` objects looks like computing with numbers, and records
# the graph on the way. Here is :math:`f(x) = \log(x^2)\sin(x) + 1/x` at
# :math:`x = 2`; written with methods (``.log()``, ``.sin()``), the same function runs
# on a PyTorch tensor too, which the checks below use. The result knows its
# operation, its inputs and the local derivatives of that last operation (an addition:
# 1 and 1):


def f(x):
    return (x**2).log() * x.sin() + 1 / x


x = Value(2.0)
y = f(x)
print("y:", y)
print("made by:", y._op, "| from:", y._prev, "| local derivatives:", y._local)

# %%
# Walking back: ``backward()``
# ----------------------------
# An input's gradient is complete only when *every* operation that used it has sent
# its contribution. So ``backward()`` first counts, for each ``Value``, the uses still
# to come, then passes a ``Value``'s gradient on only once that count has dropped to
# zero. The nodes are thus visited in a :term:`topological order` from the output to
# the inputs (Kahn's algorithm, which is also how PyTorch's engine decides that a
# node is ready: it counts dependencies).


def backward(self):
    """Fill .grad of every Value that self depends on, with d(self)/d(that Value)."""
    uses, stack = {}, [self]  # 1. count the uses of each Value in the graph
    while stack:
        v = stack.pop()
        for u in v._prev:
            uses[u] = uses.get(u, 0) + 1
            if uses[u] == 1:  # reached for the first time: visit its inputs too
                stack.append(u)
    self.grad = 1.0  # 2. walk back from the output: d(self)/d(self) = 1
    ready = [self]
    while ready:
        v = ready.pop()
        for u, local in zip(v._prev, v._local, strict=True):
            u.grad += local * v.grad  # the chain rule; += adds up the uses
            uses[u] -= 1
            if uses[u] == 0:  # every use has sent its part: pass it on
                ready.append(u)


Value.backward = backward

y.backward()
print("f(2) =", y.data, "| df/dx at 2 =", x.grad)

# %%
# PyTorch, in double precision (``float64``, as Python's ``float``), computes the same
# function on a tensor. The two agree to the last digits: the checks allow a relative
# difference of :math:`10^{-12}` (a few thousand times the rounding error of one
# operation), so they test the rules, not luck with the decimals shown.
xt = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
yt = f(xt)
yt.backward()
print("PyTorch: f(2) =", yt.item(), "| df/dx at 2 =", xt.grad.item())

# %%
same = {"rtol": 1e-12, "atol": 0.0}
print(gradbook.check_value(y.data, yt, name="f(2): engine = PyTorch", **same))
print(gradbook.check_value(x.grad, xt.grad, name="f'(2): engine = PyTorch", **same))
print(gradbook.check_value(y.data, 1.76055, name="f(2)", atol=5e-6))
print(gradbook.check_value(x.grad, 0.0823954, name="f'(2)", atol=5e-8))

# %%
# A value used twice
# ------------------
# **Predict before you run:** for :math:`y = x \cdot x` at :math:`x = 3`, the
# multiplication's local derivatives are :math:`(x, x) = (3, 3)`, one for each of its
# two inputs, which are both ``x``. What does ``x.grad`` hold after ``backward()``?
x = Value(3.0)
y = x * x
y.backward()
print("inputs are both x:", y._prev[0] is x and y._prev[1] is x)
print("local derivatives:", y._local, "| x.grad:", x.grad)

# %%
# Each use sends :math:`3 \cdot 1`, and ``+=`` adds them: ``x.grad`` is
# :math:`3 + 3 = 6 = 2x`, the derivative of :math:`x^2`. An engine that *assigned* the gradient (``=``)
# instead of adding it would keep only the last contribution, 3, half the
# derivative. The same addition happens whenever a value feeds several operations,
# as :math:`x` does three times in :math:`f` above; PyTorch does it in the
# :term:`AccumulateGrad` node of the leaf.
print(
    gradbook.check_claim(y._prev[0] is y._prev[1] is x, True, name="x * x uses x twice")
)
print(gradbook.check_value(x.grad, 3.0 + 3.0, name="x.grad = 3 + 3 = 2x at x = 3"))
print(gradbook.check_value(y._local[1] * y.grad, 3.0, name="the last use alone"))

# %%
# Its graph, drawn like PyTorch's
# -------------------------------
# :func:`gradbook.draw_graph` draws PyTorch's backward graph, and any other graph
# when told how to find a node's inputs (``children``) and what to write in its box
# (``label``). Here is our engine's graph of :math:`f` at :math:`x = 2`, each box with
# its operation, value and gradient. Arrows go the way gradients flow, from the
# output down to the input ``x``:
import matplotlib.pyplot as plt

x = Value(2.0)
y = f(x)
y.backward()


def label(v):
    name = v._op or ("x" if v is x else "constant")
    return f"{name}\n= {v.data:.4g}\ngrad {v.grad:.4g}"


gradbook.draw_graph(y, children=lambda v: v._prev, label=label)
plt.show()

# %%
# And PyTorch's graph of the same expression, the ``grad_fn`` nodes it recorded:
xt = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
yt = f(xt)
gradbook.draw_graph(yt, names={"x": xt, "f": yt})
plt.show()

# %%
# **What matches.** One node per operation, in the same places: ``+`` is
# ``AddBackward0``, ``*`` is ``MulBackward0``, ``log``, ``sin``, ``**2``
# (``PowBackward0``), and ``**-1`` is ``ReciprocalBackward0``: PyTorch also computes
# ``1 / x`` as the reciprocal of ``x`` times 1. In both, three arrows end at ``x``:
# its three uses, whose contributions are added there.
#
# **What PyTorch adds.** Its nodes are *backward* functions (hence the names): each
# holds what it needs to send gradients back, not the operation itself. A leaf is
# reached through an ``AccumulateGrad`` node, which adds into the tensor's ``.grad``.
# The constant 1 has no node at all: it does not require a gradient, so the lower
# ``MulBackward0`` keeps it as a saved value (``_saved_other``) and does not even
# save the reciprocal, which only the constant's gradient would need. Our engine
# made the constant a ``Value`` and computed a gradient for it (0.5) that nobody
# reads. And PyTorch fills ``.grad`` only for leaves; our engine keeps a gradient on
# every node. The counts, from both graphs:


def nodes(root, children):
    """Every node reachable from root, each once."""
    found, todo = {root: None}, [root]  # a dict keeps the order nodes were found
    while todo:
        for kid in children(todo.pop()):
            if kid not in found:
                found[kid] = None
                todo.append(kid)
    return list(found)


def torch_children(node):
    return [n for n, _ in node.next_functions if n is not None]


ours = nodes(y, lambda v: v._prev)
theirs = nodes(yt.grad_fn, torch_children)
as_pytorch = {"+": "Add", "*": "Mul", "log": "Log", "sin": "Sin", "**2": "Pow"}
as_pytorch["**-1"] = "Reciprocal"
ops = sorted(as_pytorch[v._op] + "Backward0" for v in ours if v._prev)
grad_fns = sorted(type(n).__name__ for n in theirs if n.next_functions)
uses_of_x = sum(u is x for v in ours for u in v._prev)
accumulate = next(n for n in theirs if type(n).__name__ == "AccumulateGrad")
arrows_in = sum(accumulate in torch_children(n) for n in theirs)
constant = next(v for v in ours if not v._prev and v is not x)
times_one = yt.grad_fn.next_functions[1][0]  # the MulBackward0 of (1/x) * 1
print("operations (engine, PyTorch):", len(ops), len(grad_fns))
print("arrows into x (engine, PyTorch):", uses_of_x, arrows_in)
print("the constant's gradient in our engine:", constant.grad)
print("saved in PyTorch's node:", times_one._saved_other, times_one._saved_self)

# %%
print(gradbook.check_claim(ops == grad_fns, True, name="one grad_fn per operation"))
print(gradbook.check_value([uses_of_x, arrows_in], [3, 3], name="arrows into x"))
print(gradbook.check_value(len(ours) - len(theirs), 1, name="engine has one more node"))
print(gradbook.check_value(constant.grad, 0.5, name="the constant's unused gradient"))
print(
    gradbook.check_value(times_one._saved_other, 1.0, name="MulBackward0 saved the 1")
)
print(gradbook.check_claim(times_one._saved_self, None, name="and not the reciprocal"))

# %%
# Checked against PyTorch: the lab's functions
# ----------------------------------------------
# The helper below runs a function on ``Value`` objects and on ``float64`` tensors
# and returns, for each, the value followed by the gradient. The functions are
# written once, with operators and methods that both understand.


def engine_and_torch(g, *point):
    """g's value and gradient at the point: by our engine, and by PyTorch."""
    xs = [Value(p) for p in point]
    out = g(*xs)
    out.backward()
    ts = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    out_t = g(*ts)
    out_t.backward()
    engine = [out.data, *(v.grad for v in xs)]
    pytorch = [out_t.item(), *(t.grad.item() for t in ts)]
    return engine, pytorch


# %%
# The seven functions of one variable from :ref:`tut-scalar`, each at its point:
scalar_cases = [
    ("x^2", lambda x: x**2, 2.0),
    ("x^2 + 2x + 1", lambda x: x**2 + 2 * x + 1, 2.0),
    ("2x^3 + x", lambda x: 2 * x**3 + x, 1.0),
    ("3x^2", lambda x: 3 * x**2, 3.0),
    ("6x^2 + 2x + 4", lambda x: 6 * x**2 + 2 * x + 4, 3.0),
    ("x^2", lambda x: x**2, 9.0),
    ("sin(x / 2^1.5)", lambda x: (x / 2**1.5).sin(), 100.0),
]
ours, theirs = [], []
print("function          x    engine: y, dy/dx     PyTorch: y, dy/dx")
for name, g, at in scalar_cases:
    e, t = engine_and_torch(g, at)
    ours.append(e)
    theirs.append(t)
    print(f"{name:<15} {at:5g}   {e[0]:8.4f} {e[1]:8.4f}    {t[0]:8.4f} {t[1]:8.4f}")

# %%
print(gradbook.check_value(ours, theirs, name="7 cases: engine = PyTorch", **same))
values = [e[0] for e in ours]
slopes = [e[1] for e in ours]
print(gradbook.check_value(values, [4, 9, 3, 27, 64, 81, -0.7158], name="y", atol=5e-5))
print(
    gradbook.check_value(
        slopes, [4, 6, 7, 18, 38, 18, -0.2469], name="dy/dx", atol=5e-5
    )
)

# %%
# The four functions of two variables from :ref:`tut-partials`: each gradient now has
# two :term:`partial derivatives <partial derivative>`, and one ``backward()`` fills
# both.
partial_cases = [
    ("uv + u^2", lambda u, v: u * v + u**2, (1.0, 2.0)),
    (
        "u^2 + v^3 + 2uv + u + v",
        lambda u, v: u**2 + v**3 + 2 * u * v + u + v,
        (3.0, 4.0),
    ),
    ("uv + u^2 + v^3", lambda u, v: u * v + u**2 + v**3, (2.0, 4.0)),
    ("uv + (uv)^2", lambda u, v: u * v + (u * v) ** 2, (2.0, 1.0)),
]
ours, theirs = [], []
for name, g, at in partial_cases:
    e, t = engine_and_torch(g, *at)
    ours.append(e)
    theirs.append(t)
    print(f"{name} at (u, v) = {at}")
    print(f"    f, df/du, df/dv: engine {e}, PyTorch {t}")

# %%
print(gradbook.check_value(ours, theirs, name="4 cases: engine = PyTorch", **same))
stated = [[3, 4, 1], [104, 15, 55], [76, 8, 50], [6, 5, 10]]
print(gradbook.check_value(ours, stated, name="f, df/du, df/dv"))

# %%
# And the ReLU of :ref:`tut-activations` on the lab's grid of 1000 points from -10 to
# 10, summed (the :term:`sum trick`: the gradient of the sum holds each point's own
# derivative), then at exactly :math:`x = 0`, the :term:`kink`, where PyTorch's
# convention is the slope 0 and so is ours:
grid = torch.linspace(-10, 10, 1000, dtype=torch.float64)
xs = [Value(p) for p in grid.tolist()]
total = sum(v.relu() for v in xs)
total.backward()
xt = grid.clone().requires_grad_()
total_t = xt.relu().sum()
total_t.backward()
relu_slopes = [v.grad for v in xs]
print(f"sum of relu: engine {total.data:.2f}, PyTorch {total_t.item():.2f}")
print("slope 0 at", relu_slopes.count(0.0), "points, 1 at", relu_slopes.count(1.0))
at_zero, at_zero_t = engine_and_torch(lambda x: x.relu(), 0.0)
print("relu at 0 and its slope: engine", at_zero, "| PyTorch", at_zero_t)

# %%
print(gradbook.check_value(total.data, total_t, name="sum: engine = PyTorch", **same))
print(
    gradbook.check_value(relu_slopes, xt.grad, name="slopes: engine = PyTorch", **same)
)
print(gradbook.check_value(total.data, 2502.50, name="sum of relu", atol=5e-3))
print(
    gradbook.check_value(
        relu_slopes[499:501], [0.0, 1.0], name="slopes either side of 0"
    )
)
print(
    gradbook.check_value(at_zero, at_zero_t, name="relu at 0: engine = PyTorch", **same)
)
print(gradbook.check_value(at_zero[1], 0.0, name="relu'(0) in both"))

# %%
# Where the engine and PyTorch part ways: a tie of ``max``
# ---------------------------------------------------------
# At a :term:`kink` there is no derivative, so every engine picks a number, and they
# need not pick the same. Ours gives :math:`\max(a, b)` at a tie :math:`a = b` the
# slopes :math:`(1, 0)`: the first input takes all, as Python's ``max`` returns its
# first argument. PyTorch's ``torch.maximum`` splits the gradient evenly:
a, b = Value(2.0), Value(2.0)
a.maximum(b).backward()
a_t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
b_t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
torch.maximum(a_t, b_t).backward()
print("slopes at a = b = 2: engine", (a.grad, b.grad))
print("                    PyTorch", (a_t.grad.item(), b_t.grad.item()))

# %%
# Both are :term:`subgradients <subgradient>`: at a tie, every pair
# :math:`(t, 1 - t)` with :math:`0 \le t \le 1` is one. PyTorch's
# `autograd notes <https://docs.pytorch.org/docs/stable/notes/autograd.html>`__
# ("Gradients for non-differentiable functions") document which one it returns for a
# function that is convex, at least near the point: **the subgradient of minimum
# norm**. Here
# that is :math:`(\tfrac12, \tfrac12)`, of length :math:`1/\sqrt2 \approx 0.707`;
# ours has length 1. The same rule gives relu's slope 0 at 0, where we agree;
# :ref:`tut-kinks` goes through the kinks of PyTorch's functions one by one.
print(gradbook.check_value([a.grad, b.grad], [1.0, 0.0], name="engine at the tie"))
print(gradbook.check_value([a_t.grad, b_t.grad], [0.5, 0.5], name="PyTorch at the tie"))
print(
    gradbook.check_value(
        math.hypot(a_t.grad, b_t.grad), 0.7071, name="its norm", atol=5e-5
    )
)

# %%
# Away from the tie there is a derivative, and the two agree again:
away, away_t = engine_and_torch(lambda a, b: a.maximum(b), 3.0, 1.0)
print("max(3, 1) and its slopes: engine", away, "| PyTorch", away_t)

# %%
print(gradbook.check_value(away, away_t, name="max away from the tie", **same))
print(gradbook.check_value(away, [3.0, 1.0, 0.0], name="max(3, 1) and its slopes"))

# %%
# A tiny network, trained with both engines
# -----------------------------------------
# Everything a training step needs is here: a :term:`loss`, its gradient with respect
# to every weight, and a step against it. The data: eight points in the plane, with
# target :math:`+1` where the two coordinates have the same sign and :math:`-1`
# elsewhere (the XOR pattern, which no straight line separates). The network: a
# hidden layer of three :math:`\tanh` units and one linear output, nine weights and
# four biases, drawn at random once and given to both engines.
#
# .. math::
#
#    \hat y = w_2 \cdot \tanh(W_1 x + b_1) + b_2
#
#    L = \frac{1}{8} \sum_{i=1}^{8} (\hat y_i - y_i)^2
X = torch.randn(8, 2, dtype=torch.float64)
Y = torch.sign(X[:, 0] * X[:, 1])
W1 = 0.5 * torch.randn(3, 2, dtype=torch.float64)
b1 = torch.zeros(3, dtype=torch.float64)
w2 = 0.5 * torch.randn(3, dtype=torch.float64)
b2 = torch.zeros((), dtype=torch.float64)
print("targets:", Y.tolist())

# %%
# With our engine, a network is loops over ``Value`` objects; with PyTorch, two
# matrix products. Same formula, same starting weights:


def engine_loss(W1, b1, w2, b2):
    total = 0
    for x, y in zip(X.tolist(), Y.tolist(), strict=True):
        h = [
            sum((w * xi for w, xi in zip(row, x, strict=True)), b).tanh()
            for row, b in zip(W1, b1, strict=True)
        ]
        y_hat = sum((w * hj for w, hj in zip(w2, h, strict=True)), b2)
        total = total + (y_hat - y) ** 2
    return total / len(X)


def torch_loss(W1, b1, w2, b2, X=X, Y=Y):
    y_hat = torch.tanh(X @ W1.T + b1) @ w2 + b2
    return ((y_hat - Y) ** 2).mean()


engine_weights = (
    [[Value(w) for w in row] for row in W1.tolist()],
    [Value(b) for b in b1.tolist()],
    [Value(w) for w in w2.tolist()],
    Value(b2.item()),
)
torch_weights = [t.clone().requires_grad_() for t in (W1, b1, w2, b2)]
W1_e, b1_e, w2_e, b2_e = engine_weights
engine_params = [*(w for row in W1_e for w in row), *b1_e, *w2_e, b2_e]
engine_graph = nodes(engine_loss(*engine_weights), lambda v: v._prev)
torch_graph = nodes(torch_loss(*torch_weights).grad_fn, torch_children)
print("weights:", len(engine_params), "Values, or", len(torch_weights), "tensors")
print("nodes in the graph of the loss:", len(engine_graph), "and", len(torch_graph))

# %%
# Our engine's graph of the loss has a node for every number computed; PyTorch's has
# one per operation on a whole tensor (the leaves' ``AccumulateGrad`` included), the
# same for a thousand points:
X_big = torch.randn(1000, 2, dtype=torch.float64)
big_graph = nodes(
    torch_loss(*torch_weights, X_big, X_big.prod(1).sign()).grad_fn, torch_children
)
print("PyTorch's nodes for 1000 points:", len(big_graph))

# %%
print(gradbook.check_value(len(engine_graph), 264, name="our nodes, 8 points"))
print(
    gradbook.check_value([len(torch_graph), len(big_graph)], [13, 13], name="PyTorch's")
)

# %%
# Ten steps of gradient descent, side by side. Each step: the loss, ``backward()``,
# a step against each gradient, and the gradients reset to zero (both engines *add*
# into ``.grad``; :ref:`tut-accumulation` says why PyTorch does).
rate = 0.5
losses, losses_t = [], []
for step in range(10):
    loss = engine_loss(*engine_weights)
    loss.backward()
    for p in engine_params:
        p.data -= rate * p.grad
        p.grad = 0.0
    loss_t = torch_loss(*torch_weights)
    loss_t.backward()
    with torch.no_grad():
        for p in torch_weights:
            p -= rate * p.grad
            p.grad = None
    losses.append(loss.data)
    losses_t.append(loss_t.item())
    print(f"step {step}: loss {loss.data:.12f} | PyTorch {loss_t.item():.12f}")

# %%
# The losses agree at every step within a relative :math:`10^{-12}` (checked), so do
# the weights the two end with, and the loss went down:
final = [p.data for p in engine_params]
final_t = torch.cat([p.detach().reshape(-1) for p in torch_weights])
print(gradbook.check_value(losses, losses_t, name="losses: engine = PyTorch", **same))
print(
    gradbook.check_value(final, final_t, name="final weights", rtol=1e-12, atol=1e-15)
)
print(gradbook.check_claim(losses[-1] < losses[0], True, name="the loss went down"))

# %%
# What PyTorch adds beyond this page
# ----------------------------------
# Our engine computes the right numbers; PyTorch's computes them for networks with
# billions of numbers, fast, and with more to offer. Five differences, each shown on
# a page of this book or documented in PyTorch's
# `autograd notes <https://docs.pytorch.org/docs/stable/notes/autograd.html>`__:
#
# **Tensors: one node for a whole array.** Our graph has a node per number: 264 for
# the loss of the network above on eight points. A PyTorch node handles a whole
# tensor: 13 nodes, for eight points or a thousand. Its local derivative would then be a :term:`Jacobian` matrix, too big to store, so
# the node never builds it: its backward computes the product of the incoming
# gradient with the Jacobian directly, a :term:`vector-Jacobian product`.
# :ref:`tut-sum-trick` shows this for element-wise functions, :ref:`tut-jacobians`
# for any function.
#
# **Saved tensors and the version counter.** Our engine evaluates the local
# derivatives during the forward pass and stores the numbers. A PyTorch node instead
# saves the tensors its backward will need (the inputs of a multiplication, the
# output of ``exp``) and computes the vector-Jacobian product only if ``backward()``
# comes. If such a tensor is changed in place in between, the gradient would be
# silently wrong, so each tensor carries a :term:`version counter` and the backward
# pass refuses a saved tensor whose counter moved: the "modified by an inplace
# operation" error of :ref:`tut-errors`. PyTorch also frees the saved tensors after
# ``backward()`` unless told to keep them (:term:`retain_graph`,
# :ref:`tut-accumulation`).
#
# **A C++ engine, and threads.** ``backward()`` hands the graph to an engine written
# in C++. Like ours it counts, for each node, the gradients still to come; it then
# runs the CPU work on the thread that called ``backward()`` and gives each
# accelerator device (such as a GPU) a worker thread of its own, and several threads
# may call ``backward()`` at once. The autograd notes describe this in
# "Multithreaded Autograd".
#
# **Derivatives of derivatives.** Our ``backward()`` computes gradients with plain
# Python floats, so nothing records how they were computed, and they cannot be
# differentiated again. With ``create_graph=True`` (:term:`create_graph`), PyTorch's
# backward pass is itself made of recorded operations, so a gradient has a graph of its own:
# second derivatives, Hessians and more, in :ref:`tut-higher-order`.
#
# **Forward mode.** Reverse mode, as here, costs one backward pass per *output*.
# PyTorch can also carry a :term:`tangent` forward along with each value, one pass
# per *input* direction, which wins when there are few inputs and many outputs
# (:ref:`tut-forward-mode`).
#
# And one more, which the practice problem below does by hand: a new operation with
# its own local derivative, in PyTorch a :term:`custom autograd Function`
# (:ref:`tut-custom-function`).
#
# Practice: teach the engine ``sigmoid``
# --------------------------------------
# Add the sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})` to the engine as *one* new
# operation: a function of a ``Value`` that returns a ``Value`` with its input and
# its local derivative. (Hint: write :math:`\sigma'(x)` with :math:`\sigma(x)`
# itself.) The check below runs your function at :math:`x = 0.7`, calls
# ``backward()``, and compares the gradient with PyTorch's ``torch.sigmoid``. In the
# downloaded notebook or script, put your function in place of ``None`` and run the
# cell.


def sigmoid_slope(sigmoid, at=0.7):
    """The gradient a sigmoid for Values gives at a point, via our backward()."""
    v = Value(at)
    sigmoid(v).backward()
    return v.grad


def torch_sigmoid_slope(at=0.7):
    t = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(t).backward()
    return t.grad


sigmoid_exercise = gradbook.Exercise(
    "engine-sigmoid",
    "Add sigmoid to the engine, as one operation with its local derivative.",
    asks="the derivative of your sigmoid at x = 0.7",
    compute=torch_sigmoid_slope,
    apply=sigmoid_slope,
    form="your sigmoid, a function of a Value that returns a Value",
)

your_answer = None  # your function: def sigmoid(self): ... return Value(...)
print(gradbook.check_answer(sigmoid_exercise, your_answer))

# %%
# .. raw:: html
#
#    <details class="solution"><summary>Show the solution</summary>
#
# **Solution.** The derivative of the sigmoid is
# :math:`\sigma'(x) = \sigma(x)\,(1 - \sigma(x))`, so the forward pass already has
# everything the local derivative needs:
#
# .. math::
#
#    s = \frac{1}{1 + e^{-x}}, \qquad \frac{ds}{dx} = s\,(1 - s)
#
# Defined as a method and attached to the class, it works like ``tanh``:


def sigmoid(self):
    s = 1 / (1 + math.exp(-self.data))
    return Value(s, (self,), "sigmoid", (s * (1 - s),))


Value.sigmoid = sigmoid
print("sigmoid(0.7) =", Value(0.7).sigmoid().data)
print(gradbook.check_answer(sigmoid_exercise, sigmoid))

# %%
# Built from the engine's operations instead, as ``1 / (1 + (-x).exp())``, it gives
# the same gradient through four nodes instead of one. The book's own checks, against
# PyTorch:
composed = sigmoid_slope(lambda v: 1 / (1 + (-v).exp()))
print(
    gradbook.check_value(
        sigmoid_slope(sigmoid), torch_sigmoid_slope(), name="sigmoid'(0.7)", **same
    )
)
print(
    gradbook.check_value(
        composed, torch_sigmoid_slope(), name="composed sigmoid'(0.7)", **same
    )
)

# %%
# .. raw:: html
#
#    </details>
#
# Summary
# -------
# * An autograd engine records, for every operation, its inputs and its local
#   derivatives; ``backward()`` walks the graph from the output in a topological
#   order and multiplies along the way (the chain rule).
# * A value used several times receives one contribution per use, and they are
#   *added*: that is why ``.grad`` accumulates, in our engine and in PyTorch.
# * On every function of the lab, our ninety lines and PyTorch agree to
#   :math:`10^{-12}`, and so do ten training steps of a small network.
# * At a kink every engine picks a number; PyTorch documents its choice, the
#   subgradient of minimum norm, and our ``maximum`` picks another.
# * PyTorch adds tensors and vector-Jacobian products, saved tensors with version
#   counters, a multithreaded C++ engine, higher-order derivatives and forward mode.
#
# Next, :ref:`tut-partials` takes the derivatives of functions of several variables,
# all from one ``backward()``, as our engine did for :math:`f(u, v)`.
