"""gradbook.plot: Axes in, Axes out, one style, no global Matplotlib state changed."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.axes import Axes

from gradbook import plot_derivative, plot_with_derivative, style
from gradbook.plot import DERIVATIVE_COLOR, FUNCTION_COLOR, INK, _covers_a_line


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_with_derivative_returns_a_new_axes():
    x = torch.linspace(-2, 2, 5, requires_grad=True)
    y = x**2
    y.sum().backward()
    ax = plot_with_derivative(
        x, y, x.grad, label="x²", derivative_label="2x", title="t"
    )
    assert isinstance(ax, Axes)
    function, derivative = ax.get_lines()[:2]
    np.testing.assert_allclose(function.get_ydata(), [4, 1, 0, 1, 4])
    np.testing.assert_allclose(derivative.get_ydata(), [-4, -2, 0, 2, 4])
    assert function.get_color() == FUNCTION_COLOR
    assert derivative.get_color() == DERIVATIVE_COLOR
    assert ax.get_title() == "t" and ax.get_xlabel() == "x"
    assert ax.get_legend_handles_labels()[1] == ["x²", "2x"]


def test_plot_with_derivative_uses_the_given_axes():
    _, (left, right) = plt.subplots(1, 2)
    assert plot_with_derivative([0, 1], [0, 1], [1, 1], ax=right) is right
    assert not left.get_lines()


def test_plot_derivative_computes_the_derivative_with_autograd():
    ax = plot_derivative(torch.sin, 0, math.pi, num=50)
    x, dydx = ax.get_lines()[1].get_data()
    np.testing.assert_allclose(dydx, np.cos(x), atol=1e-12)


def test_tangent_line_has_the_derivative_as_slope():
    ax = plot_derivative(lambda x: x**3, -2, 2, tangent_at=1.0)
    tangent = next(
        line for line in ax.get_lines() if line.get_label().startswith("tangent")
    )
    xs, ys = tangent.get_data()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(3.0)
    assert tangent.get_label() == "tangent at x = 1 (slope 3)"
    # a short segment through (1, f(1)), inside the plotted range
    assert -2 <= xs[0] < 1 < xs[1] <= 2
    assert ys[0] + 3 * (1 - xs[0]) == pytest.approx(1.0)


def test_figures_are_transparent_for_light_and_dark_pages():
    ax = plot_derivative(torch.sin, 0, 1)
    assert ax.figure.get_facecolor()[3] == 0
    assert ax.get_facecolor()[3] == 0


def test_plotting_leaves_rcparams_unchanged():
    before = mpl.rcParams.copy()
    plot_derivative(torch.tanh, -3, 3, tangent_at=0.0)
    plot_with_derivative([0, 1], [0, 1], [1, 1])
    with style():
        assert mpl.rcParams["axes.facecolor"] == "none"
    assert mpl.rcParams == before


def test_importing_gradbook_changes_no_global_state():
    # gradbook's dependencies are imported first: sympy, for one, adds a warnings
    # filter of its own when imported. What is tested is what gradbook adds.
    code = (
        "import json, warnings, matplotlib as mpl, torch, sys, numpy, sympy\n"
        "rc = mpl.rcParams.copy(); filters = list(warnings.filters)\n"
        "dtype = torch.get_default_dtype(); grad = torch.is_grad_enabled()\n"
        "import gradbook\n"
        "print(json.dumps({'rc': mpl.rcParams == rc,"
        " 'warnings': list(warnings.filters) == filters,"
        " 'torch': (torch.get_default_dtype(), torch.is_grad_enabled())"
        " == (dtype, grad),"
        " 'pyplot': 'matplotlib.pyplot' in sys.modules}))\n"
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout.strip() == (
        '{"rc": true, "warnings": true, "torch": true, "pyplot": false}'
    )


@pytest.mark.parametrize(
    ("x", "y", "dydx", "ax", "error", "match"),
    [
        ([0, 1], [0, 1], [1], None, ValueError, r"same length, got 2, 2 and 1"),
        ([[0, 1]], [0, 1], [1, 1], None, ValueError, r"x must be one-dimensional"),
        ([], [], [], None, ValueError, r"x is empty"),
        ([0, 1], [0, math.nan], [1, 1], None, ValueError, r"y has a NaN or infinite"),
        ("ab", [0, 1], [1, 1], None, TypeError, r"x must be real numbers .*got str"),
        ([0, 1], None, [1, 1], None, TypeError, r"y must be real numbers"),
        ([0, 1], [0, "a"], [1, 1], None, TypeError, r"y must be real numbers"),
        ([0, 1], torch.tensor([1j, 2]), [1, 1], None, TypeError, r"y must be real"),
        ([0, 1], [0, 1], np.array([1j, 1]), None, TypeError, r"dydx must be real"),
        ([0, 1], [0, 1], [1, 1], "left", TypeError, r"ax must be a Matplotlib Axes"),
    ],
)
def test_plot_with_derivative_bad_input(x, y, dydx, ax, error, match):
    with pytest.raises(error, match=match):
        plot_with_derivative(x, y, dydx, ax=ax)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("sin", 0, 1), {}, TypeError, r"f must be a function of a tensor"),
        ((torch.sin, 1, 1), {}, ValueError, r"the range is empty: start \(1.0\) must"),
        ((torch.sin, 2, 1), {}, ValueError, r"the range is empty"),
        ((torch.sin, 0, math.inf), {}, ValueError, r"stop must be finite"),
        ((torch.sin, "0", 1), {}, TypeError, r"start must be a real number"),
        ((torch.sin, 0, 1, 1), {}, ValueError, r"num must be at least 2 points, got 1"),
        ((torch.sin, 0, 1, 2.5), {}, TypeError, r"num must be an integer"),
        ((torch.sin, 0, 1), {"tangent_at": math.nan}, ValueError, r"tangent_at must"),
        ((torch.sin, 0, 1), {"ax": 3}, TypeError, r"ax must be a Matplotlib Axes"),
        ((torch.sin, 0, 1), {"tangent_at": 2}, ValueError, r"must lie in the plotted"),
        ((lambda x: x.sum(), 0, 1), {}, ValueError, r"element by element"),
        ((lambda x: x.detach(), 0, 1), {}, ValueError, r"does not depend on x"),
        ((torch.log, -1, 1), {}, ValueError, r"y has a NaN or infinite value"),
    ],
)
def test_plot_derivative_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_derivative(*args, **kwargs)


def test_a_given_axes_gets_the_book_style_but_its_figure_is_left_alone():
    fig, ax = plt.subplots()
    face = fig.get_facecolor()
    plot_with_derivative([0, 1], [0, 1], [1, 1], ax=ax)
    assert ax.get_facecolor()[3] == 0
    assert ax.spines["left"].get_edgecolor() == mpl.colors.to_rgba(INK)
    assert not ax.spines["top"].get_visible()
    assert fig.get_facecolor() == face


PHONE_WIDTH = 360  # px: a figure's width on a 390 px wide phone screen


def _texts_on_a_phone(fig: mpl.figure.Figure) -> list[tuple[str, float]]:
    """Every visible text of the figure and its height in px once shrunk to a phone."""
    fig.canvas.draw()
    scale = PHONE_WIDTH / (fig.get_figwidth() * fig.dpi)
    texts = [t for t in fig.findobj(mpl.text.Text) if t.get_visible() and t.get_text()]
    return [(t.get_text(), t.get_fontsize() * fig.dpi / 72 * scale) for t in texts]


def _shown_ticklabels(axis: mpl.axis.Axis) -> list[mpl.text.Text]:
    """The tick labels Matplotlib draws: those of ticks inside the view limits."""
    lo, hi = sorted(axis.get_view_interval())
    return [
        tick.label1
        for tick in axis.get_major_ticks()
        if lo <= tick.get_loc() <= hi and tick.label1.get_text()
    ]


@pytest.mark.parametrize(
    "draw",
    [
        lambda: plot_derivative(torch.sin, -10, 10, tangent_at=1.0, title="sin"),
        lambda: plot_with_derivative([-10.0, 0.0, 10.0], [100, 0, 100], [-20, 0, 20]),
        lambda: plot_derivative(lambda x: x**2, -2, 2),
    ],
)
def test_text_is_readable_on_a_phone_and_inside_the_figure(draw):
    ax = draw()
    fig = ax.figure
    small = [(t, round(px, 1)) for t, px in _texts_on_a_phone(fig) if px < 11]
    assert not small, f"text under 11 px on a phone: {small}"
    renderer = fig.canvas.get_renderer()
    xticks = _shown_ticklabels(ax.xaxis)
    texts = [*xticks, *_shown_ticklabels(ax.yaxis), ax.xaxis.label, ax.title]
    for artist in [*(t for t in texts if t.get_text()), ax.get_legend()]:
        extent = artist.get_window_extent(renderer)
        assert fig.bbox.contains(extent.x0, extent.y0), artist
        assert fig.bbox.contains(extent.x1, extent.y1), artist
    extents = sorted(
        (t.get_window_extent(renderer) for t in xticks), key=lambda e: e.x0
    )
    for left, right in itertools.pairwise(extents):
        assert left.x1 + 4 <= right.x0, "neighbouring x tick labels touch"


def test_style_sizes_a_figure_for_a_phone():
    with style():
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1], label="line")
        ax.legend()
        width_px = fig.get_figwidth() * fig.dpi
        assert 450 <= width_px <= 520, "about 5 inches: shrunk little on a phone"
    for text, px in _texts_on_a_phone(fig):
        assert px >= 11, (text, px)


def test_the_legend_makes_room_rather_than_cover_a_curve():
    # Two periods of a sine fill the whole Axes: every place for the legend covers a
    # curve, until the y margins leave a free band above the curves.
    ax = plot_derivative(
        lambda x: torch.sin(x / 2**1.5), 80, 120, tangent_at=100, label="y"
    )
    assert ax.margins()[1] > mpl.rcParams["axes.ymargin"]
    assert not _covers_a_line(ax)
    # The steep tangent stops inside the band of plotted values (it adds no height).
    (tangent,) = [
        line
        for line in ax.get_lines()
        if line.get_label() == "tangent at x = 100 (slope -0.2469)"
    ]
    curves = np.concatenate([line.get_ydata() for line in ax.get_lines()[:2]])
    assert curves.min() - 1e-9 <= tangent.get_ydata().min()
    assert tangent.get_ydata().max() <= curves.max() + 1e-9
    # Where there is room, nothing changes.
    ax = plot_derivative(lambda x: x**2, -3, 3, tangent_at=2)
    assert ax.margins()[1] == mpl.rcParams["axes.ymargin"]
    assert not _covers_a_line(ax)


def test_a_small_axes_still_gets_a_legend():
    """On an Axes too short for the legend, the margin stops at its largest value
    instead of turning negative (Matplotlib refuses a margin <= -0.5)."""
    fig, axes = plt.subplots(4, 1, figsize=(3, 3))
    try:
        ax = plot_derivative(torch.sin, -6, 6, ax=axes[0], tangent_at=1.0)
        assert ax.get_legend() is not None
        assert 0 <= ax.margins()[1] <= 1.0
    finally:
        plt.close(fig)
