from . import json as json
from . import pickle as pickle
from . import xml as xml
from ._scan import ScanReport as ScanReport
from ._scan import scan as scan

__version__: str
__all__ = ["json", "pickle", "xml", "scan", "ScanReport", "__version__"]
