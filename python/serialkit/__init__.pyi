from . import json as json
from . import marshal as marshal
from . import pickle as pickle
from ._scan import ScanReport as ScanReport
from ._scan import scan as scan

__version__: str
__all__ = ["json", "marshal", "pickle", "scan", "ScanReport", "__version__"]
