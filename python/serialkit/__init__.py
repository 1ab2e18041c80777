"""serialkit: one Rust engine for Python's serialization formats.

Each format is a module that is a drop-in for the one people already use:
``serialkit.json`` for ``json``, ``serialkit.pickle`` for ``pickle`` (safe
by default: loading imports only what the caller allows), ``serialkit.yaml``
for PyYAML (YAML 1.2, safe loading, PyYAML's ``safe_load``/``safe_dump``),
``serialkit.xml`` for ``xmltodict`` (hardened as defusedxml hardens parsers),
``serialkit.marshal`` for ``marshal`` (safe against hostile data). Output is
identical and results are equal, so switching is safe. ``serialkit.scan``
finds malicious pickles in files without loading them.
"""

from . import json, marshal, pickle, xml, yaml
from ._native import __version__
from ._scan import ScanReport, scan

__all__ = ["json", "marshal", "pickle", "xml", "yaml", "scan", "ScanReport", "__version__"]
