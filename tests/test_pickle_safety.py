"""Crafted pickles: with default settings none of them runs. Each payload
would create a canary file, which must never appear; each is refused with
ForbiddenGlobal naming the global. Under trusted=True the same bytes do run,
which shows the payloads are real."""

from __future__ import annotations

import contextlib
import copyreg
import fractions
import os
import pickle
import struct

import pytest
import serialkit.pickle as sp


def short_unicode(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def command_for(canary) -> str:
    return f"touch {canary}"


def reduce_global(module: str, name: str, argument: str) -> bytes:
    """Protocol 0: GLOBAL, then REDUCE with one str argument."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n(V" + argument.encode() + b"\ntR."


def stack_global_through_memo(module: str, name: str, argument: str) -> bytes:
    """Protocol 4: the module and name strings are memoized, fetched back
    with GET, then fed to STACK_GLOBAL."""
    return (
        b"\x80\x04"
        + short_unicode(module)
        + b"q\x00"
        + short_unicode(name)
        + b"q\x01"
        + b"0"
        + b"0"  # pop both: only the memo holds them now
        + b"h\x00h\x01\x93"
        + short_unicode(argument)
        + b"\x85R."
    )


def getattr_chain(argument: str) -> bytes:
    """builtins.getattr(builtins.__import__('os'), 'system')(argument)."""
    return (
        b"\x80\x04"
        + short_unicode("builtins")
        + short_unicode("getattr")
        + b"\x93"
        + short_unicode("builtins")
        + short_unicode("__import__")
        + b"\x93"
        + short_unicode("os")
        + b"\x85R"
        + short_unicode("system")
        + b"\x86R"
        + short_unicode(argument)
        + b"\x85R."
    )


def dotted_name(argument: str) -> bytes:
    """STACK_GLOBAL 'pathlib' + 'os.system': an attribute chain to os.system."""
    return (
        b"\x80\x04"
        + short_unicode("pathlib")
        + short_unicode("os.system")
        + b"\x93"
        + short_unicode(argument)
        + b"\x85R."
    )


def inst_opcode(argument: str) -> bytes:
    return b"(V" + argument.encode() + b"\nios\nsystem\n."


def extension_code(argument: str) -> bytes:
    return (
        b"\x80\x02\x83"
        + struct.pack("<H", 0x7E01)
        + b"X"
        + struct.pack("<I", len(argument))
        + argument.encode()
        + b"\x85R."
    )


def payload_before_malformed_tail(argument: str) -> bytes:
    return reduce_global("os", "system", argument)[:-1] + b"\xff\xfe garbage"


class Gadget:
    def __setstate__(self, state):
        os.system(state)


def setstate_gadget(argument: str) -> bytes:
    return pickle.dumps(_gadget_with_state(argument), protocol=2)


def _gadget_with_state(argument: str):
    gadget = Gadget.__new__(Gadget)
    gadget.__dict__["pending"] = argument

    class Wrapper(Gadget):
        def __reduce__(self):
            return (copyreg._reconstructor, (Gadget, object, None), argument)

    return Wrapper()


PAYLOADS = {
    "os.system": (lambda a: reduce_global("os", "system", a), "os.system"),
    "posix.system": (lambda a: reduce_global("posix", "system", a), "posix.system"),
    "subprocess": (lambda a: reduce_global("subprocess", "getoutput", a), "subprocess.getoutput"),
    "eval": (
        lambda a: reduce_global("builtins", "eval", f"__import__('os').system({a!r})"),
        "builtins.eval",
    ),
    "exec": (
        lambda a: reduce_global("builtins", "exec", f"import os; os.system({a!r})"),
        "builtins.exec",
    ),
    "stack_global_through_memo": (
        lambda a: stack_global_through_memo("os", "system", a),
        "os.system",
    ),
    "getattr_chain": (getattr_chain, "builtins.getattr"),
    "dotted_name": (dotted_name, "pathlib.os.system"),
    "inst_opcode": (inst_opcode, "os.system"),
    "extension_code": (extension_code, "posix.system"),
    "payload_before_malformed_tail": (payload_before_malformed_tail, "os.system"),
    "setstate_gadget": (setstate_gadget, f"{__name__}.Gadget"),
}


@pytest.fixture(autouse=True)
def extension_registry():
    copyreg.add_extension("posix", "system", 0x7E01)
    yield
    copyreg.remove_extension("posix", "system", 0x7E01)


@pytest.mark.parametrize("technique", sorted(PAYLOADS))
def test_payload_is_refused_and_never_runs(technique, tmp_path):
    build, name = PAYLOADS[technique]
    canary = tmp_path / "canary"
    data = build(command_for(canary))
    with pytest.raises(sp.ForbiddenGlobal) as refused:
        sp.loads(data)
    assert refused.value.name == name
    with pytest.raises(sp.ForbiddenGlobal):
        sp.Unpickler(__import__("io").BytesIO(data)).load()
    assert not canary.exists()


@pytest.mark.parametrize(
    "technique", ["os.system", "stack_global_through_memo", "inst_opcode", "setstate_gadget"]
)
def test_the_same_payload_runs_when_trusted(technique, tmp_path):
    build, _ = PAYLOADS[technique]
    canary = tmp_path / "canary"
    # Some payloads fail after running, as they would with pickle.loads.
    with contextlib.suppress(Exception):
        sp.loads(build(command_for(canary)), trusted=True)
    assert canary.exists()


class Bomb:
    def __init__(self, callable_, *args):
        self.reduction = (callable_, args)

    def __reduce__(self):
        return self.reduction


@pytest.mark.parametrize(
    "bomb",
    [
        Bomb(bytearray, 2**40),
        Bomb(bytes, 2**40),
        Bomb(set, range(10**12)),
        Bomb(frozenset, range(10**12)),
        Bomb(list, range(10**12)),
        Bomb(fractions.Fraction, "1e1000000000"),
        Bomb(copyreg._reconstructor, bytearray, bytearray, 2**40),
    ],
    ids=lambda bomb: bomb.reduction[0].__name__,
)
def test_safe_globals_refuse_huge_arguments(bomb):
    data = pickle.dumps(bomb, protocol=2)
    with pytest.raises(ValueError, match="refusing"):
        sp.loads(data)


def test_hostile_structure_is_rejected_within_limits():
    huge_prefix = b"\x80\x04\x8d" + struct.pack("<Q", 2**62) + b"abc"
    with pytest.raises(pickle.UnpicklingError):
        sp.loads(huge_prefix)
    deep = b"\x80\x02" + b"(" * 200_000 + b"."
    with pytest.raises(pickle.UnpicklingError):
        sp.loads(deep)
    unset_memo = b"\x80\x02h\x05."
    with pytest.raises(pickle.UnpicklingError):
        sp.loads(unset_memo)


def test_newobj_routes_are_checked_like_direct_calls():
    # copyreg.__newobj__(bytes, 2**40) and NEWOBJ(bytes, (2**40,)): written by
    # hand, since pickle refuses to produce them.
    huge = b"\x8a\x06\x00\x00\x00\x00\x00\x01"  # LONG1 2**40
    via_copyreg = b"\x80\x02ccopyreg\n__newobj__\ncbuiltins\nbytes\n" + huge + b"\x86R."
    via_newobj = b"\x80\x02cbuiltins\nbytes\n" + huge + b"\x85\x81."
    for data in (via_copyreg, via_newobj):
        with pytest.raises(ValueError, match="refusing"):
            sp.loads(data)
