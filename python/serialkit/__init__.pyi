from . import json as json

__version__: str
__all__ = ["json", "__version__"]
