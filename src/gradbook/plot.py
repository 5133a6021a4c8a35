"""Plot a function and its derivative on one Axes, in the book's style.

The style reads on light and dark pages alike: transparent background, mid-grey text and
axes, and two colours that keep their contrast on white and on near-black. It is applied
only inside the plotting calls (``matplotlib.rc_context``), so importing gradbook
changes no global Matplotlib state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:  # matplotlib.typing is new in 3.8; gradbook runs with 3.7
    from matplotlib.typing import RcKeyType

from gradbook._validate import (
    describe,
    require_callable,
    require_number,
    scalar_output,
)

__all__ = [
    "DERIVATIVE_COLOR",
    "FUNCTION_COLOR",
    "plot_derivative",
    "plot_with_derivative",
    "style",
]

FUNCTION_COLOR = "#3b82c4"  # blue
DERIVATIVE_COLOR = "#e0662b"  # orange
TANGENT_COLOR = "#8a8a8a"
INK = "#808080"  # readable on white and on the dark theme's background

# Sized for a phone: the book is read down to 390 px wide, where a figure is shown about
# 360 px wide. A W-inch figure at 100 dpi is 100 W px, so text of s points shows at
# s * 100/72 * 360/(100 W) = 5 s / W px: 13 pt on 5 inches is 13 px on a phone (and
# 18 px on a desktop, where the figure is shown at its own 500 px).
FIGSIZE = (5.0, 3.4)

RC: dict[RcKeyType, Any] = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.titlecolor": INK,
    "text.color": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.grid": True,
    "grid.color": INK,
    "grid.alpha": 0.25,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 1.0,
    "xtick.major.width": 1.0,
    "ytick.major.width": 1.0,
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 11,  # 11 px on a phone; a smaller legend covers less
    "legend.frameon": False,
    "legend.labelcolor": INK,
    # A compact legend: it covers less of the curves on a small figure.
    "legend.handlelength": 1.6,
    "legend.handletextpad": 0.5,
    "legend.labelspacing": 0.3,
    "legend.borderaxespad": 0.3,
    "lines.linewidth": 2.6,
    "lines.markersize": 7,
}


@contextmanager
def style() -> Iterator[None]:
    """Apply the book's plot style inside a ``with`` block only.

    gradbook's plots use it on their own; wrap your own figure in it to match them,
    e.g. ``with style(): fig, axes = plt.subplots(1, 2)``.

    >>> import matplotlib as mpl
    >>> before = mpl.rcParams["axes.facecolor"]
    >>> with style():
    ...     mpl.rcParams["axes.facecolor"]
    'none'
    >>> mpl.rcParams["axes.facecolor"] == before
    True
    """
    with mpl.rc_context(RC):
        yield


def _as_array(values: object, name: str) -> np.ndarray:
    """One-dimensional, finite, real numbers as a NumPy array (tensors detached)."""
    wrong = TypeError(
        f"{name} must be real numbers (a tensor, an array or a list), "
        f"got {describe(values)}"
    )
    if isinstance(values, torch.Tensor):
        if values.is_complex():
            raise wrong
        values = values.detach().to(torch.float64).cpu().numpy()
    if not isinstance(values, np.ndarray | Sequence) or isinstance(values, str):
        raise wrong
    if np.iscomplexobj(values):
        raise wrong
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise wrong from exc
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty: give at least one value")
    if not np.isfinite(array).all():
        i = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ValueError(f"{name} has a NaN or infinite value at index {i}")
    return array


def _axes(ax: object) -> Axes:
    """The Axes to draw on: the one given, or a new figure's (in the book's style)."""
    if ax is None:
        import matplotlib.pyplot as plt  # only when a figure is made

        _, new = plt.subplots(layout="constrained")
        return new
    if not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a Matplotlib Axes (e.g. from plt.subplots()) or None, "
            f"got {describe(ax)}"
        )
    _restyle(ax)
    return ax


def _restyle(ax: Axes) -> None:
    """Give an Axes made outside :func:`style` the book's look (not its figure)."""
    ax.set_facecolor("none")
    for spine in ax.spines.values():
        spine.set_color(INK)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(colors=INK)
    for text in (ax.xaxis.label, ax.yaxis.label, ax.title):
        text.set_color(INK)
    ax.grid(True, color=INK, alpha=0.25)


def _fewer_ticks(ax: Axes) -> None:
    """At most 6 intervals between ticks on each axis, so large tick labels never touch.

    Matplotlib's default allows about one tick per three characters of label, which
    crowds labels such as ``-7.5`` on a figure sized for a phone.
    """
    for axis in (ax.xaxis, ax.yaxis):
        locator = axis.get_major_locator()
        if isinstance(locator, MaxNLocator):  # the default AutoLocator is one
            locator.set_params(nbins=6)


def _covers_a_line(ax: Axes) -> bool:
    """Whether the Axes' legend, where Matplotlib placed it, lies over a plotted line."""
    # Lays the figure out and places the legend (on the root figure, should the Axes
    # be in a subfigure).
    ax.figure.figure.draw_without_rendering()
    legend = ax.get_legend()
    if legend is None:
        return False
    box = legend.get_window_extent()
    steps = np.linspace(0.0, 1.0, 20)[:, None]
    for line in ax.get_lines():
        xy = line.get_transform().transform(np.column_stack(line.get_data()))
        if len(xy) > 1:  # points along each segment, not only its ends
            xy = (xy[:-1, None] + steps * (xy[1:, None] - xy[:-1, None])).reshape(-1, 2)
        inside = (
            (box.x0 < xy[:, 0])
            & (xy[:, 0] < box.x1)
            & (box.y0 < xy[:, 1])
            & (xy[:, 1] < box.y1)
        )
        if inside.any():
            return True
    return False


def _legend(ax: Axes) -> None:
    """The legend where it covers no line, making room above the curves if need be.

    On a figure sized for a phone the legend is large next to the curves: when every
    place Matplotlib tries covers one, the y margins grow until a free band above
    (and below) the curves holds it. The margin stays on the Axes, so a legend a
    tutorial draws again later finds that room too.
    """
    legend = ax.legend()
    if not _covers_a_line(ax):
        return
    # The margin m adds m * (data height) above and below, so the legend's share of
    # the Axes height is m / (1 + 2m); solve for m. On an Axes too small for that
    # (share near 1/2 or more) the largest margin, 1, is as much room as there is.
    share = legend.get_window_extent().height / ax.bbox.height + 0.04
    margin = share / (1 - 2 * share) if share < 1 / 3 else 1.0
    ax.set_ymargin(margin)
    ax.legend()


def plot_with_derivative(
    x: torch.Tensor | Sequence[float] | np.ndarray,
    y: torch.Tensor | Sequence[float] | np.ndarray,
    dydx: torch.Tensor | Sequence[float] | np.ndarray,
    *,
    ax: Axes | None = None,
    label: str = "f(x)",
    derivative_label: str = "f'(x)",
    title: str | None = None,
    xlabel: str = "x",
) -> Axes:
    """Plot values of a function and of its derivative, already computed, on one Axes.

    Tensors that require grad are detached here, so ``x.grad`` can be passed directly.

    >>> x = torch.linspace(-2, 2, 5, requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> ax = plot_with_derivative(x, x ** 2, x.grad, label="x²", derivative_label="2x")
    >>> ax.get_legend_handles_labels()[1]
    ['x²', '2x']
    """
    xs, ys, ds = _as_array(x, "x"), _as_array(y, "y"), _as_array(dydx, "dydx")
    if not (xs.shape == ys.shape == ds.shape):
        raise ValueError(
            "x, y and dydx must have the same length, "
            f"got {xs.size}, {ys.size} and {ds.size}"
        )
    with style():
        ax = _axes(ax)
        ax.plot(xs, ys, color=FUNCTION_COLOR, label=label)
        ax.plot(xs, ds, color=DERIVATIVE_COLOR, linestyle="--", label=derivative_label)
        ax.axhline(0, color=INK, linewidth=0.8, alpha=0.6)
        _fewer_ticks(ax)
        ax.set_xlabel(xlabel)
        if title:
            ax.set_title(title)
        _legend(ax)
    return ax


def plot_derivative(
    f: Callable[[torch.Tensor], torch.Tensor],
    start: float,
    stop: float,
    num: int = 200,
    *,
    ax: Axes | None = None,
    tangent_at: float | None = None,
    label: str = "f(x)",
    derivative_label: str = "f'(x)",
    title: str | None = None,
) -> Axes:
    """Plot ``f`` and its derivative (computed with autograd) over ``[start, stop]``.

    With ``tangent_at``, also draw the tangent line at that point: its slope is the
    derivative there.

    >>> ax = plot_derivative(lambda x: x ** 2, -3, 3, tangent_at=1.0, label="x²")
    >>> ax.get_legend_handles_labels()[1]
    ['x²', "f'(x)", 'tangent at x = 1 (slope 2)']
    """
    f = require_callable(f)
    lo, hi = require_number(start, "start"), require_number(stop, "stop")
    if not lo < hi:
        raise ValueError(
            f"the range is empty: start ({lo}) must be less than stop ({hi})"
        )
    if isinstance(num, bool) or not isinstance(num, int):
        raise TypeError(f"num must be an integer (the number of points), got {num!r}")
    if num < 2:
        raise ValueError(f"num must be at least 2 points, got {num}")
    if ax is not None and not isinstance(ax, Axes):
        _axes(ax)  # a wrong ax fails before any work
    x0 = None if tangent_at is None else require_number(tangent_at, "tangent_at")
    if x0 is not None and not lo <= x0 <= hi:
        raise ValueError(
            f"tangent_at ({x0:g}) must lie in the plotted range [{lo:g}, {hi:g}]"
        )
    x = torch.linspace(lo, hi, num, dtype=torch.float64, requires_grad=True)
    y = f(x)
    if not isinstance(y, torch.Tensor) or y.shape != x.shape:
        raise ValueError(
            "f must act element by element and return a tensor shaped like x, "
            f"got {describe(y)}"
        )
    if not y.requires_grad:
        raise ValueError(
            "f(x) does not depend on x through autograd (requires_grad=False): "
            "build it from x with torch operations, without .detach() or NumPy"
        )
    (dydx,) = torch.autograd.grad(y.sum(), x)
    ax = plot_with_derivative(
        x, y, dydx, ax=ax, label=label, derivative_label=derivative_label, title=title
    )
    if x0 is not None:
        p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        fp = scalar_output(f(p), f"f (at the tangent point x = {x0:g})")
        (slope,) = torch.autograd.grad(fp, p)
        # A short segment around the point: a tangent drawn across the whole range
        # would stretch the y axis and squash the curve. It also stops where it would
        # leave the band of values already plotted, so a steep tangent adds no height.
        s, reach = slope.item(), 0.2 * (hi - lo)
        values = torch.cat([y.detach(), dydx])
        rise = (values.max().item() - fp.item()) / abs(s) if s else reach
        fall = (fp.item() - values.min().item()) / abs(s) if s else reach
        left, right = (max(0.0, fall), max(0.0, rise))
        if s < 0:
            left, right = right, left
        xs = np.array([max(lo, x0 - min(reach, left)), min(hi, x0 + min(reach, right))])
        with style():
            ax.plot(
                xs,
                fp.item() + slope.item() * (xs - x0),
                color=TANGENT_COLOR,
                linestyle=":",
                label=f"tangent at x = {x0:g} (slope {slope.item():.4g})",
            )
            ax.plot([x0], [fp.item()], "o", color=TANGENT_COLOR)
            _legend(ax)
    return ax
