"""Hostile marshal data: truncated, corrupted, crafted. serialkit.marshal
raises ValueError or EOFError, quickly and within fixed memory, and never
crashes the interpreter, where the standard library's reader can."""

from __future__ import annotations

import contextlib
import marshal
import random
import subprocess
import sys
import time
import tracemalloc

import pytest
import serialkit.marshal as sm
from marshalcheck import CORPUS, VERSIONS


def encodings() -> list[bytes]:
    found = []
    for value in CORPUS:
        for version in VERSIONS:
            # The cyclic list cannot be written before version 3.
            with contextlib.suppress(ValueError):
                found.append(marshal.dumps(value, version))
    return found


ENCODINGS = encodings()


def test_every_proper_prefix_is_too_short():
    for data in ENCODINGS:
        for end in range(len(data)):
            with pytest.raises(EOFError):
                sm.loads(data[:end])


def test_random_mutations_never_crash():
    rng = random.Random(1234)
    outcomes = {"loaded": 0, "ValueError": 0, "EOFError": 0}
    for _ in range(20000):
        data = bytearray(rng.choice(ENCODINGS))
        for _ in range(rng.randint(1, 4)):
            action = rng.randrange(4)
            at = rng.randrange(len(data) + 1)
            if action == 0 and at < len(data):
                data[at] = rng.randrange(256)
            elif action == 1:
                data[at:at] = bytes([rng.randrange(256)])
            elif action == 2 and at < len(data):
                del data[at]
            else:
                data[at:at] = rng.choice([b"r\x00\x00\x00\x00", b"\xff\xff\xff\x7f", b"[", b"0"])
        try:
            sm.loads(bytes(data))
            outcomes["loaded"] += 1
        except (ValueError, EOFError) as error:
            outcomes[type(error).__name__ if type(error) is EOFError else "ValueError"] += 1
    # The mutations reach every outcome, so the loop exercised the reader.
    assert all(count > 0 for count in outcomes.values()), outcomes


# (data, exception, message) for each kind of hostile input.
CRAFTED = [
    (b"", EOFError, "EOF read where object expected"),
    (b"?", ValueError, r"bad marshal data \(unknown type code\)"),
    (b"r\x00\x00\x00\x00", ValueError, r"bad marshal data \(invalid reference\)"),
    (b"[\x01\x00\x00\x00r\x05\x00\x00\x00", ValueError, "invalid reference"),
    # A frozenset or code object is only referable once complete.
    (b"\xbe\x01\x00\x00\x00r\x00\x00\x00\x00", ValueError, "invalid reference"),
    # Huge declared sizes: the items run out first (nothing is allocated).
    (b"[\xff\xff\xff\x7f", EOFError, "EOF read where object expected"),
    (b"(\xff\xff\xff\x7f", EOFError, "EOF read where object expected"),
    (b"<\xff\xff\xff\x7f", EOFError, "EOF read where object expected"),
    (b"s\xff\xff\xff\x7fabc", EOFError, "marshal data too short"),
    (b"u\xff\xff\xff\x7fabc", EOFError, "marshal data too short"),
    (b"l\xff\xff\xff\x7f\x01\x00", EOFError, "marshal data too short"),
    (b"[\xff\xff\xff\xff", ValueError, r"bad marshal data \(list size out of range\)"),
    (b"l\x00\x00\x00\x80", ValueError, r"long size out of range"),
    (b"l\x01\x00\x00\x00\x00\x00", ValueError, r"unnormalized long data"),
    (b"l\x01\x00\x00\x00\x00\x80", ValueError, r"digit out of range in long"),
    (b"(\x01\x00\x00\x000", ValueError, "NULL object"),
    (b"f\x03abc", ValueError, "could not convert string to float"),
    (b"u\x02\x00\x00\x00\xff\xfe", ValueError, "can't decode"),
    # An unhashable set item (a list) is bad data too.
    (b"<\x01\x00\x00\x00[\x00\x00\x00\x00", ValueError, "unhashable"),
]


@pytest.mark.parametrize(("data", "error", "message"), CRAFTED)
def test_crafted_input_raises(data, error, message):
    with pytest.raises(error, match=message):
        sm.loads(data)


def test_deep_nesting_is_refused_quickly():
    data = b"[\x01\x00\x00\x00" * 200_000 + b"N"
    start = time.perf_counter()
    with pytest.raises(ValueError, match="recursion limit exceeded"):
        sm.loads(data)
    assert time.perf_counter() - start < 5


def test_nesting_up_to_cpythons_limit_loads():
    data = b"[\x01\x00\x00\x00" * 1999 + b"N"
    value = sm.loads(data)
    # (== would exceed the recursion limit; version 2 has no FLAG_REF.)
    assert marshal.dumps(value, 2) == data


def test_deep_nesting_on_a_small_thread_stack():
    import threading

    # The outer tuple flagged, as dumps writes a value held twice.
    data = b"\xa9\x01" + b")\x01" * 1998 + b"N"
    result = {}

    def load():
        result["value"] = sm.loads(data)

    threading.stack_size(256 * 1024)
    try:
        thread = threading.Thread(target=load)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(0)
    value = result["value"]
    assert marshal.dumps(value) == data


def test_huge_declared_sizes_allocate_nothing():
    tracemalloc.start()
    try:
        for code in b"[(<>sua":
            data = bytes([code]) + b"\xff\xff\xff\x7f" + b"\x00" * 64
            with pytest.raises((EOFError, ValueError)):
                sm.loads(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)


def test_input_that_crashes_the_stdlib_is_safe_here():
    # A tuple holding a frozenset that holds the tuple itself: CPython
    # hashes the tuple while its item is still NULL.
    data = b"\xa9\x01>\x01\x00\x00\x00r\x00\x00\x00\x00"
    crashed = run_python(f"import marshal; marshal.loads({data!r})")
    assert crashed.returncode < 0, "the standard library no longer crashes here"
    survived = run_python(
        "import serialkit.marshal as sm\n"
        f"value = sm.loads({data!r})\n"
        "inner = next(iter(value[0]))\n"
        "assert inner is value, value\n"
        "print('ok')"
    )
    assert survived.returncode == 0, survived.stderr
    assert survived.stdout.strip() == b"ok"


def test_code_streams_are_checked_before_the_interpreter_reads_them():
    code = compile("x = 1", "<test>", "exec")
    data = marshal.dumps(code)
    # The crash above, next to a code object: the stream is handed to the
    # interpreter's reader only if it passes serialkit's checks.
    hostile = b"\xa9\x02>\x01\x00\x00\x00r\x00\x00\x00\x00" + data
    with pytest.raises(ValueError, match="still being read"):
        sm.loads(hostile, allow_code=True)
    truncated = data[: len(data) // 2]
    with pytest.raises(EOFError):
        sm.loads(truncated, allow_code=True)


def handmade_code(localsplusnames: bytes) -> bytes:
    def long(n: int) -> bytes:
        return n.to_bytes(4, "little", signed=True)

    empty_bytes = b"s" + long(0)
    return (
        b"c"
        + long(0) * 3  # argcount, posonlyargcount, kwonlyargcount
        + long(1)  # stacksize
        + long(0)  # flags
        + b"s"
        + long(4)
        + bytes([151, 0, 83, 0])  # RESUME, RETURN_VALUE
        + b")\x01N"  # consts
        + b")\x00"  # names
        + localsplusnames
        + empty_bytes  # localspluskinds
        + b"z\x01f"  # filename
        + b"z\x01n"  # name
        + b"z\x01n"  # qualname
        + long(1)  # firstlineno
        + empty_bytes  # linetable
        + empty_bytes  # exceptiontable
    )


def test_code_fields_of_the_wrong_type_never_reach_the_interpreter():
    # CPython 3.11 takes co_localsplusnames' size as a tuple's before it
    # validates anything; serialkit checks every field's type first.
    with pytest.raises(ValueError, match="wrong types"):
        sm.loads(handmade_code(b"N"), allow_code=True)
    code = sm.loads(handmade_code(b")\x00"), allow_code=True)
    assert code.co_name == "n" and code.co_consts == (None,)


def test_code_objects_the_interpreter_refuses_raise_value_error():
    # Regression: with allow_code=True a structurally sound code object with
    # impossible counts reached the interpreter, whose SystemError leaked.
    code = bytearray(marshal.dumps(compile("x = 1", "<s>", "exec")))
    code[5] = 5  # posonlyargcount larger than argcount
    with pytest.raises(SystemError):
        marshal.loads(bytes(code))
    with pytest.raises(ValueError, match="bad marshal data"):
        sm.loads(bytes(code), allow_code=True)


# Streams with TYPE_SLICE (version 5): read as the running interpreter's
# marshal reads them, which before 3.14 is as an unknown type code, checked
# before anything after it.
SLICE_STREAMS = [
    b":",
    b":NN",
    b":i\x01\x00\x00\x00NN",
    b"\xbaNNN",
    b")\x02\xba\xe9\x01\x00\x00\x00NNr\x00\x00\x00\x00",
    b"\xba\xdb\x00\x00\x00\x00NNr\x01\x00\x00\x00",
    # A slice is referable only once complete.
    b"\xbar\x00\x00\x00\x00NN",
    b":N0N",
    b"[\x01\x00\x00\x00:[\x00\x00\x00\x00NN",
    # A NULL field makes the slice NULL, with no error of its own: a dict
    # ends there, a tuple is bad data, a frozenset too.
    b"{:0N",
    b"{\xda\x01k:N0\xda\x01v0",
    b")\x01:NN0",
    b">\x01\x00\x00\x00:0",
]


@pytest.mark.parametrize("data", SLICE_STREAMS)
def test_slice_streams_read_as_the_interpreter_reads_them(data):
    try:
        expected = marshal.loads(data)
    except (ValueError, EOFError, TypeError) as error:
        # The interpreter's TypeError for a NULL item is bad data here.
        kind = EOFError if isinstance(error, EOFError) else ValueError
        with pytest.raises(kind) as ours:
            sm.loads(data)
        assert str(error) in str(ours.value)
    else:
        assert sm.loads(data) == expected


# Streams with more than one fault, or a fault the reader could see early:
# CPython reads on until something fails, so the fault it reports is the
# first in reading order, not the declared size that cannot be met. (Sizes
# stay small here: CPython allocates what the data declares.)
ORDERED_FAULTS = [
    # A container declaring more items than there are bytes, and a bad
    # item before the input runs out.
    b"[\xe8\x03\x00\x00?",
    b"(\xe8\x03\x00\x00i\x01\x00",
    b")\xff:0",
    b"<\xe8\x03\x00\x00[\x00\x00\x00\x00",
    b"\xbe\x05\x00\x00\x00r\x00\x00\x00\x00",
    # ... which may refer to itself meanwhile (a list, not a frozenset).
    b"\xdb\xe8\x03\x00\x00r\x00\x00\x00\x00",
    b"[\xe8\x03\x00\x00[\x02\x00\x00\x00N",
    # A long declaring more digits than there are, one of them bad.
    b"l\x05\x00\x00\x00\x00\x80",
    b"l\x05\x00\x00\x00\x01\x00",
    b"l\x02\x00\x00\x00\x00\x00\x00\x00",
    # A missing length byte, and the text of a bad float as CPython shows it.
    b")",
    b"z",
    b"\xda",
    b"f",
    b"x\x011",
    b"f\x03a\x00b",
    b"f\x02\xc3(",
    b"f\x03in\n",
]


@pytest.mark.parametrize("data", ORDERED_FAULTS)
def test_the_fault_reported_is_the_interpreters(data):
    with pytest.raises((ValueError, EOFError, TypeError)) as theirs:
        marshal.loads(data)
    # The interpreter's TypeErrors (a NULL item, an unhashable set item)
    # are bad data here.
    kind = EOFError if theirs.type is EOFError else ValueError
    with pytest.raises(kind) as ours:
        sm.loads(data)
    assert str(theirs.value) in str(ours.value)
