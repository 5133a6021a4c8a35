"""gradbook: check derivatives against calculus, and plot them, for the book
"Differentiation in PyTorch".

The tutorials use it to state a value and prove it in the same breath: every check
raises :class:`CheckFailed` when autograd, finite differences and the stated value
disagree, so a wrong number can never reach a built page.

>>> import gradbook
>>> print(gradbook.check_derivative(lambda x: x**2, at=2.0, expected=4.0, name="x^2"))
d/dx x^2 at x = 2: autograd 4, expected 4 ✓
"""

from gradbook.check import (
    CheckFailed,
    CheckResult,
    check_derivative,
    check_elementwise,
    check_partials,
    check_value,
)
from gradbook.plot import plot_derivative, plot_with_derivative, style

__version__ = "0.1.0"

__all__ = [
    "CheckFailed",
    "CheckResult",
    "__version__",
    "check_derivative",
    "check_elementwise",
    "check_partials",
    "check_value",
    "plot_derivative",
    "plot_with_derivative",
    "style",
]
