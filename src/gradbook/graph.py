"""The backward graph autograd records: described as text, or drawn with Matplotlib.

Every tensor computed from a tensor that requires grad has a ``grad_fn``: the node that
will compute its backward. Each node lists, in ``next_functions``, the nodes that feed
it, down to ``AccumulateGrad`` nodes, which store the gradient of a leaf tensor in its
``.grad``. :func:`~gradbook.describe_graph` prints that graph as a tree; :func:`~gradbook.draw_graph`
draws it (Matplotlib only, no Graphviz). Neither shows memory addresses, so the output
is the same at every run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import torch
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch

from gradbook._validate import describe
from gradbook.check import fmt
from gradbook.plot import DERIVATIVE_COLOR, FUNCTION_COLOR, INK, style

__all__ = ["describe_graph", "draw_graph"]

Node = object  # an autograd graph node (torch._C._functions / a C++ backward node)


def _check_names(names: Mapping[str, torch.Tensor] | None) -> dict[str, torch.Tensor]:
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


def _root(tensor: object) -> Node | None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(
            f"expected a tensor computed with autograd (e.g. y = x**2), "
            f"got {describe(tensor)}"
        )
    if not tensor.requires_grad:
        raise ValueError(
            "this tensor does not require grad, so autograd recorded no graph for it: "
            "create the input with requires_grad=True and compute from it"
        )
    return tensor.grad_fn


def _values(t: torch.Tensor) -> str:
    t = t.detach()
    if t.numel() == 1:
        return fmt(t.item())
    if t.numel() <= 6:
        return "[" + ", ".join(fmt(v) for v in t.reshape(-1).tolist()) + "]"
    return f"a tensor of shape {tuple(t.shape)}"


def _name_of(t: torch.Tensor, names: dict[str, torch.Tensor]) -> str | None:
    return next((n for n, v in names.items() if v is t), None)


def _label(node: Node, names: dict[str, torch.Tensor]) -> str:
    kind = type(node).__name__
    variable = getattr(node, "variable", None)
    if isinstance(variable, torch.Tensor):  # AccumulateGrad: a leaf tensor
        name = _name_of(variable, names)
        if name is None:
            return f"{kind} → leaf tensor = {_values(variable)}"
        return f"{kind} → {name} = {_values(variable)} (leaf)"
    return kind


def _children(node: Node) -> list[Node]:
    return [n for n, _ in getattr(node, "next_functions", ()) if n is not None]


def _tree(
    node: Node, names: dict[str, torch.Tensor], prefix: str, seen: set[int]
) -> Iterator[str]:
    kids = _children(node)
    for i, kid in enumerate(kids):
        last = i == len(kids) - 1
        shared = id(kid) in seen and _children(kid)
        note = " (shared, shown above)" if shared else ""
        yield f"{prefix}{'└── ' if last else '├── '}{_label(kid, names)}{note}"
        if not shared:
            seen.add(id(kid))
            yield from _tree(kid, names, prefix + ("    " if last else "│   "), seen)


def describe_graph(
    tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None
) -> str:
    """Describe the backward graph of ``tensor`` as an indented tree of node names.

    Parameters
    ----------
    tensor
        A tensor computed from tensors that require grad.
    names
        Names for tensors, e.g. ``{"x": x, "y": y}``; leaves and the output are shown
        with their name and value.

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
    """
    names = _check_names(names)
    root = _root(tensor)
    name = _name_of(tensor, names)
    if root is None:  # a leaf: nothing was recorded
        return f"{name or 'leaf'} = {_values(tensor)} (a leaf: no operations recorded)"
    head = _label(root, names)
    if name is not None:
        head = f"{name} = {_values(tensor)}: {head}"
    return "\n".join([head, *_tree(root, names, "", {id(root)})])


@dataclass
class _Layout:
    depth: dict[int, int]
    nodes: dict[int, Node]
    edges: list[tuple[int, int]]


def _layout(root: Node) -> _Layout:
    """Each node's depth is its longest path from the root, so arrows point down."""
    nodes: dict[int, Node] = {id(root): root}
    order: list[int] = [id(root)]
    edges: list[tuple[int, int]] = []
    stack = [root]
    while stack:
        node = stack.pop(0)
        for kid in _children(node):
            edges.append((id(node), id(kid)))
            if id(kid) not in nodes:
                nodes[id(kid)] = kid
                order.append(id(kid))
                stack.append(kid)
    depth = {id(root): 0}
    for _ in range(len(nodes)):  # relax: longest path in a DAG
        changed = False
        for a, b in edges:
            if depth.get(b, -1) < depth[a] + 1 and a in depth:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    return _Layout({k: depth[k] for k in order}, nodes, edges)


# Points. A W-inch figure is shown 360 px wide on a phone, so this text shows at
# 5 * 13 / W px (see gradbook.plot.FIGSIZE): 13 px or more for graphs up to 5 inches.
GRAPH_FONTSIZE = 13


def _graph_size(
    rows: Mapping[int, list[int]], labels: Mapping[int, str]
) -> tuple[float, float]:
    """A figure just wide enough for the widest row of boxes, in inches.

    Each node gets an equal share of its row's width, which must hold the row's longest
    label (about 0.6 em per character) and a gap; no wider, so that a phone, which
    shrinks the figure to its own width, shrinks the text as little as possible.
    """
    em = GRAPH_FONTSIZE / 72  # inches

    def row_width(row: list[int]) -> float:
        longest = max(len(line) for key in row for line in labels[key].splitlines())
        return len(row) * (0.6 * em * longest + 0.6)

    width = max(row_width(row) for row in rows.values())
    return (max(3.0, width), 0.35 + 0.95 * len(rows))


def draw_graph(
    tensor: torch.Tensor,
    names: Mapping[str, torch.Tensor] | None = None,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Draw the backward graph of ``tensor``: the output on top, leaves at the bottom.

    Arrows go the way the backward pass goes, from the output to the leaves. Leaves
    (``AccumulateGrad``) show the names given in ``names`` and their values.

    Examples
    --------
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> ax = draw_graph(x**2 + 3 * x, {"x": x})
    >>> sorted(t.get_text() for t in ax.texts if t.get_text())
    ['AccumulateGrad\\nx = 2 (leaf)', 'AddBackward0', 'MulBackward0', 'PowBackward0']
    """
    names = _check_names(names)
    root = _root(tensor)
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a Matplotlib Axes (e.g. from plt.subplots()) or None, "
            f"got {describe(ax)}"
        )
    if root is None:
        raise ValueError(
            "this tensor is a leaf: no operations were recorded, so there is no graph "
            "to draw; draw a tensor computed from it (e.g. y = x**2)"
        )
    layout = _layout(root)
    rows: dict[int, list[int]] = {}
    for key, d in layout.depth.items():
        rows.setdefault(d, []).append(key)
    labels = {
        key: _label(node, names).replace(" → ", "\n")
        for key, node in layout.nodes.items()
    }
    # Each node in the middle of an equal share of the width.
    pos = {
        key: ((i + 0.5) / len(row), -d)
        for d, row in rows.items()
        for i, key in enumerate(row)
    }
    with style():
        if ax is None:
            import matplotlib.pyplot as plt  # only when a figure is made

            _, ax = plt.subplots(
                figsize=_graph_size(rows, labels), layout="constrained"
            )
        boxes = {}
        for key, node in layout.nodes.items():
            leaf = isinstance(getattr(node, "variable", None), torch.Tensor)
            boxes[key] = ax.text(
                *pos[key],
                labels[key],
                ha="center",
                va="center",
                color=INK,
                fontsize=GRAPH_FONTSIZE,
                bbox={
                    "boxstyle": "round,pad=0.4",
                    "facecolor": "none",
                    "edgecolor": DERIVATIVE_COLOR if leaf else FUNCTION_COLOR,
                    "linewidth": 1.8,
                },
            ).get_bbox_patch()
        for a, b in layout.edges:
            # Clipped to the two boxes, so each arrow runs from edge to edge.
            ax.add_patch(
                FancyArrowPatch(
                    pos[a],
                    pos[b],
                    arrowstyle="-|>",
                    mutation_scale=16,
                    color=INK,
                    linewidth=1.5,
                    patchA=boxes[a],
                    patchB=boxes[b],
                    shrinkA=2,
                    shrinkB=3,
                )
            )
        ax.set_xlim(0, 1)
        ax.set_ylim(-(len(rows) - 1) - 0.5, 0.5)
        ax.set_axis_off()
    return ax
