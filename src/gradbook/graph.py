"""The backward graph autograd records, or a graph of your own: as text, or drawn.

Every tensor computed from a tensor that requires grad has a ``grad_fn``: the node that
will compute its backward. Each node lists, in ``next_functions``, the nodes that feed
it, down to ``AccumulateGrad`` nodes, which store the gradient of a leaf tensor in its
``.grad``. :func:`~gradbook.describe_graph` prints that graph as a tree; :func:`~gradbook.draw_graph`
draws it (Matplotlib only, no Graphviz).

Both take the same options:

* ``names`` names tensors: a leaf, an intermediate result or the output is then shown
  with its name and value;
* ``annotations`` adds a few short lines to any node: its value, its local derivative,
  the gradient flowing into it (numbers a tutorial captured with ``register_hook``);
* ``children`` and ``label`` describe a graph that is not PyTorch's, such as the graph
  of a home-made autograd engine, which is then shown in the same way.

Neither shows memory addresses, and the layout depends only on the graph, so the
output is the same at every run.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from numbers import Real
from typing import Any

import torch
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionStyle, FancyArrowPatch
from matplotlib.path import Path
from matplotlib.transforms import Transform

from gradbook._validate import describe
from gradbook.plot import DERIVATIVE_COLOR, FUNCTION_COLOR, INK, style

__all__ = ["describe_graph", "draw_graph"]

# A graph larger than this is not drawn legibly, and a `children` function that makes
# new objects at every call would otherwise never stop.
MAX_NODES = 500

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")


# -- The graph, whatever its origin ---------------------------------------------------


@dataclass(frozen=True)
class _Graph:
    """Nodes in the order they were reached (root first) and the edges between them.

    ``edges`` holds (parent, child) indices into ``nodes``, in each node's order of
    children; an input used twice (``x * x``) gives the same edge twice.
    """

    nodes: list[Any]
    edges: list[tuple[int, int]]
    kids: list[list[int]]
    kind: list[str]  # the node's own text: "MulBackward0", or label(node)
    detail: list[str | None]  # "x = 2 (leaf)", "a = 4" for a named tensor
    notes: list[list[str]]  # annotation lines
    is_leaf_tensor: list[bool]  # an AccumulateGrad node (PyTorch's graph)
    rank: list[int]  # the row: the longest path from the root

    def text_line(self, i: int) -> str:
        """The node in one line, for :func:`describe_graph`."""
        kind = ", ".join(self.kind[i].splitlines())
        detail = self.detail[i]
        if detail is None:
            line = kind
        elif self.is_leaf_tensor[i]:
            line = f"{kind} → {detail}"
        else:
            line = f"{detail}: {kind}"
        if self.notes[i]:
            line += " | " + "; ".join(self.notes[i])
        return line

    def box_text(self, i: int) -> str:
        """The node's box, for :func:`draw_graph`: one fact per line."""
        lines = [self.kind[i]]
        detail = self.detail[i]
        if detail is not None:
            lines.append(detail)
        return "\n".join(lines + self.notes[i])


def _torch_children(node: Any) -> list[Any]:
    return [n for n, _ in getattr(node, "next_functions", ()) if n is not None]


def _user_children(children: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
    def kids(node: Any) -> list[Any]:
        found = children(node)
        if isinstance(found, set | frozenset):
            raise TypeError(
                "children must return a node's inputs in a fixed order, as a list or "
                "tuple: a set's order changes from run to run, and so would the "
                f"drawing (got {describe(found)}; e.g. store _prev as a tuple)"
            )
        if isinstance(found, str | bytes) or not isinstance(found, Iterable):
            raise TypeError(
                "children must return a node's inputs as a list or tuple of nodes "
                f"(empty for a leaf), got {describe(found)}"
            )
        return [k for k in found if k is not None]

    return kids


def _walk(
    root: Any, kids_of: Callable[[Any], list[Any]]
) -> tuple[list[Any], list[tuple[int, int]]]:
    """Breadth first from the root: nodes in the order reached, and the edges."""
    # id() only tells whether a node was reached already; every node stays referenced
    # in `nodes` meanwhile, so ids are unique. No order ever comes from an id.
    index = {id(root): 0}
    nodes = [root]
    edges: list[tuple[int, int]] = []
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for kid in kids_of(node):
            if id(kid) not in index:
                if len(nodes) == MAX_NODES:
                    raise ValueError(
                        f"the graph has more than {MAX_NODES} nodes, too many to show; "
                        "if it is your own graph, check that children returns the "
                        "existing input nodes, not new objects"
                    )
                index[id(kid)] = len(nodes)
                nodes.append(kid)
                queue.append(kid)
            edges.append((index[id(node)], index[id(kid)]))
    return nodes, edges


def _ranks(n: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """Each node's longest path from the root (so every arrow points down).

    Raises ValueError on a cycle, which only a graph of your own can have.
    """
    indegree = [0] * n
    out: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        indegree[b] += 1
        out[a].append(b)
    rank = [0] * n
    queue = deque(i for i in range(n) if indegree[i] == 0)
    done = 0
    while queue:
        a = queue.popleft()
        done += 1
        for b in out[a]:
            rank[b] = max(rank[b], rank[a] + 1)
            indegree[b] -= 1
            if indegree[b] == 0:
                queue.append(b)
    if done < n:
        raise ValueError(
            "the graph has a cycle: children must lead from the output towards the "
            "inputs and never back to a node already on the way"
        )
    return rank


def _check_text(text: str, what: str) -> str:
    if _ADDRESS.search(text):
        raise ValueError(
            f"{what} shows a memory address ({text!r}), which changes at every run: "
            "show the node's own data instead, e.g. its operation and value"
        )
    return text


def _number(value: float) -> str:
    """A number in a graph: 4 significant digits, so that boxes stay narrow."""
    if value == 0:
        return "0"  # also turns -0.0 into 0
    return f"{value:.4g}"


def _values(t: torch.Tensor) -> str:
    """A tensor in a node: its value, up to three numbers in a row, else its shape."""
    t = t.detach()
    if t.numel() == 1:
        return _number(t.item())
    if t.numel() <= 3 and t.dim() == 1:
        return "[" + ", ".join(_number(v) for v in t.tolist()) + "]"
    return f"a tensor of shape {tuple(t.shape)}"


def _short(value: object, what: str) -> str:
    """One value of an annotation as text: numbers as the book prints them."""
    if isinstance(value, str):
        return _check_text(value, what)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Real):
        return _number(float(value))
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise TypeError(f"{what} must be real, got {describe(value)}")
        return _values(value)
    raise TypeError(f"{what} must be text, a number or a tensor, got {describe(value)}")


def _note_lines(value: object, what: str) -> list[str]:
    if isinstance(value, Mapping):
        lines = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"{what} maps labels to values, e.g. {{'grad': 0.5}}; its key "
                    f"{key!r} is not text"
                )
            lines.append(f"{key} = {_short(item, f'{what}[{key!r}]')}")
        return lines
    if isinstance(value, str):
        return _check_text(value, what).splitlines()
    return [_short(value, what)]


def _check_names(names: object) -> dict[str, torch.Tensor]:
    if names is None:
        return {}
    if not isinstance(names, Mapping):
        raise TypeError(
            f"names must map a name to a tensor, e.g. {{'x': x}}; got {describe(names)}"
        )
    for key, value in names.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise TypeError(
                "names must map a name (text) to a tensor, e.g. {'x': x}; got "
                f"{key!r}: {describe(value)}"
            )
    return dict(names)


def _name_of(t: object, names: Mapping[str, torch.Tensor]) -> str | None:
    return next((n for n, v in names.items() if v is t), None)


def _describe_key(key: object) -> str:
    if isinstance(key, str | torch.Tensor):
        return describe(key)
    return f"a {type(key).__name__} node"  # never its repr: it may hold an address


def _find(nodes: Sequence[Any], target: object) -> int | None:
    return next((i for i, node in enumerate(nodes) if node is target), None)


def _torch_key(
    key: object, nodes: Sequence[Any], names: Mapping[str, torch.Tensor]
) -> int:
    """The node a key of ``annotations`` means, in PyTorch's graph."""
    if isinstance(key, str):
        if key not in names:
            raise ValueError(
                f"annotations has the key {key!r}, which is not a name in names "
                f"({sorted(names)}); name the tensor in names, or use the tensor itself"
            )
        key = names[key]
    if isinstance(key, torch.Tensor):
        if key.grad_fn is not None:
            found = _find(nodes, key.grad_fn)
        else:  # a leaf: the AccumulateGrad node that fills its .grad
            found = next(
                (i for i, n in enumerate(nodes) if getattr(n, "variable", None) is key),
                None,
            )
    elif hasattr(key, "next_functions"):  # a grad_fn node
        found = _find(nodes, key)
    else:
        raise TypeError(
            "the keys of annotations must be names from names, tensors, or nodes of "
            f"the graph (a grad_fn), got {describe(key)}"
        )
    if found is None:
        raise ValueError(
            f"annotations has a key that is not in this graph: {_describe_key(key)}; "
            "the output was not computed from it"
        )
    return found


def _graph(
    output: object,
    names: object,
    annotations: object,
    children: object,
    label: object,
) -> _Graph | None:
    """The graph to show, or None for a leaf tensor (nothing recorded)."""
    if (children is None) != (label is None):
        raise TypeError(
            "a graph of your own needs both children= (a node's inputs) and label= "
            "(a node's text); PyTorch's graph needs neither"
        )
    if annotations is not None and not isinstance(annotations, Mapping):
        raise TypeError(
            "annotations must map a node (or a tensor, or a name from names) to its "
            f"text, e.g. {{'a': 'grad = 0.5'}}; got {describe(annotations)}"
        )
    notes_given = dict(annotations or {}).items()
    if children is not None:
        if not callable(children) or not callable(label):
            raise TypeError(
                "children and label must be functions of a node, e.g. "
                f"children=lambda v: v._prev; got {describe(children)} and "
                f"{describe(label)}"
            )
        if names is not None:
            raise TypeError(
                "names names tensors of PyTorch's graph; in a graph of your own, "
                "let label= show each node's name"
            )
        if output is None:
            raise TypeError("the output node of your graph is None")
        nodes, edges = _walk(output, _user_children(children))
        kind = []
        for node in nodes:
            text = label(node)
            if not isinstance(text, str):
                raise TypeError(f"label must return text, got {describe(text)}")
            kind.append(_check_text(text, "a node's label"))
        detail: list[str | None] = [None] * len(nodes)
        leaf_tensor = [False] * len(nodes)

        def key_of(key: object) -> int:
            found = _find(nodes, key)
            if found is None:
                raise ValueError(
                    "annotations has a key that is not a node of this graph: "
                    f"{_describe_key(key)}"
                )
            return found

    else:
        names = _check_names(names)
        if not isinstance(output, torch.Tensor):
            raise TypeError(
                f"expected a tensor computed with autograd (e.g. y = x**2), "
                f"got {describe(output)}; to show a graph of your own, pass "
                "children= and label="
            )
        if not output.requires_grad:
            raise ValueError(
                "this tensor does not require grad, so autograd recorded no graph for "
                "it: create the input with requires_grad=True and compute from it"
            )
        if output.grad_fn is None:
            return None
        nodes, edges = _walk(output.grad_fn, _torch_children)
        kind = [type(node).__name__ for node in nodes]
        detail = []
        leaf_tensor = []
        for node in nodes:
            variable = getattr(node, "variable", None)
            leaf_tensor.append(isinstance(variable, torch.Tensor))
            if isinstance(variable, torch.Tensor):
                name = _name_of(variable, names)
                shown = _values(variable)
                if name is not None:
                    detail.append(f"{name} = {shown} (leaf)")
                elif shown.startswith("a tensor of shape"):
                    detail.append(f"leaf tensor of shape {tuple(variable.shape)}")
                else:
                    detail.append(f"leaf tensor = {shown}")
            else:
                detail.append(None)
        for name, tensor in names.items():  # named results: the node that made them
            if tensor.grad_fn is not None:
                i = _find(nodes, tensor.grad_fn)
                if i is not None and detail[i] is None:
                    detail[i] = f"{name} = {_values(tensor)}"

        def key_of(key: object) -> int:
            return _torch_key(key, nodes, names)

    notes: list[list[str]] = [[] for _ in nodes]
    for key, value in notes_given:
        i = key_of(key)
        if notes[i]:
            raise ValueError(
                f"annotations has two entries for the same node ({kind[i]}): "
                "give each node one entry, e.g. a dict of several lines"
            )
        notes[i] = _note_lines(value, f"the annotation of {kind[i]}")
    kids: list[list[int]] = [[] for _ in nodes]
    for a, b in edges:
        kids[a].append(b)
    rank = _ranks(len(nodes), edges)
    return _Graph(nodes, edges, kids, kind, detail, notes, leaf_tensor, rank)


# -- Text ------------------------------------------------------------------------------


def _tree(g: _Graph) -> Iterator[str]:
    """The lines under the root, depth first; a node shown twice is not expanded."""
    seen = {0}
    stack: list[tuple[list[int], int, str]] = [(g.kids[0], 0, "")]
    while stack:
        kids, i, prefix = stack.pop()
        if i == len(kids):
            continue
        stack.append((kids, i + 1, prefix))
        kid = kids[i]
        last = i == len(kids) - 1
        shared = kid in seen and bool(g.kids[kid])
        note = " (shared, shown above)" if shared else ""
        yield f"{prefix}{'└── ' if last else '├── '}{g.text_line(kid)}{note}"
        if not shared:
            seen.add(kid)
            stack.append((g.kids[kid], 0, prefix + ("    " if last else "│   ")))


def describe_graph(
    output: torch.Tensor | object,
    names: Mapping[str, torch.Tensor] | None = None,
    *,
    annotations: Mapping[Any, object] | None = None,
    children: Callable[[Any], Sequence[Any]] | None = None,
    label: Callable[[Any], str] | None = None,
) -> str:
    """Describe the backward graph of ``output`` as an indented tree of nodes.

    Parameters
    ----------
    output
        A tensor computed from tensors that require grad; or, with ``children`` and
        ``label``, the output node of a graph of your own.
    names
        Names for tensors, e.g. ``{"x": x, "a": a}``: leaves, intermediate results
        and the output are shown with their name and value.
    annotations
        Extra lines for some nodes, after ``|``: see :func:`draw_graph`.
    children, label
        A graph that is not PyTorch's: see :func:`draw_graph`.

    Examples
    --------
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = x**2
    >>> print(describe_graph(y, {"x": x, "y": y}))
    y = 4: PowBackward0
    └── AccumulateGrad → x = 2 (leaf)
    >>> u = torch.tensor(1.0, requires_grad=True)
    >>> v = torch.tensor(2.0, requires_grad=True)
    >>> print(describe_graph(u * v + u**2, {"u": u, "v": v}))
    AddBackward0
    ├── MulBackward0
    │   ├── AccumulateGrad → u = 1 (leaf)
    │   └── AccumulateGrad → v = 2 (leaf)
    └── PowBackward0
        └── AccumulateGrad → u = 1 (leaf)

    Annotations, e.g. the gradients that flowed into each node during backward:

    >>> print(describe_graph(y, {"x": x}, annotations={y: "grad 1", x: "grad 4"}))
    PowBackward0 | grad 1
    └── AccumulateGrad → x = 2 (leaf) | grad 4
    """
    g = _graph(output, names, annotations, children, label)
    if g is None:  # a leaf tensor: nothing was recorded
        if annotations:
            raise ValueError(
                "this tensor is a leaf: no operations were recorded, so there is no "
                "node to annotate"
            )
        assert isinstance(output, torch.Tensor)
        name = _name_of(output, _check_names(names))
        return f"{name or 'leaf'} = {_values(output)} (a leaf: no operations recorded)"
    return "\n".join([g.text_line(0), *_tree(g)])


# -- Drawing ---------------------------------------------------------------------------

# Points. A W-inch figure is shown 360 px wide on a phone, so this text shows at
# 5 * 13 / W px (see gradbook.plot.FIGSIZE): 13 px or more for graphs up to 5 inches.
GRAPH_FONTSIZE = 13
_PAD = 0.3  # the box's padding around its text, in font sizes
_BOX_LINEWIDTH = 1.8  # points
_BOX = {
    "boxstyle": f"round,pad={_PAD}",
    "facecolor": "none",
    "linewidth": _BOX_LINEWIDTH,
}
# Inches. Half the gap next to a box, and next to an arrow passing through a row.
_HALF_GAP_BOX = 0.11
_HALF_GAP_ARROW = 0.08
_ROW_GAP = 0.45  # between a row's lowest box and the next row's highest one
_MARGIN = 0.05


def _box_sizes(texts: Sequence[str]) -> list[tuple[float, float]]:
    """Width and height in inches of each text's box, at GRAPH_FONTSIZE.

    Measured by Matplotlib on a scratch figure (one that pyplot never sees), so a
    box is exactly as wide as its text, whatever the font.
    """
    fig = Figure(dpi=72)
    renderer = FigureCanvasAgg(fig).get_renderer()
    sizes = []
    for text in texts:
        extent = fig.text(0, 0, text, fontsize=GRAPH_FONTSIZE).get_window_extent(
            renderer
        )
        border = 2 * _PAD * GRAPH_FONTSIZE + 2 * _BOX_LINEWIDTH  # points
        sizes.append(((extent.width + border) / 72, (extent.height + border) / 72))
    return sizes


@dataclass(frozen=True)
class _Layout:
    x: list[float]  # each node's centre, inches from the left
    y: list[float]  # each node's centre, inches from the top (negative: down)
    routes: dict[tuple[int, int], list[tuple[float, float]]]  # bends of long edges
    width: float
    height: float


def _pack(desired: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """The positions closest to ``desired`` (least squares) that keep their order and
    at least ``gaps[i]`` between neighbours i and i + 1 (pool adjacent violators)."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for d, o, w in zip(desired, offsets, weights, strict=True):
        blocks.append([w * (d - o), w, 1])
        while len(blocks) > 1 and (
            blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]
        ):
            s, w2, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += w2
            blocks[-1][2] += c
    out: list[float] = []
    for s, w, c in blocks:
        out.extend([s / w] * int(c))
    return [v + o for v, o in zip(out, offsets, strict=True)]


def _crossings(layers: list[list[int]], down: list[list[int]]) -> int:
    total = 0
    for upper, lower in pairwise(layers):
        at = {v: i for i, v in enumerate(lower)}
        segments = [(i, at[w]) for i, v in enumerate(upper) for w in down[v]]
        total += sum(
            (a1 - a2) * (b1 - b2) < 0
            for k, (a1, b1) in enumerate(segments)
            for a2, b2 in segments[k + 1 :]
        )
    return total


def _layout(g: _Graph, sizes: Sequence[tuple[float, float]]) -> _Layout:
    """Layered drawing: rows by longest path from the output, few crossings.

    An edge that spans several rows bends through a point in each row it crosses, so
    that it passes between boxes instead of through them.
    """
    n = len(g.nodes)
    rank = g.rank
    # Vertices: the nodes, then one bend point per crossed row of each long edge.
    vrank = list(rank)
    width = [w for w, _ in sizes]
    half_gap = [_HALF_GAP_BOX] * n
    bends: dict[tuple[int, int], list[int]] = {}
    segments: list[tuple[int, int]] = []
    for a, b in dict.fromkeys(g.edges):  # each distinct edge once, in order
        previous = a
        chain = []
        for r in range(rank[a] + 1, rank[b]):
            vrank.append(r)
            width.append(0.0)
            half_gap.append(_HALF_GAP_ARROW)
            chain.append(len(vrank) - 1)
            segments.append((previous, chain[-1]))
            previous = chain[-1]
        segments.append((previous, b))
        bends[a, b] = chain
    count = len(vrank)
    up: list[list[int]] = [[] for _ in range(count)]
    down: list[list[int]] = [[] for _ in range(count)]
    for a, b in segments:
        down[a].append(b)
        up[b].append(a)
    layers: list[list[int]] = [[] for _ in range(max(rank) + 1)]
    for v in range(count):
        layers[vrank[v]].append(v)

    # Order within rows: barycentre sweeps, keeping the order with fewest crossings.
    def sweep(rows: Iterable[int], neighbours: list[list[int]]) -> None:
        for r in rows:
            upper_pos = {}
            for layer in layers:
                upper_pos.update({v: i for i, v in enumerate(layer)})
            layers[r].sort(
                key=lambda v: (
                    sum(upper_pos[u] for u in neighbours[v]) / len(neighbours[v])
                    if neighbours[v]
                    else upper_pos[v],
                    upper_pos[v],
                )
            )

    best = [list(layer) for layer in layers]
    fewest = _crossings(layers, down)
    for sweep_number in range(8):
        if sweep_number % 2 == 0:
            sweep(range(1, len(layers)), up)
        else:
            sweep(range(len(layers) - 2, -1, -1), down)
        crossings = _crossings(layers, down)
        if crossings < fewest:
            best = [list(layer) for layer in layers]
            fewest = crossings
    layers = best

    # Positions: each vertex as close to its neighbours as the gaps allow; bends
    # weigh more, so that long edges run straight.
    x = [0.0] * count
    for layer in layers:
        gaps = [
            (width[a] + width[b]) / 2 + half_gap[a] + half_gap[b]
            for a, b in pairwise(layer)
        ]
        packed = _pack([0.0] * len(layer), [1.0] * len(layer), gaps)
        for v, xv in zip(layer, packed, strict=True):
            x[v] = xv
    weight = [1.0 if v < n else 4.0 for v in range(count)]
    for sweep_number in range(24):
        if sweep_number % 2 == 0:
            order, neighbours = range(1, len(layers)), up
        else:
            order, neighbours = range(len(layers) - 2, -1, -1), down
        for r in order:
            layer = layers[r]
            desired = [
                sum(x[u] for u in neighbours[v]) / len(neighbours[v])
                if neighbours[v]
                else x[v]
                for v in layer
            ]
            gaps = [
                (width[a] + width[b]) / 2 + half_gap[a] + half_gap[b]
                for a, b in pairwise(layer)
            ]
            packed = _pack(desired, [weight[v] for v in layer], gaps)
            for v, xv in zip(layer, packed, strict=True):
                x[v] = xv
    left = min(x[v] - width[v] / 2 - half_gap[v] for v in range(count))
    right = max(x[v] + width[v] / 2 + half_gap[v] for v in range(count))
    x = [xv - left for xv in x]

    # Rows from the top; each as tall as its tallest box.
    heights = [0.0] * len(layers)
    for v in range(n):
        heights[rank[v]] = max(heights[rank[v]], sizes[v][1])
    centre = []
    top = 0.0
    for h in heights:
        centre.append(top - h / 2)
        top -= h + _ROW_GAP
    y = [centre[vrank[v]] for v in range(count)]
    routes = {edge: [(x[v], y[v]) for v in chain] for edge, chain in bends.items()}
    return _Layout(
        x[:n], y[:n], routes, right - left, sum(heights) + _ROW_GAP * (len(heights) - 1)
    )


class _Through(ConnectionStyle._Base):
    """An arrow from A to B through fixed points (data coordinates) on the way.

    The base class clips the path to the two boxes and shrinks its ends, as it does
    for Matplotlib's own connection styles.
    """

    def __init__(self, points: Sequence[tuple[float, float]], transform: Transform):
        self.points = list(points)
        self.transform = transform

    def connect(self, posA: Any, posB: Any) -> Path:
        middle = [tuple(p) for p in self.transform.transform(self.points)]
        # Explicit codes: Matplotlib clips a path without codes wrongly at its end.
        codes = [Path.MOVETO] + [Path.LINETO] * (len(middle) + 1)
        return Path([posA, *middle, posB], codes)


def draw_graph(
    output: torch.Tensor | object,
    names: Mapping[str, torch.Tensor] | None = None,
    *,
    annotations: Mapping[Any, object] | None = None,
    children: Callable[[Any], Sequence[Any]] | None = None,
    label: Callable[[Any], str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw the backward graph of ``output``: the output on top, leaves at the bottom.

    Arrows go the way the backward pass goes, from the output to the leaves; an arrow
    that skips rows bends between the boxes. Leaves (``AccumulateGrad``) show the
    names given in ``names`` and their values, and are framed in the derivative
    colour. Numbers are shown with 4 significant digits. Returns the Axes, which
    holds one text per node (its box is the text's bbox patch) and one
    ``FancyArrowPatch`` per edge.

    Parameters
    ----------
    output
        A tensor computed from tensors that require grad; or, with ``children`` and
        ``label``, the output node of a graph of your own.
    names
        Names for tensors, e.g. ``{"x": x, "a": a}``: a named leaf, intermediate
        result or output shows its name and value in its box.
    annotations
        A few more lines for some nodes, below the node's name. Keys: a name from
        ``names``, a tensor (the node that computed it, or for a leaf its
        ``AccumulateGrad``), or a node itself (a ``grad_fn``, or a node of your own
        graph). Values: text (``\\n`` splits lines), a number, or a dict such as
        ``{"value": 4.0, "grad": -0.25}`` drawn as one ``key = value`` line each.
        Keep each line short: the figure is as wide as its widest row.
    children, label
        A graph that is not PyTorch's, such as a home-made autograd engine's:
        ``children(node)`` returns the node's inputs, in order, as a list or tuple
        (not a set: its order changes between runs); ``label(node)`` returns the
        node's text (e.g. its operation, or a leaf's name and value). A node without
        children is a leaf; nodes are told apart by identity (``is``), as autograd
        tells its own apart. Give both, and no ``names``.
    ax
        The Axes to draw on; by default a new figure just big enough for the graph.
        On a smaller Axes the text shrinks to fit.

    Examples
    --------
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> ax = draw_graph(x**2 + 3 * x, {"x": x})
    >>> sorted(t.get_text() for t in ax.texts)
    ['AccumulateGrad\\nx = 2 (leaf)', 'AddBackward0', 'MulBackward0', 'PowBackward0']

    Annotated with numbers captured during backward, e.g. by ``register_hook``:

    >>> a = x**2
    >>> ax = draw_graph(a, {"x": x, "a": a}, annotations={"a": {"grad": 1.0}})
    >>> sorted(t.get_text() for t in ax.texts)
    ['AccumulateGrad\\nx = 2 (leaf)', 'PowBackward0\\na = 4\\ngrad = 1']

    A graph of your own: any objects, with a function for their inputs and one for
    their text; here the graph of ``u * u``:

    >>> class Node:
    ...     def __init__(self, text, *inputs):
    ...         self.text, self.inputs = text, inputs
    >>> u = Node("u = 3")
    >>> ax = draw_graph(
    ...     Node("*", u, u), children=lambda n: n.inputs, label=lambda n: n.text
    ... )
    >>> sorted(t.get_text() for t in ax.texts)
    ['*', 'u = 3']
    """
    g = _graph(output, names, annotations, children, label)
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a Matplotlib Axes (e.g. from plt.subplots()) or None, "
            f"got {describe(ax)}"
        )
    if g is None:
        raise ValueError(
            "this tensor is a leaf: no operations were recorded, so there is no graph "
            "to draw; draw a tensor computed from it (e.g. y = x**2)"
        )
    texts = [g.box_text(i) for i in range(len(g.nodes))]
    with style():
        layout = _layout(g, _box_sizes(texts))
        size = (layout.width + 2 * _MARGIN, layout.height + 2 * _MARGIN)
        scale = 1.0
        if ax is None:
            import matplotlib.pyplot as plt  # only when a figure is made

            ax = plt.figure(figsize=size).add_axes((0.0, 0.0, 1.0, 1.0))
        else:  # shrink the text if the Axes is smaller than the graph
            dpi = ax.figure.dpi
            scale = min(
                1.0, ax.bbox.width / dpi / size[0], ax.bbox.height / dpi / size[1]
            )
        boxes = []
        for i, text in enumerate(texts):
            colour = DERIVATIVE_COLOR if not g.kids[i] else FUNCTION_COLOR
            boxes.append(
                ax.text(
                    layout.x[i],
                    layout.y[i],
                    text,
                    ha="center",
                    va="center",
                    color=INK,
                    fontsize=GRAPH_FONTSIZE * scale,
                    bbox={**_BOX, "edgecolor": colour},
                ).get_bbox_patch()
            )
        repeats: dict[tuple[int, int], int] = {}
        for edge in g.edges:
            repeats[edge] = repeats.get(edge, 0) + 1
        drawn: dict[tuple[int, int], int] = {}
        for a, b in g.edges:
            k = drawn.get((a, b), 0)
            drawn[a, b] = k + 1
            route = layout.routes[a, b]
            if route:
                connection: Any = _Through(route, ax.transData)
            else:  # an input used twice: two arcs, bowed either way
                rad = 0.25 * (k - (repeats[a, b] - 1) / 2)
                connection = f"arc3,rad={rad:g}"
            # Clipped to the two boxes, so each arrow runs from edge to edge.
            ax.add_patch(
                FancyArrowPatch(
                    (layout.x[a], layout.y[a]),
                    (layout.x[b], layout.y[b]),
                    arrowstyle="-|>",
                    mutation_scale=16 * scale,
                    color=INK,
                    linewidth=1.5,
                    patchA=boxes[a],
                    patchB=boxes[b],
                    shrinkA=2,
                    shrinkB=3,
                    connectionstyle=connection,
                    # Drawn after the boxes, which a text places only as it draws:
                    # the arrow is clipped to where they are.
                    zorder=4,
                )
            )
        ax.set_xlim(-_MARGIN, layout.width + _MARGIN)
        ax.set_ylim(-layout.height - _MARGIN, _MARGIN)
        ax.set_aspect("equal", adjustable="box")
        ax.set_axis_off()
    return ax
