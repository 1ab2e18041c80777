"""Writes the version 5 golden vectors of the marshal tests: run it with
Python 3.14 or later (whose marshal writes version 5), from anywhere.

    python3.14 tests/marshal314/make_golden.py

It writes ``golden.json``: for each value of the corpus below (data only),
the expression that builds it and the bytes ``marshal.dumps`` writes for
it at version 5; and ``sample.pyc`` / ``sample_hash.pyc``, ``sample.py``
compiled by that interpreter (hash-based, so the files do not depend on
when they were made). The tests check serialkit against these files on
every Python, including those without version 5.
"""

from __future__ import annotations

import json
import marshal
import py_compile
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (name, expression). Each expression is evaluated once, then marshalled,
# so what it shares (the lambdas) is shared in the stream. The value is
# passed as a temporary, held by nothing else: the outermost object has
# no FLAG_REF, on every Python alike.
CORPUS = [
    ("empty", "slice(None)"),
    ("stop", "slice(5)"),
    ("start_stop", "slice(1, 2)"),
    ("full", "slice(1, 2, 3)"),
    ("negative", "slice(-1, None, -1)"),
    ("big_ints", "slice(2**70, -(2**70), 0)"),
    ("strings", "slice('a', 'bcd', 'é日本')"),
    ("lone_surrogate", "slice('\\ud800', None, None)"),
    ("numbers", "slice(1.5, complex(1, -2), -0.0)"),
    ("bytes", "slice(b'x', b'', b'raw')"),
    ("singletons", "slice(..., StopIteration, True)"),
    ("containers", "slice((1, 2), [3, 4], {'k': None})"),
    ("nested", "slice(slice(1), slice(None, 2), slice(None, None, 3))"),
    ("in_tuple", "(slice(0, 1),)"),
    ("in_list", "[slice(None, 10), 'x', slice(3, None)]"),
    ("in_dict", "{'key': slice(1, None), 'other': [slice(None, 5)]}"),
    ("same_slice_thrice", "[slice(7, 8)] * 3"),
    ("shared_slice", "(lambda s: (s, s, [s]))(slice(1, 2, 3))"),
    ("shared_inside", "(lambda l: slice(l, l, l))([1, 2])"),
    ("shared_around", "(lambda l: [l, slice(l), l])(list(range(5)))"),
    ("shared_tuple", "(lambda t: slice(t, t))(('shared', 'tuple'))"),
    ("deep", "slice(slice(slice(slice(slice(None)))))"),
    ("frozenset_of_slices", "frozenset({slice(1, 2)})"),
    ("set_of_slices", "{slice(None), slice(1, 2, 3)}"),
    ("slice_keys", "{slice(1, 2): 'v', (slice(None), 3): frozenset({slice(0, 1, 2)})}"),
    # Data without slices: version 5 writes it as version 4 does.
    ("plain_list", "[1, 'two', 3.0, None, True, (4, 5)]"),
    ("plain_dict", "{'a': {1, 2}, 'b': frozenset({'x'}), 'c': 2**100}"),
]

# Slices are hashable from Python 3.12 only: these cannot be built before.
HASHABLE_SLICES = {"frozenset_of_slices", "set_of_slices", "slice_keys"}


def main() -> None:
    if marshal.version < 5:
        sys.exit(f"needs a Python whose marshal writes version 5 (this one: {marshal.version})")
    vectors = []
    for name, expression in CORPUS:
        data = marshal.dumps(eval(expression), 5)
        assert marshal.loads(data) == eval(expression), name
        vectors.append(
            {
                "name": name,
                "expression": expression,
                "hashable_slices": name in HASHABLE_SLICES,
                "version5": data.hex(),
            }
        )
    document = {
        "python": ".".join(map(str, sys.version_info[:3])),
        "marshal_version": marshal.version,
        "vectors": vectors,
    }
    (HERE / "golden.json").write_text(json.dumps(document, indent=1, ensure_ascii=True) + "\n")
    source = HERE / "sample.py"
    py_compile.compile(
        str(source),
        cfile=str(HERE / "sample.pyc"),
        dfile="sample.py",
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    py_compile.compile(
        str(source),
        cfile=str(HERE / "sample_hash.pyc"),
        dfile="sample.py",
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
    )


if __name__ == "__main__":
    main()
