"""``pickle.dumps`` behaviour that changed between CPython 3.11 and 3.14:
serialkit.pickle must write the bytes and raise the errors of the running
interpreter's C pickler. Each case is compared with the standard library,
so the same test checks the old behaviour on old versions and the new one
on new versions."""

from __future__ import annotations

import copyreg
import io
import pickle

import pytest
import serialkit.pickle as sp
from serialkit._pickler import dumps

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


class Outer:
    class Inner:
        class Deepest:
            pass

        def method(self):
            return 1

    @staticmethod
    def helper():
        return 2


class Reducing:
    def __init__(self, reduction):
        self.reduction = reduction

    def __reduce__(self):
        return self.reduction


class Fresh:
    """Reduces to what ``make()`` returns, made anew for each pickler (an
    iterator in a reduction is used up by the first)."""

    def __init__(self, make):
        self.make = make

    def __reduce__(self):
        return self.make()


def _local():
    def inner():
        pass

    return inner


LOCAL = _local()


class Elements(set):
    pass


class Misnamed:
    pass


Misnamed.__qualname__ = "NoSuchName"


class Elsewhere:
    pass


Elsewhere.__module__ = "no_such_module_for_serialkit_tests"


class Impostor:
    pass


Impostor.__qualname__ = "Outer"

NESTED = {
    "one": Outer.Inner,
    "two": Outer.Inner.Deepest,
    "repeated": [Outer.Inner, Outer.Inner, Outer],
    "parent_first": [Outer, Outer.Inner, Outer.Inner.Deepest],
    "static": [Outer.helper, Outer.Inner.method],
    "in_a_dict": {"k": Outer.Inner.Deepest, "j": (Outer.Inner, Outer.Inner.Deepest)},
    "builtin_method": [dict.fromkeys, int.from_bytes],
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("name", list(NESTED))
def test_nested_names(name, protocol):
    # Before protocol 4 a nested name is getattr(outer, 'name'); 3.13
    # names the outer object afresh and memoizes less.
    obj = NESTED[name]
    assert dumps(obj, protocol) == pickle.dumps(obj, protocol)
    for fix_imports in (True, False):
        expected = pickle.dumps(obj, protocol, fix_imports=fix_imports)
        assert dumps(obj, protocol, fix_imports=fix_imports) == expected


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_nested_names_through_a_pickler_with_a_memo(protocol):
    # A second dump() reuses what the first memoized.
    outs = []
    for cls in (pickle.Pickler, sp.Pickler):
        out = io.BytesIO()
        pickler = cls(out, protocol)
        pickler.dump([Outer, Outer.Inner])
        pickler.dump([Outer.Inner.Deepest, Outer])
        outs.append(out.getvalue())
    assert outs[1] == outs[0]


UNPICKLABLE = {
    "local": _local(),
    "lambda": lambda: None,
    "misnamed": Misnamed,
    "elsewhere": Elsewhere,
    "impostor": Impostor,
    "reduce_int": Reducing(3),
    "reduce_list": Reducing([]),
    "reduce_short": Reducing((list,)),
    "reduce_not_callable": Reducing((1, ())),
    "reduce_not_callable_object": Reducing((Outer(), ())),
    "reduce_args": Reducing((list, [])),
    "reduce_args_object": Reducing((list, Outer())),
    "reduce_listitems": Reducing((list, (), None, [1])),
    "reduce_dictitems": Reducing((dict, (), None, None, {1: 2})),
    "reduce_dictitems_object": Reducing((dict, (), None, None, Outer())),
    "reduce_setter": Reducing((list, (), [], None, None, 42)),
    "nested_local": [{"k": (1, _local())}],
    "in_a_list": [1, 2, [3, _local()]],
    "in_a_long_list": [*range(1005), _local()],
    "in_a_dict_value": {"a": 1, 2.5: {None: _local()}},
    "in_a_tuple": (1, (2, _local())),
    "in_a_set": [{1, Misnamed}],
    "in_a_frozenset": (frozenset({1, LOCAL}),),
    "in_a_set_subclass": [Elements({LOCAL})],
    "in_state": Reducing((list, (), {"k": _local()})),
    "in_listitems": Fresh(lambda: (list, (), None, iter([1, LOCAL]))),
    "in_dictitems": Fresh(lambda: (dict, (), None, None, iter([("k", LOCAL)]))),
    "in_reconstructor": Reducing((_local(), ())),
    "in_reconstructor_args": Reducing((list, (1, _local()))),
    "in_setter": Reducing((list, (), [], None, None, _local())),
    "newobj_empty": Reducing((copyreg.__newobj__, ())),
    "newobj_not_a_class": Reducing((copyreg.__newobj__, (1,))),
    "newobj_wrong_class": Reducing((copyreg.__newobj__, (Outer,))),
    "newobj_args": Reducing((copyreg.__newobj__, (Reducing, 1, _local()))),
    "newobj_ex_short": Reducing((copyreg.__newobj_ex__, ())),
    "newobj_ex_not_a_class": Reducing((copyreg.__newobj_ex__, (1, (), {}))),
    "newobj_ex_args": Reducing((copyreg.__newobj_ex__, (Reducing, 42, {}))),
    "newobj_ex_kwargs": Reducing((copyreg.__newobj_ex__, (Reducing, (), []))),
    "newobj_ex_kwargs_item": Reducing((copyreg.__newobj_ex__, (Reducing, (), {"a": _local()}))),
    "deep_object": [Reducing((list, (), {"k": [Reducing((dict, (), Misnamed))]}))],
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("name", list(UNPICKLABLE))
def test_same_error(name, protocol):
    obj = UNPICKLABLE[name]
    results = []
    for pickler_dumps in (pickle.dumps, dumps):
        try:
            results.append(pickler_dumps(obj, protocol))
        except Exception as error:
            results.append(error)
    expected, got = results
    if isinstance(expected, bytes):
        # Some reductions are only refused from protocol 2.
        assert got == expected
        return
    assert isinstance(got, type(expected))
    assert str(got) == str(expected)
    # 3.14 raises the "not found" error while handling the failed lookup,
    # and notes where in the object the error happened.
    assert type(got.__context__) is type(expected.__context__)
    assert getattr(got, "__notes__", None) == getattr(expected, "__notes__", None)


def test_default_protocol_is_the_interpreters():
    # 4 up to 3.13, 5 from 3.14.
    assert sp.DEFAULT_PROTOCOL == pickle.DEFAULT_PROTOCOL
    assert sp.HIGHEST_PROTOCOL == pickle.HIGHEST_PROTOCOL
    obj = {"a": [Outer.Inner, 1.5]}
    assert dumps(obj) == pickle.dumps(obj)
    assert sp.Pickler(io.BytesIO()).protocol == pickle.DEFAULT_PROTOCOL
    out = io.BytesIO()
    sp.dump(obj, out)
    assert out.getvalue() == pickle.dumps(obj)


def test_extension_codes_of_nested_names():
    copyreg.add_extension(__name__, "Outer.Inner", 0xF00D)
    try:
        for protocol in PROTOCOLS:
            obj = [Outer.Inner, Outer.Inner.Deepest]
            assert dumps(obj, protocol) == pickle.dumps(obj, protocol)
    finally:
        copyreg.remove_extension(__name__, "Outer.Inner", 0xF00D)
