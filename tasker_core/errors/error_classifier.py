"""Whether an exception is worth a retry (``tasker_core.errors.error_classifier``).

Order of the checks: an explicit ``retryable`` attribute (every ``TaskerError`` has one)
wins; then the kind of built-in exception (connection and OS errors are transient, programming
errors are not); anything else gets ``default_retryable``.
"""

from __future__ import annotations

from typing import Any

# Transient by nature: retrying may succeed.
RETRYABLE_CLASSES: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    BlockingIOError,
    InterruptedError,
    OSError,
)
# Mistakes in code or data: the same call fails the same way again.
PERMANENT_CLASSES: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    AssertionError,
    SyntaxError,
    NameError,
    ImportError,
    NotImplementedError,
    LookupError,
    ArithmeticError,
)


class ErrorClassifier:
    """Classifies exceptions as retryable or permanent."""

    def __init__(self, default_retryable: bool = True) -> None:
        self.default_retryable = default_retryable

    def classify(self, error: BaseException) -> dict[str, Any]:
        """``{"error_type", "retryable", "classification"}``; classification is one of
        ``explicit_attribute``, ``retryable_class``, ``permanent_class``, ``default``."""
        explicit = getattr(error, "retryable", None)
        if isinstance(explicit, bool):
            retryable, how = explicit, "explicit_attribute"
        elif isinstance(error, PERMANENT_CLASSES):
            retryable, how = False, "permanent_class"
        elif isinstance(error, RETRYABLE_CLASSES):
            retryable, how = True, "retryable_class"
        else:
            retryable, how = self.default_retryable, "default"
        return {"error_type": type(error).__name__, "retryable": retryable, "classification": how}

    def retryable(self, error: BaseException) -> bool:
        return bool(self.classify(error)["retryable"])

    def permanent(self, error: BaseException) -> bool:
        return not self.retryable(error)


_default_classifier: ErrorClassifier | None = None


def get_classifier() -> ErrorClassifier:
    """The shared classifier (made on first use)."""
    global _default_classifier
    if _default_classifier is None:
        _default_classifier = ErrorClassifier()
    return _default_classifier


def is_retryable(error: BaseException) -> bool:
    return get_classifier().retryable(error)


def is_permanent(error: BaseException) -> bool:
    return get_classifier().permanent(error)
