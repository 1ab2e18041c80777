from . import json as json
from . import pickle as pickle

__version__: str
__all__ = ["json", "pickle", "__version__"]
