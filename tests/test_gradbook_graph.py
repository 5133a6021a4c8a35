"""gradbook.graph: the backward graph as text and as a Matplotlib drawing."""

from __future__ import annotations

import itertools

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch

from gradbook import describe_graph, draw_graph


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_square_names_pow_backward_and_the_leaf_with_its_value():
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2
    assert describe_graph(y, {"x": x}) == (
        "PowBackward0\n└── AccumulateGrad → x = 2 (leaf)"
    )
    assert describe_graph(y, {"x": x, "y": y}).splitlines()[0] == "y = 4: PowBackward0"


def test_unnamed_leaf_shows_its_value():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert describe_graph((x * 3).sum()) == (
        "SumBackward0\n"
        "└── MulBackward0\n"
        "    └── AccumulateGrad → leaf tensor = [1, 2, 3]"
    )


def test_large_leaf_shows_its_shape():
    x = torch.linspace(-10, 10, 1000, requires_grad=True)
    text = describe_graph(torch.relu(x).sum(), {"x": x})
    assert text.splitlines() == [
        "SumBackward0",
        "└── ReluBackward0",
        "    └── AccumulateGrad → x = a tensor of shape (1000,) (leaf)",
    ]


def test_two_leaves_and_a_shared_node():
    u = torch.tensor(1.0, requires_grad=True)
    v = torch.tensor(2.0, requires_grad=True)
    w = u * v
    text = describe_graph(w + w**2, {"u": u, "v": v})
    assert text.splitlines() == [
        "AddBackward0",
        "├── MulBackward0",
        "│   ├── AccumulateGrad → u = 1 (leaf)",
        "│   └── AccumulateGrad → v = 2 (leaf)",
        "└── PowBackward0",
        "    └── MulBackward0 (shared, shown above)",
    ]


def test_custom_function_node_and_no_memory_address():
    class SQ(torch.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            ctx.save_for_backward(i)
            return i**2

        @staticmethod
        def backward(ctx, grad_output):
            (i,) = ctx.saved_tensors
            return grad_output * 2 * i

    x = torch.tensor(2.0, requires_grad=True)
    text = describe_graph(SQ.apply(x), {"x": x})
    assert text == "SQBackward\n└── AccumulateGrad → x = 2 (leaf)"
    assert "0x" not in text


def test_a_leaf_has_no_recorded_operations():
    x = torch.tensor(2.0, requires_grad=True)
    assert describe_graph(x, {"x": x}) == "x = 2 (a leaf: no operations recorded)"


@pytest.mark.parametrize("function", [describe_graph, draw_graph])
def test_bad_input(function):
    x = torch.tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match=r"expected a tensor computed with autograd"):
        function(4.0)
    with pytest.raises(
        ValueError, match=r"does not require grad, so autograd recorded"
    ):
        function(torch.tensor(4.0))
    with pytest.raises(TypeError, match=r"names must map a name to a tensor.*got list"):
        function(x**2, ["x"])
    with pytest.raises(TypeError, match=r"names must map a name \(text\) to a tensor"):
        function(x**2, {"x": 2.0})


def test_draw_returns_axes_with_every_node():
    x = torch.tensor(2.0, requires_grad=True)
    ax = draw_graph(x**2 + 3 * x, {"x": x})
    assert isinstance(ax, Axes)
    labels = sorted(t.get_text() for t in ax.texts if t.get_text())
    assert labels == [
        "AccumulateGrad\nx = 2 (leaf)",
        "AddBackward0",
        "MulBackward0",
        "PowBackward0",
    ]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 4  # Add->Pow, Add->Mul, Pow->Acc, Mul->Acc
    # Each arrow is clipped to the boxes of the two nodes it joins.
    boxes = {t.get_bbox_patch() for t in ax.texts}
    assert all(a.patchA in boxes and a.patchB in boxes for a in arrows)
    # The output is drawn above the leaf.
    y = {t.get_text(): t.get_position()[1] for t in ax.texts if t.get_text()}
    assert y["AddBackward0"] > y["PowBackward0"] > y["AccumulateGrad\nx = 2 (leaf)"]


def test_a_drawn_graph_is_readable_on_a_phone():
    # A figure is shown 360 px wide on a phone: no wider than 5 inches at 100 dpi,
    # 13 pt text stays at 13 px or more, and no two boxes of a row overlap.
    x = torch.tensor(2.0, requires_grad=True)
    ax = draw_graph(x**2 + 2 * x + 1, {"x": x})
    fig = ax.figure
    fig.canvas.draw()
    scale = 360 / (fig.get_figwidth() * fig.dpi)
    assert fig.get_figwidth() <= 5.0
    renderer = fig.canvas.get_renderer()
    boxes = []
    for text in ax.texts:
        assert text.get_fontsize() * fig.dpi / 72 * scale >= 11, text.get_text()
        extent = text.get_bbox_patch().get_window_extent(renderer)
        assert fig.bbox.contains(extent.x0, extent.y0), text.get_text()
        assert fig.bbox.contains(extent.x1, extent.y1), text.get_text()
        boxes.append(extent)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)


def test_draw_on_a_given_axes_and_leaves_rcparams_alone():
    before = mpl.rcParams.copy()
    _, ax = plt.subplots()
    x = torch.tensor(2.0, requires_grad=True)
    assert draw_graph(x**2, {"x": x}, ax=ax) is ax
    assert mpl.rcParams == before


def test_draw_refuses_a_leaf_and_a_bad_ax():
    x = torch.tensor(2.0, requires_grad=True)
    with pytest.raises(ValueError, match="this tensor is a leaf"):
        draw_graph(x)
    with pytest.raises(TypeError, match="ax must be a Matplotlib Axes"):
        draw_graph(x**2, ax="top")
