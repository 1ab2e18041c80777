"""serialkit: one Rust engine for Python's serialization formats.

Each format is a module that is a drop-in for the one people already use:
``serialkit.json`` for ``json``, ``serialkit.pickle`` for ``pickle`` (safe
by default: loading imports only what the caller allows). Output is
identical and results are equal, so switching is safe.
"""

from . import json, pickle
from ._native import __version__

__all__ = ["json", "pickle", "__version__"]
