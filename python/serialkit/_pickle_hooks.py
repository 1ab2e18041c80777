"""The ``persistent_id`` / ``persistent_load`` hook attributes, behaving as
the running interpreter's C pickler and unpickler make them behave. CPython
changed them twice, so the behaviour is probed from the standard library:

- up to 3.12, unset until assigned, and only a callable may be assigned;
- 3.13, a method that is always there (the default does nothing) and that
  an instance cannot replace;
- from 3.14, that method, which an instance may replace with any value and
  get back by deleting it."""

from __future__ import annotations

import io
import pickle as _std_pickle
from typing import Any, Callable

_ABSENT = object()


def _probe() -> str:
    pickler = _std_pickle.Pickler(io.BytesIO())
    try:
        pickler.persistent_id  # noqa: B018
    except AttributeError:
        return "unset"
    try:
        pickler.persistent_id = None
    except AttributeError:
        return "read-only"
    return "assignable"


STYLE = _probe()


def hook_property(name: str, default: Callable[[Any, Any], Any]) -> property:
    """The class attribute ``name`` for the style of the running interpreter;
    ``default`` is the method CPython 3.13 and later provide."""
    slot = "_" + name

    def unset_get(self):
        hook = self.__dict__.get(slot, _ABSENT)
        if hook is _ABSENT:
            raise AttributeError(name)
        return hook

    def checked_set(self, value):
        if not callable(value):
            raise TypeError(f"{name} must be a callable taking one argument")
        self.__dict__[slot] = value

    def refuse_delete(self):
        raise TypeError("attribute deletion is not supported")

    def default_get(self):
        hook = self.__dict__.get(slot, _ABSENT)
        return default.__get__(self, type(self)) if hook is _ABSENT else hook

    def read_only(self, value=None):
        raise AttributeError(f"'{type(self).__name__}' object attribute '{name}' is read-only")

    def store(self, value):
        self.__dict__[slot] = value

    def forget(self):
        self.__dict__.pop(slot, None)

    doc = default.__doc__
    if STYLE == "unset":
        return property(unset_get, checked_set, refuse_delete, doc)
    if STYLE == "read-only":
        return property(default_get, read_only, read_only, doc)
    return property(default_get, store, forget, doc)


def is_default(hook: Any, default: Callable[[Any, Any], Any]) -> bool:
    """Whether ``hook`` is the do-nothing default, which need not be
    called."""
    return getattr(hook, "__func__", None) is default
