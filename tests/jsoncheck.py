"""Helpers shared by the serialkit.json tests: run a call and describe its
full outcome (result or exception) so the standard library and serialkit
can be compared with a single ``==``."""

from __future__ import annotations

import json
from typing import Any, Callable

import serialkit.json as sj


def canonical(value: Any) -> tuple:
    """A comparable description of ``value`` that keeps exact types (int vs
    float vs bool, str vs subclass), dict order, and treats NaN as equal to
    NaN (floats are described by their repr). Iterative, so arbitrarily deep
    documents can be described."""
    tokens = []
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item).__qualname__
        if isinstance(item, float):
            tokens.append((kind, repr(float(item))))
        elif isinstance(item, str):
            tokens.append((kind, str.__str__(item)))
        elif isinstance(item, (list, tuple)):
            tokens.append((kind, len(item)))
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            tokens.append((kind, len(item)))
            for key, child in reversed(list(item.items())):
                stack.append(child)
                stack.append(key)
        elif isinstance(item, int):
            tokens.append((kind, int.__repr__(item)))
        else:
            tokens.append((kind, repr(item)))
    return tuple(tokens)


def outcome(func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple:
    """What calling ``func`` did: ``("ok", canonical result)``, or the
    exception's type and every attribute ``json`` documents for it."""
    try:
        result = func(*args, **kwargs)
    except json.JSONDecodeError as error:
        return (
            "JSONDecodeError",
            error.msg,
            error.doc,
            error.pos,
            error.lineno,
            error.colno,
            str(error),
        )
    except Exception as error:
        # Notes too: from 3.14 the encoder notes where the error happened.
        return (type(error).__name__, str(error), getattr(error, "__notes__", None))
    return ("ok", canonical(result))


def assert_same(std_call: Callable[[], Any], sk_call: Callable[[], Any]) -> tuple:
    """Runs both zero-argument calls and asserts identical outcomes; a
    serialkit JSONDecodeError must be serialkit's own class. Returns the
    (shared) outcome."""
    expected = outcome(std_call)
    actual = outcome(sk_call)
    assert actual == expected, (
        f"serialkit and json differ\n  serialkit: {actual!r:.600}\n  json:      {expected!r:.600}"
    )
    if actual[0] == "JSONDecodeError":
        try:
            sk_call()
        except json.JSONDecodeError as error:
            assert isinstance(error, sj.JSONDecodeError)
    return expected


def same_loads(document: str | bytes | bytearray, **kwargs: Any) -> tuple:
    """``json.loads`` and ``serialkit.json.loads`` agree on ``document``."""
    return assert_same(lambda: json.loads(document, **kwargs), lambda: sj.loads(document, **kwargs))


def same_dumps(obj: Any, **kwargs: Any) -> tuple:
    """``json.dumps`` and ``serialkit.json.dumps`` agree on ``obj``."""
    return assert_same(lambda: json.dumps(obj, **kwargs), lambda: sj.dumps(obj, **kwargs))
