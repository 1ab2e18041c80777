"""serialkit: one Rust engine for Python's serialization formats.

Each format is a module that is a drop-in for the one people already use:
``serialkit.json`` for ``json``. Output is identical and results are equal,
so switching is safe.
"""

from . import json
from ._native import __version__

__all__ = ["json", "__version__"]
