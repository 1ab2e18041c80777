"""serialkit.pickle's exceptions, in a module of their own so that both the
loader and the pickler can raise them."""

from __future__ import annotations

import pickle as _std_pickle


class PickleError(_std_pickle.PickleError):
    """Base of serialkit's pickle errors; also a ``pickle.PickleError``."""


class PicklingError(PickleError, _std_pickle.PicklingError):
    """An object cannot be pickled; also a ``pickle.PicklingError``."""


class UnpicklingError(PickleError, _std_pickle.UnpicklingError):
    """A pickle cannot be loaded; also a ``pickle.UnpicklingError``."""


class ForbiddenGlobal(UnpicklingError):
    """The pickle names a global that this load may not import. ``name``
    holds its full dotted name."""

    def __init__(self, message: str, name: str = "") -> None:
        super().__init__(message)
        self.name = name
