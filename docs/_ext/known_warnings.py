"""Warnings that libraries raise about their own internals, which a tutorial cannot fix.

The build turns every Python warning in a tutorial into an error (bookbuild.py), and the
tests run the tutorials with ``-W error``. A warning listed here is ignored in both, but
only when it comes from the named module: the same warning from a tutorial's own code
still fails the build. Python hides each of these by default, so a reader running a
downloaded tutorial does not see them either. Keep the list short, and say why.
"""

from __future__ import annotations

import re
import warnings

# (start of the message, category, module that raises it, why it is harmless)
LIBRARY_WARNINGS: tuple[tuple[str, type[Warning], str, str], ...] = (
    (
        "`torch.jit.script` is deprecated",
        DeprecationWarning,
        "torch.jit._script",
        "torch 2.13's forward-mode AD (jacfwd, jvp, forward_ad) scripts its own "
        "decompositions on first use",
    ),
)


def ignore_library_warnings() -> None:
    """Add an 'ignore' filter for each known library warning (on top of the others)."""
    for message, category, module, _why in LIBRARY_WARNINGS:
        warnings.filterwarnings(
            "ignore",
            message=re.escape(message),
            category=category,
            module=re.escape(module) + r"\Z",
        )


def command_line_options() -> list[str]:
    """The same filters as ``python -W`` options, after a ``-W error``."""
    options = ["-W", "error"]
    for message, category, module, _why in LIBRARY_WARNINGS:
        options += ["-W", f"ignore:{message}:{category.__name__}:{module}"]
    return options
