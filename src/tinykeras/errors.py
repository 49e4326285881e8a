"""The errors tinykeras raises itself when it refuses an input.

Each is a subclass of the built-in error a Keras user expects (``ValueError`` for a bad value,
``TypeError`` for a bad kind of object), so ``except ValueError`` keeps working, and of
``TinykerasError``, so a caller can tell our refusals from a bug deep inside NumPy.
Every refusal happens before any state changes, unless its message says otherwise
(``NonFiniteLossError``: training had started; the model keeps its last good step).
"""


class TinykerasError(Exception):
    """Base class of every error tinykeras raises on purpose."""


class InvalidArgumentError(TinykerasError, ValueError):
    """An argument or a data array has a value tinykeras cannot use."""


class InvalidTypeError(TinykerasError, TypeError):
    """An argument is the wrong kind of object (a class where an instance is needed...)."""


class NonFiniteInputError(InvalidArgumentError):
    """The data (x, y, sample weights, weights to set) hold NaN or infinity."""


class NonFiniteLossError(InvalidArgumentError):
    """The training loss became NaN or infinite; the update of that batch was not applied."""


class NonFiniteGradientError(NonFiniteLossError, NonFiniteInputError):
    """A gradient given to an optimizer step held NaN or infinity; the step was not applied."""


class NonFiniteValueError(InvalidArgumentError):
    """``debugging.enable_check_numerics``: an op produced NaN or infinity."""


class ModelFileNotFoundError(InvalidArgumentError, FileNotFoundError):
    """A model or weights file that does not exist (a ValueError too, as Keras raises)."""


class NonNumericInputError(InvalidArgumentError, InvalidTypeError):
    """A tensor argument that is not numbers (None, an object, text): a ValueError and a
    TypeError, as Keras's backends raise one or the other for it."""


__all__ = [
    "InvalidArgumentError", "InvalidTypeError", "ModelFileNotFoundError", "NonFiniteInputError",
    "NonFiniteGradientError", "NonFiniteLossError", "NonFiniteValueError", "NonNumericInputError",
    "TinykerasError",
]
