"""Show an error on the page, and fail the build if it stops happening.

A tutorial that teaches a mistake (say, asking an integer tensor for a gradient) runs
the mistake inside :func:`~gradbook.expect_error`: the error is caught and its first line printed,
so the page shows exactly what PyTorch says. If a future PyTorch stops raising it, or
raises another error, or words it differently, the block raises
:class:`~gradbook.CheckFailed` and the book no longer builds with a stale claim.
"""

from __future__ import annotations

from types import TracebackType

from gradbook._validate import describe
from gradbook.check import CheckFailed

__all__ = ["ExpectedError", "expect_error"]


class ExpectedError:
    """The context manager returned by :func:`~gradbook.expect_error`.

    After the ``with`` block, ``.exception`` is the error that was raised and
    ``.message`` its text.
    """

    def __init__(self, exc_type: type[BaseException], match: str | None) -> None:
        self.exc_type = exc_type
        self.match = match
        self.exception: BaseException | None = None
        self.message: str | None = None

    def _wanted(self) -> str:
        text = self.exc_type.__name__
        return text if self.match is None else f"{text} containing {self.match!r}"

    def __enter__(self) -> ExpectedError:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            raise CheckFailed(
                f"expected {self._wanted()}, but no error was raised: the code in "
                "the 'with expect_error(...)' block ran without an error"
            )
        if not isinstance(exc, self.exc_type):
            if not isinstance(exc, Exception):
                return False  # KeyboardInterrupt, SystemExit: not a claim to check
            # The page states which error happens: another one refutes it, like a
            # wrong number. The original error stays attached (``__cause__``).
            raise CheckFailed(
                f"expected {self._wanted()}, but the block raised "
                f"{type(exc).__name__}: {_first_line(str(exc))}"
            ) from exc
        message = str(exc)
        if self.match is not None and self.match not in message:
            raise CheckFailed(
                f"expected {self._wanted()}, but the {type(exc).__name__} said: "
                f"{message}"
            ) from exc
        self.exception = exc
        self.message = message
        print(f"{type(exc).__name__}: {_first_line(message)}")
        return True


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def expect_error(
    exc_type: type[BaseException], match: str | None = None
) -> ExpectedError:
    """Run a block that must raise ``exc_type``; print the error's first line.

    Parameters
    ----------
    exc_type
        The exception class the block must raise (a subclass also counts).
    match
        Text the error message must contain (plain text, not a regular expression).

    Raises
    ------
    CheckFailed
        When the block raises nothing, raises another exception than ``exc_type``
        (which stays attached as the ``CheckFailed``'s ``__cause__``), or raises
        ``exc_type`` with a message that does not contain ``match``. Only
        ``KeyboardInterrupt``, ``SystemExit`` and other exceptions that are not an
        ``Exception`` pass through unchanged.

    Examples
    --------
    >>> import torch
    >>> with expect_error(RuntimeError, match="floating point") as caught:
    ...     torch.tensor(2, requires_grad=True)
    RuntimeError: Only Tensors of floating point and complex dtype can require gradients
    >>> type(caught.exception).__name__
    'RuntimeError'
    """
    if not (isinstance(exc_type, type) and issubclass(exc_type, BaseException)):
        raise TypeError(
            "exc_type must be an exception class such as RuntimeError, "
            f"got {describe(exc_type)}"
        )
    if match is not None and not isinstance(match, str):
        raise TypeError(f"match must be text or None, got {describe(match)}")
    return ExpectedError(exc_type, match)
