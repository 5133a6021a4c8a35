"""Show an error or a warning on the page, and fail the build if it stops happening.

A tutorial that teaches a mistake (say, asking an integer tensor for a gradient) runs
the mistake inside :func:`~gradbook.expect_error`: the error is caught and its first line printed,
so the page shows exactly what PyTorch says. If a future PyTorch stops raising it, or
raises another error, or words it differently, the block raises
:class:`~gradbook.CheckFailed` and the book no longer builds with a stale claim.

:func:`~gradbook.expect_warning` does the same for a warning that a tutorial teaches
(reading ``.grad`` of a non-leaf, anomaly mode): the build refuses every warning that
escapes, so the page catches it, shows its first sentence, and fails if it stops.
"""

from __future__ import annotations

import re
import warnings
from types import TracebackType

from gradbook._validate import describe
from gradbook.check import CheckFailed

__all__ = ["ExpectedError", "ExpectedWarning", "expect_error", "expect_warning"]


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


# The end of a warning's first sentence: a full stop before a space or the
# end. Warnings often go on with a traceback or "(Triggered internally at /path...)":
# text that names files on the machine that ran the code.
_SENTENCE_END = re.compile(r"\.(?=\s|$)")


def _first_sentence(message: str) -> str:
    """The first sentence of a message, without what follows it.

    >>> _first_sentence("Error detected in SqrtBackward0. Traceback of forward call:")
    'Error detected in SqrtBackward0.'
    """
    line = _first_line(message)
    end = _SENTENCE_END.search(line)
    return line if end is None else line[: end.end()]


class ExpectedWarning:
    """The context manager returned by :func:`~gradbook.expect_warning`.

    After the ``with`` block, ``.warnings`` lists every warning the block emitted (as
    ``warnings.WarningMessage`` records), ``.category`` is the class of the
    first one that matched, and ``.message`` its full text.
    """

    def __init__(self, category: type[Warning], match: str | None) -> None:
        self.category_wanted = category
        self.match = match
        self.warnings: list[warnings.WarningMessage] = []
        self.category: type[Warning] | None = None
        self.message: str | None = None
        self._catcher: warnings.catch_warnings | None = None

    def _wanted(self) -> str:
        text = self.category_wanted.__name__
        return text if self.match is None else f"{text} containing {self.match!r}"

    def __enter__(self) -> ExpectedWarning:
        self._catcher = warnings.catch_warnings(record=True)
        self.warnings = self._catcher.__enter__()
        warnings.simplefilter("always")  # also a warning already shown once
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._catcher is not None
        self._catcher.__exit__(exc_type, exc, tb)
        if exc is not None:
            return  # an error in the block is not hidden (None: it propagates)
        for caught in self.warnings:
            text = str(caught.message)
            if issubclass(caught.category, self.category_wanted) and (
                self.match is None or self.match in text
            ):
                self.category, self.message = caught.category, text
                break
        if self.message is None:
            seen = "; ".join(
                f"{w.category.__name__}: {_first_sentence(str(w.message))}"
                for w in self.warnings
            )
            raise CheckFailed(
                f"expected {self._wanted()}, but the block "
                + (f"warned only: {seen}" if seen else "emitted no warning")
            )
        for caught in self.warnings:
            name = caught.category.__name__
            print(f"{name}: {_first_sentence(str(caught.message))}")


def expect_warning(
    category: type[Warning], match: str | None = None
) -> ExpectedWarning:
    """Run a block that must emit a warning of ``category``; print each warning's
    first sentence.

    Every warning the block emits is caught (so the strict build, which refuses
    warnings, still runs the block) and shown by its category and first sentence:
    the rest of a warning often names files and lines of the machine that ran it, as
    a traceback or "(Triggered internally at ...)". An error in the block is not
    caught.

    Parameters
    ----------
    category
        The warning class at least one warning must have (a subclass also counts).
    match
        Text that warning's message must contain (plain text, not a regular
        expression).

    Raises
    ------
    CheckFailed
        When the block emits no warning of ``category`` containing ``match``.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = x * 3
    >>> with expect_warning(UserWarning, match="not a leaf Tensor") as caught:
    ...     y.grad
    UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed.
    >>> caught.category.__name__
    'UserWarning'
    """
    if not (isinstance(category, type) and issubclass(category, Warning)):
        raise TypeError(
            "category must be a warning class such as UserWarning, "
            f"got {describe(category)}"
        )
    if match is not None and not isinstance(match, str):
        raise TypeError(f"match must be text or None, got {describe(match)}")
    return ExpectedWarning(category, match)
