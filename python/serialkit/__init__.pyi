from . import json as json
from . import marshal as marshal
from . import pickle as pickle
from . import xml as xml
from . import yaml as yaml
from ._scan import ScanReport as ScanReport
from ._scan import scan as scan

__version__: str
__all__ = ["json", "marshal", "pickle", "xml", "yaml", "scan", "ScanReport", "__version__"]
