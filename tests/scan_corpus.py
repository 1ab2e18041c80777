"""A corpus for `serialkit scan`, built by hand: benign files of every kind
the scanner reads, and malicious ones covering each technique and each
published picklescan bypass found (named after its advisory).

Pure Python: numpy, torch and joblib layouts are written byte by byte
(`struct`, `zipfile`, `zlib`), and every malicious pickle is assembled from
opcodes, so building the corpus imports none of the modules it names. They are
never loaded by anything but the scanners; their payloads are harmless
anyway (`true`, `None`, `/dev/null`, 127.0.0.1 port 9) should one ever be.

`build(directory)` writes the files and returns a `Sample` for each; the
tests (tests/test_scan_corpus.py) and the benchmark (benches/scan_bench.py)
share it.
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

# --- samples -----------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    name: str
    path: Path
    malicious: bool
    #: What the sample exercises (and, for a bypass, its advisory).
    technique: str
    #: For malicious samples: the dotted global a loader would import or
    #: call that makes it dangerous, as the scanner reports it.
    expected: str | None = None


class _Corpus:
    def __init__(self, directory: Path, write: bool) -> None:
        self.directory = directory
        self.write = write
        self.samples: list[Sample] = []

    def add(self, name: str, data: bytes, technique: str, expected: str | None = None) -> None:
        if any(sample.name == name for sample in self.samples):
            raise ValueError(f"duplicate sample name {name!r}")
        path = self.directory / name
        if self.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        self.samples.append(Sample(name, path, expected is not None, technique, expected))

    def benign(self, name: str, data: bytes, technique: str) -> None:
        self.add(f"benign/{name}", data, technique)

    def malicious(self, name: str, data: bytes, technique: str, expected: str) -> None:
        self.add(f"malicious/{name}", data, technique, expected)


# --- a small pickle assembler --------------------------------------------------

STOP = b"."
MARK = b"("
TUPLE = b"t"
REDUCE = b"R"
BUILD = b"b"
STACK_GLOBAL = b"\x93"
MEMOIZE = b"\x94"
NEWOBJ = b"\x81"
NEWOBJ_EX = b"\x92"
EMPTY_TUPLE = b")"
EMPTY_DICT = b"}"
SETITEMS = b"u"
POP = b"0"
DUP = b"2"


def proto(protocol: int) -> bytes:
    return b"\x80" + bytes([protocol]) if protocol >= 2 else b""


def text(value: str, protocol: int) -> bytes:
    """A str: UNICODE at protocol 0, SHORT_BINUNICODE or BINUNICODE after."""
    if protocol == 0:
        return b"V" + value.encode("raw_unicode_escape") + b"\n"
    raw = value.encode("utf-8")
    if protocol >= 4 and len(raw) < 256:
        return b"\x8c" + bytes([len(raw)]) + raw
    return b"X" + struct.pack("<I", len(raw)) + raw


def value(item: object, protocol: int) -> bytes:
    """Plain data as opcodes; containers through MARK so every protocol reads them."""
    if item is None:
        return b"N"
    if isinstance(item, bool):
        if protocol >= 2:
            return b"\x88" if item else b"\x89"
        return b"I01\n" if item else b"I00\n"
    if isinstance(item, int):
        if protocol >= 1 and -(2**31) <= item < 2**31:
            return b"J" + struct.pack("<i", item)
        return b"I%d\n" % item
    if isinstance(item, float):
        return b"G" + struct.pack(">d", item) if protocol >= 1 else b"F%r\n" % item
    if isinstance(item, str):
        return text(item, protocol)
    if isinstance(item, (bytes, bytearray)):
        if protocol < 3:
            raise ValueError("bytes need protocol 3")
        if len(item) < 256:
            return b"C" + bytes([len(item)]) + bytes(item)
        return b"B" + struct.pack("<I", len(item)) + bytes(item)
    if isinstance(item, tuple):
        if not item:
            return EMPTY_TUPLE
        return MARK + b"".join(value(x, protocol) for x in item) + TUPLE
    if isinstance(item, list):
        return MARK + b"".join(value(x, protocol) for x in item) + b"l"
    if isinstance(item, dict):
        pairs = b"".join(value(k, protocol) + value(v, protocol) for k, v in item.items())
        return MARK + pairs + b"d"
    raise TypeError(f"cannot assemble {type(item).__name__}")


def glob(module: str, name: str, protocol: int) -> bytes:
    """GLOBAL up to protocol 3, STACK_GLOBAL from 4 (which dotted names need)."""
    if protocol >= 4:
        return text(module, protocol) + text(name, protocol) + STACK_GLOBAL
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def call(module: str, name: str, args: tuple, protocol: int = 4) -> bytes:
    """`module.name(*args)` through REDUCE, without PROTO or STOP."""
    return glob(module, name, protocol) + value(args, protocol) + REDUCE


def reduce_pickle(module: str, name: str, args: tuple, protocol: int = 4) -> bytes:
    return proto(protocol) + call(module, name, args, protocol) + STOP


def frame(body: bytes) -> bytes:
    return b"\x95" + struct.pack("<Q", len(body)) + body


# --- container layouts, written by hand ------------------------------------------


def npy(descr: str, shape: tuple, body: bytes, version: int = 1) -> bytes:
    """A .npy file: magic, version, header length, a dict literal padded
    with spaces and a newline to a multiple of 64 bytes, then the data."""
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    prefix = 10 if version == 1 else 12
    padding = -(prefix + len(header) + 1) % 64
    header_bytes = (header + " " * padding + "\n").encode("latin-1")
    length = struct.pack("<H" if version == 1 else "<I", len(header_bytes))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header_bytes + body


def numpy_dtype(code: str, protocol: int, byteorder: str = "<") -> bytes:
    """`numpy.dtype(code, False, True)` with its BUILD state, as numpy pickles
    it; object dtypes carry flags 63 (holds references, needs init, ...)."""
    flags = 63 if code == "O8" else 0
    state = (3, byteorder, None, None, None, -1, -1, flags)
    return call("numpy", "dtype", (code, False, True), protocol) + value(state, protocol) + BUILD


def byte_string(data: bytes, protocol: int) -> bytes:
    """bytes as numpy pickles them: opcodes from protocol 3, before that
    `_codecs.encode(text, "latin1")`."""
    if protocol >= 3:
        return value(data, protocol)
    return call("_codecs", "encode", (data.decode("latin-1"), "latin1"), protocol)


def numpy_object_array(items: list, protocol: int, item_opcodes: bytes = b"") -> bytes:
    """The pickle numpy writes for a 1-D object array: `_reconstruct`, then
    BUILD with (version, shape, dtype, fortran, list of items); the items
    are `items` followed by whatever `item_opcodes` push."""
    array = glob("numpy.core.multiarray", "_reconstruct", protocol)
    array += MARK + glob("numpy", "ndarray", protocol) + value((0,), protocol)
    array += byte_string(b"b", protocol) + TUPLE + REDUCE
    contents = MARK + b"".join(value(x, protocol) for x in items) + item_opcodes + b"l"
    state = (
        MARK
        + value(1, protocol)
        + value((len(items) + (1 if item_opcodes else 0),), protocol)
        + numpy_dtype("O8", protocol, "|")
        + value(False, protocol)
        + contents
        + TUPLE
    )
    return array + state + BUILD


def zip_archive(
    members: list[tuple[str, bytes]],
    *,
    compression: int = zipfile.ZIP_STORED,
    align: int = 0,
) -> bytes:
    """A zip written with `zipfile`; with `align`, each member's data starts
    at a multiple of it, padded by an extra field as torch.save does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = compression
            if align:
                start = buffer.tell() + 30 + len(name.encode()) + 4
                info.extra = b"FB" + struct.pack("<H", -start % align) + b"Z" * (-start % align)
            archive.writestr(info, data)
    return buffer.getvalue()


class _Unseekable:
    """A write-only stream: zipfile then sets flag bit 3 and writes each
    member's CRC and sizes in a data descriptor after its data."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk: bytes) -> int:
        self.data += chunk
        return len(chunk)

    def flush(self) -> None:
        pass


def streamed_zip(members: list[tuple[str, bytes]], *, zip64: bool = False) -> bytes:
    """A zip written to a stream that cannot seek: local headers with zero
    sizes, data descriptors, and with `zip64` the zip64 extra fields."""
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w") as archive:  # type: ignore[arg-type]
        for name, data in members:
            with archive.open(name, "w", force_zip64=zip64) as member:
                member.write(data)
    return bytes(stream.data)


def set_flag_bits(archive: bytes, bits: int) -> bytes:
    """Sets general-purpose flag bits in every local and central header."""
    data = bytearray(archive)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            flags = struct.unpack_from("<H", data, at + offset)[0]
            struct.pack_into("<H", data, at + offset, flags | bits)
            at = data.find(signature, at + 4)
    return bytes(data)


def break_crcs(archive: bytes) -> bytes:
    """Wrong CRC-32 in every local and central header."""
    data = bytearray(archive)
    for signature, offset in ((b"PK\x03\x04", 14), (b"PK\x01\x02", 16)):
        at = data.find(signature)
        while at >= 0:
            crc = struct.unpack_from("<I", data, at + offset)[0]
            struct.pack_into("<I", data, at + offset, crc ^ 0xDEADBEEF)
            at = data.find(signature, at + 4)
    return bytes(data)


def rename_in_central_directory(archive: bytes, old: str, new: str) -> bytes:
    """The central directory names a member `new`, its local header `old`
    (same length), which torch tolerates and zipfile refuses."""
    assert len(old) == len(new)
    central = archive.index(b"PK\x01\x02")
    at = archive.index(old.encode(), central)
    return archive[:at] + new.encode() + archive[at + len(old) :]


# --- torch layouts ---------------------------------------------------------------

TORCH_MAGIC = 0x1950A86A20F9469CFC6C


def torch_tensor(
    key: str, numel: int, storage: str = "FloatStorage", location: str = "cpu"
) -> bytes:
    """`_rebuild_tensor_v2(storage, 0, (numel,), (1,), False, OrderedDict())`
    with the storage as a persistent id, as torch.save pickles a tensor."""
    pid = (
        MARK
        + value("storage", 2)
        + glob("torch", storage, 2)
        + value(key, 2)
        + value(location, 2)
        + value(numel, 2)
        + TUPLE
        + b"Q"
    )
    args = (
        MARK
        + pid
        + value(0, 2)
        + value((numel,), 2)
        + value((1,), 2)
        + value(False, 2)
        + glob("collections", "OrderedDict", 2)
        + EMPTY_TUPLE
        + REDUCE
        + TUPLE
    )
    return glob("torch._utils", "_rebuild_tensor_v2", 2) + args + REDUCE


def torch_state_dict(tensors: dict[str, tuple[str, int]], extra: bytes = b"") -> bytes:
    """data.pkl of a state dict: an OrderedDict of tensors with its
    `_metadata` attribute set by BUILD; `extra` adds more items."""
    items = b"".join(value(name, 2) + torch_tensor(key, n) for name, (key, n) in tensors.items())
    metadata = EMPTY_DICT + value("_metadata", 2) + glob("collections", "OrderedDict", 2)
    metadata += EMPTY_TUPLE + REDUCE + MARK + value("", 2) + value({"version": 1}, 2) + SETITEMS
    metadata += b"s"
    return (
        proto(2)
        + glob("collections", "OrderedDict", 2)
        + EMPTY_TUPLE
        + REDUCE
        + MARK
        + items
        + extra
        + SETITEMS
        + metadata
        + BUILD
        + STOP
    )


def torch_zip(data_pkl: bytes, storages: dict[str, bytes], prefix: str = "archive") -> bytes:
    """The torch.save zip layout, every member's data 64-byte aligned."""
    members = [(f"{prefix}/data.pkl", data_pkl), (f"{prefix}/.format_version", b"1")]
    members.append((f"{prefix}/.storage_alignment", b"64"))
    members.append((f"{prefix}/byteorder", b"little"))
    members += storages_members(storages, prefix)
    members.append((f"{prefix}/version", b"3\n"))
    members.append(
        (f"{prefix}/.data/serialization_id", b"1234567890123456789012345678901234567890")
    )
    return zip_archive(members, align=64)


def storages_members(storages: dict[str, bytes], prefix: str = "archive") -> list:
    return [(f"{prefix}/data/{key}", raw) for key, raw in storages.items()]


def floats(count: int) -> bytes:
    return struct.pack(f"<{count}f", *(i * 0.5 for i in range(count)))


def legacy_torch(
    data_pickle: bytes, storages: dict[str, bytes], magic: bytes | None = None
) -> bytes:
    """torch's format before 1.6: pickles of the magic number, the protocol
    version and sys_info, the data, the storage keys, then raw storages."""
    if magic is None:
        magic = proto(2) + b"\x8a\x0a" + TORCH_MAGIC.to_bytes(10, "little") + STOP
    sys_info = {"protocol_version": 1001, "little_endian": True}
    sys_info["type_sizes"] = {"short": 2, "int": 4, "long": 4}
    out = magic + proto(2) + value(1001, 2) + STOP
    out += proto(2) + value(sys_info, 2) + STOP
    out += data_pickle
    out += proto(2) + value(list(storages), 2) + STOP
    for raw in storages.values():
        out += struct.pack("<q", len(raw) // 4) + raw
    return out


# --- joblib layouts ----------------------------------------------------------------


def joblib_array_wrapper(shape: tuple, code: str, protocol: int = 4) -> bytes:
    """joblib's NumpyArrayWrapper: NEWOBJ, then BUILD with its state."""
    state = (
        MARK
        + value("subclass", protocol)
        + glob("numpy", "ndarray", protocol)
        + value("shape", protocol)
        + value(shape, protocol)
        + value("order", protocol)
        + value("C", protocol)
        + value("dtype", protocol)
        + numpy_dtype(code, protocol, "|" if code == "O8" else "<")
        + value("allow_mmap", protocol)
        + value(False, protocol)
        + value("numpy_array_alignment_bytes", protocol)
        + value(16, protocol)
        + b"d"
    )
    wrapper = glob("joblib.numpy_pickle", "NumpyArrayWrapper", protocol) + EMPTY_TUPLE + NEWOBJ
    return wrapper + state + BUILD


def joblib_numeric(prefix: bytes, raw: bytes) -> bytes:
    """What follows a numeric wrapper's BUILD (joblib >= 1.2): one byte
    giving the padding length, that much 0xFF padding so the array data is
    16-byte aligned in the file, then the data."""
    padding = -(len(prefix) + 1) % 16
    return bytes([padding]) + b"\xff" * padding + raw


def joblib_with_array(raw: bytes, count: int, after: bytes = b"") -> bytes:
    """A joblib dump of {"weights": float32 array, "name": "demo"}, framed
    as joblib frames it: one frame up to the wrapper's BUILD, the array
    data outside any frame, a new frame for the rest. `after` goes in the
    outer pickle after the array data."""
    head = EMPTY_DICT + MARK + value("weights", 4) + joblib_array_wrapper((count,), "f4")
    head = proto(4) + frame(head)
    tail = value("name", 4) + value("demo", 4) + after + SETITEMS + STOP
    return head + joblib_numeric(head, raw) + frame(tail)


def joblib_with_object_array(items: list, item_opcodes: bytes = b"") -> bytes:
    """An object-dtype array in a joblib dump: the wrapper is followed by a
    nested protocol-2 pickle of the array, then the outer pickle goes on."""
    count = len(items) + (1 if item_opcodes else 0)
    head = EMPTY_DICT + value("objects", 4) + joblib_array_wrapper((count,), "O8")
    nested = proto(2) + numpy_object_array(items, 2, item_opcodes) + STOP
    return proto(4) + frame(head) + nested + b"s" + STOP


# --- the corpus ------------------------------------------------------------------

PLAIN = {
    "name": "serialkit",
    "numbers": [0, -1, 2**31, 2**70, 1.5, -0.0, 1 + 2j],
    "flags": (True, False, None),
    "bytes": b"\x00\x01raw",
    "looks like a pickle": b"\x80\x04 but is not one",
    "text": "naïve ☃",
    "nested": {"a": [1, {"b": (2, 3)}], "set": {1, 2}, "frozen": frozenset({"x"})},
    "array": bytearray(b"abc"),
}


def _plain_data() -> dict:
    import collections
    import datetime
    import decimal
    import fractions
    import uuid

    data = dict(PLAIN)
    data["when"] = datetime.datetime(2025, 3, 4, 5, 6, 7, 890, tzinfo=datetime.timezone.utc)
    data["day"] = datetime.date(2025, 3, 4)
    data["delta"] = datetime.timedelta(days=1, seconds=2)
    data["price"] = decimal.Decimal("12.50")
    data["ratio"] = fractions.Fraction(3, 4)
    data["id"] = uuid.UUID(int=12345)
    data["ordered"] = collections.OrderedDict(b=1, a=2)
    data["counts"] = collections.Counter("hello")
    data["default"] = collections.defaultdict(list, {"k": [1]})
    data["queue"] = collections.deque([1, 2])
    return data


def _benign(corpus: _Corpus) -> None:
    data = _plain_data()
    for protocol in range(6):
        corpus.benign(
            f"plain-protocol-{protocol}.pkl",
            pickle.dumps(data, protocol=protocol),
            f"plain data and safe types (datetime, Decimal, ...) at protocol {protocol}",
        )
    records = [{"id": i, "name": f"record-{i:05d}", "score": i / 7} for i in range(20_000)]
    corpus.benign(
        "records-large.pkl", pickle.dumps(records, protocol=4), "a large protocol 4 pickle (frames)"
    )
    corpus.benign(
        "concatenated.pkl",
        pickle.dumps([1, 2], protocol=2) + pickle.dumps({"b": 3}, protocol=5),
        "two benign pickles back to back",
    )
    inner = pickle.dumps({"inner": [1, 2, 3]}, protocol=4)
    corpus.benign(
        "nested-in-bytes.pkl",
        pickle.dumps({"blob": inner}, protocol=4),
        "a benign pickle nested in a bytes value",
    )
    names = {"module": "os", "name": "system", "opcodes": "cos\nsystem\n(S'true'\ntR."}
    corpus.benign(
        "strings-naming-globals.pkl",
        pickle.dumps([names, b"cos\nsystem\n"], protocol=4),
        "strings and bytes that spell os.system, as data",
    )
    corpus.benign(
        "reduce-safe-globals.pkl",
        proto(4) + call("builtins", "set", ([1, 2],)) + STOP,
        "REDUCE of a safe global (builtins.set)",
    )

    # numpy
    corpus.benign(
        "float-array.npy",
        npy("<f8", (4,), struct.pack("<4d", 1, 2, 3, 4)),
        ".npy, float64, version 1.0",
    )
    corpus.benign(
        "int-array-v2.npy",
        npy("<i4", (2, 2), struct.pack("<4i", 1, 2, 3, 4), version=2),
        ".npy, int32, version 2.0 header",
    )
    object_array = proto(2) + numpy_object_array([1, "a", None], 2) + STOP
    corpus.benign(
        "object-array.npy",
        npy("|O", (3,), object_array),
        ".npy with object dtype holding plain values",
    )
    npz_members = [
        ("a.npy", npy("<f4", (3,), floats(3))),
        ("b.npy", npy("|O", (3,), object_array)),
    ]
    corpus.benign(
        "arrays.npz", zip_archive(npz_members), "np.savez layout: stored zip of .npy members"
    )
    corpus.benign(
        "arrays-compressed.npz",
        zip_archive(npz_members, compression=zipfile.ZIP_DEFLATED),
        "np.savez_compressed layout: deflated zip members (method 8)",
    )

    # torch
    weights = {"weight": ("0", 4), "bias": ("1", 2)}
    # Tensor data that happens to start like a pickle must not confuse the scan.
    storages = {"0": b"\x80\x02" + floats(4)[2:], "1": floats(2)}
    corpus.benign(
        "model.pt",
        torch_zip(torch_state_dict(weights), storages),
        "torch.save zip layout (aligned members)",
    )
    corpus.benign(
        "model-large.pt",
        torch_zip(
            torch_state_dict({"weight": ("0", 262_144)}),
            {"0": floats(262_144)},
            prefix="model-large",
        ),
        "torch.save zip with a 1 MiB tensor",
    )
    corpus.benign(
        "legacy-model.pt",
        legacy_torch(torch_state_dict(weights), storages),
        "legacy torch file: magic number, protocol, sys_info and data pickles, then raw storages",
    )

    # joblib
    corpus.benign(
        "plain.joblib",
        pickle.dumps({"model": "linear", "coef": [0.5, 1.5]}, protocol=4),
        "joblib dump of plain data",
    )
    corpus.benign(
        "array.joblib",
        joblib_with_array(floats(8), 8),
        "joblib >= 1.2 NumpyArrayWrapper: padding length, 0xFF padding, raw data, more pickle",
    )
    corpus.benign(
        "object-array.joblib",
        joblib_with_object_array([1, "two", None]),
        "joblib object-dtype array: the wrapper followed by a nested protocol-2 pickle",
    )
    corpus.benign(
        "array-zlib.joblib",
        zlib.compress(joblib_with_array(floats(8), 8), 3),
        "joblib dump with compress=True (a zlib stream)",
    )
    corpus.benign(
        "streamed.pt",
        streamed_zip(
            [("archive/data.pkl", torch_state_dict(weights)), *storages_members(storages)],
            zip64=True,
        ),
        "torch-style zip with data descriptors and zip64 extra fields",
    )
    corpus.benign(
        "documents.zip",
        zip_archive([("readme.txt", b"hello"), ("data.pkl", pickle.dumps([1, 2], protocol=4))]),
        "plain zip holding text and a benign pickle",
    )


OS_SYSTEM = ("os", "system", ("true",))


def s(item: str) -> bytes:
    """A protocol 4 string operand."""
    return text(item, 4)


def _techniques(corpus: _Corpus) -> None:
    m = corpus.malicious
    for protocol in range(6):
        opcode = "STACK_GLOBAL" if protocol >= 4 else "GLOBAL"
        m(
            f"os-system-protocol-{protocol}.pkl",
            reduce_pickle(*OS_SYSTEM, protocol=protocol),
            f"{opcode} + REDUCE of os.system at protocol {protocol}",
            "os.system",
        )
    m(
        "posix-system.pkl",
        reduce_pickle("posix", "system", ("true",), 2),
        "posix.system, what pickle.dumps(os.system) writes on Linux",
        "posix.system",
    )
    m("inst.pkl", MARK + value("true", 0) + b"ios\nsystem\n" + STOP, "INST os.system", "os.system")
    m(
        "obj.pkl",
        MARK + glob("os", "system", 1) + value("true", 1) + b"o" + STOP,
        "OBJ os.system",
        "os.system",
    )
    popen = glob("subprocess", "Popen", 4)
    m(
        "newobj.pkl",
        proto(4) + popen + value((["true"],), 4) + NEWOBJ + STOP,
        "NEWOBJ of subprocess.Popen",
        "subprocess.Popen",
    )
    m(
        "newobj-ex.pkl",
        proto(4) + popen + value((["true"],), 4) + value({}, 4) + NEWOBJ_EX + STOP,
        "NEWOBJ_EX of subprocess.Popen",
        "subprocess.Popen",
    )
    # BUILD looks __setstate__ up on the instance: a first BUILD puts
    # os.system there, a second calls it. No REDUCE anywhere.
    m(
        "build-setstate.pkl",
        proto(2)
        + glob("collections", "OrderedDict", 2)
        + EMPTY_TUPLE
        + REDUCE
        + EMPTY_DICT
        + value("__setstate__", 2)
        + glob("os", "system", 2)
        + b"s"
        + BUILD
        + value("true", 2)
        + BUILD
        + STOP,
        "BUILD with state: a first BUILD sets __setstate__ to os.system, a second calls it",
        "os.system",
    )
    pid = (
        MARK
        + value("storage", 2)
        + glob("os", "system", 2)
        + value("0", 2)
        + value("cpu", 2)
        + value(1, 2)
        + TUPLE
    )
    m(
        "persid.pkl",
        proto(2) + pid + b"Q" + STOP,
        "BINPERSID whose persistent id names os.system (torch's persistent_load reads it)",
        "os.system",
    )
    m(
        "persid-protocol-0.pkl",
        b"Pos.system\n" + glob("os", "system", 0) + POP + STOP,
        "PERSID (protocol 0) next to a GLOBAL os.system",
        "os.system",
    )
    # copyreg.add_extension makes a later EXT code stand for os.system,
    # which then never appears by name.
    m(
        "ext-codes.pkl",
        proto(2)
        + call("copyreg", "add_extension", ("os", "system", 0xF0), 2)
        + POP
        + b"\x82\xf0"
        + value(("true",), 2)
        + REDUCE
        + POP
        + b"\x83\xf0\x00"
        + POP
        + b"\x84\xf0\x00\x00\x00"
        + STOP,
        "EXT1/EXT2/EXT4 codes registered by copyreg.add_extension to mean os.system",
        "copyreg.add_extension",
    )
    # STACK_GLOBAL operands from elsewhere than the two opcodes before it.
    m(
        "stack-global-memo.pkl",
        proto(4)
        + s("os")
        + MEMOIZE
        + POP
        + s("system")
        + MEMOIZE
        + POP
        + s("torch")
        + MEMOIZE
        + s("FloatStorage")
        + MEMOIZE
        + POP
        + POP
        + b"h\x00h\x01"
        + STACK_GLOBAL
        + value(("true",), 4)
        + REDUCE
        + STOP,
        "STACK_GLOBAL of memoized strings fetched by BINGET, decoy strings just before",
        "os.system",
    )
    m(
        "stack-global-put-get.pkl",
        b"Vos\np2\n0Vsystem\np3\n0Vtorch\np0\n0VLongStorage\np1\n0g2\ng3\n\x93(Vtrue\ntR.",
        "STACK_GLOBAL of strings stored by PUT, fetched by GET, protocol 0 (ImaginaryCTF 2023)",
        "os.system",
    )
    m(
        "stack-global-dup.pkl",
        proto(4)
        + s("os")
        + s("system")
        + DUP
        + POP
        + STACK_GLOBAL
        + value(("true",), 4)
        + REDUCE
        + STOP,
        "STACK_GLOBAL right after DUP and POP",
        "os.system",
    )
    m(
        "stack-global-unicode.pkl",
        b"Vos\nVsystem\n\x93(Vtrue\ntR.",
        "STACK_GLOBAL fed by protocol 0 UNICODE strings, no PROTO",
        "os.system",
    )
    m(
        "stack-global-binstring.pkl",
        proto(4) + b"U\x02osU\x06system" + STACK_GLOBAL + value(("true",), 4) + REDUCE + STOP,
        "STACK_GLOBAL fed by SHORT_BINSTRING (Python 2 str)",
        "os.system",
    )
    m(
        "python2-builtins.pkl",
        b"c__builtin__\neval\n(S'None'\ntR.",
        "Python 2 name __builtin__.eval, mapped to builtins.eval by the loader",
        "builtins.eval",
    )
    m(
        "python2-commands.pkl",
        proto(2) + call("commands", "getoutput", ("true",), 2) + STOP,
        "Python 2 module commands, mapped to subprocess by the loader",
        "subprocess.getoutput",
    )
    m(
        "dotted-attribute-chain.pkl",
        reduce_pickle("pathlib", "os.system", ("true",)),
        "dotted qualname reaching os.system through pathlib.os",
        "pathlib.os.system",
    )
    m(
        "submodule.pkl",
        reduce_pickle("multiprocessing.util", "spawnv_passfds", ("true", ["true"], ())),
        "a submodule of a dangerous package",
        "multiprocessing.util.spawnv_passfds",
    )
    m(
        "getattr-import.pkl",
        proto(4)
        + glob("builtins", "getattr", 4)
        + MARK
        + call("builtins", "__import__", ("os",))
        + s("system")
        + TUPLE
        + REDUCE
        + value(("true",), 4)
        + REDUCE
        + STOP,
        "getattr(__import__('os'), 'system')('true'): a call on a call's result",
        "builtins.getattr",
    )
    m(
        "operator-attrgetter.pkl",
        proto(4)
        + call("operator", "attrgetter", ("system",))
        + MARK
        + call("builtins", "__import__", ("os",))
        + TUPLE
        + REDUCE
        + value(("true",), 4)
        + REDUCE
        + STOP,
        "operator.attrgetter('system')(__import__('os'))('true')",
        "operator.attrgetter",
    )
    m(
        "sour-pickles.pkl",
        b"c__builtin__\nglobals\n(tRp100\n0c__builtin__\ncompile\n(S'None'\nS''\nS'eval'\ntRp101\n0"
        b"c__builtin__\neval\n(g101\ng100\ntR.",
        "globals/compile/eval chain with PUT and GET (Sour Pickles, Black Hat 2011)",
        "builtins.eval",
    )
    m(
        "concatenated.pkl",
        pickle.dumps(["a", "b"], protocol=2) + reduce_pickle(*OS_SYSTEM, protocol=2),
        "a benign pickle, then a malicious one",
        "os.system",
    )
    m(
        "truncated-tail.pkl",
        reduce_pickle(*OS_SYSTEM, protocol=0)[:-1] + b"(S'unterminated",
        "payload, then a truncated string: the loader runs the payload before failing",
        "os.system",
    )
    m(
        "malformed-tail.pkl",
        reduce_pickle(*OS_SYSTEM, protocol=2)[:-1] + b"\xff\xfe",
        "payload, then an invalid opcode",
        "os.system",
    )
    body = call(*OS_SYSTEM) + STOP
    cut = body.index(b"system") + 3
    m(
        "frame-straddle.pkl",
        proto(4) + frame(body[:cut])[:9] + body,
        "FRAME whose declared end falls inside the 'system' string: the opcode straddles the frame",
        "os.system",
    )
    m(
        "misplaced-proto.pkl",
        proto(2) + value([1], 2) + POP + proto(4) + call(*OS_SYSTEM) + proto(3) + STOP,
        "PROTO opcodes in the middle of the stream",
        "os.system",
    )
    inner = reduce_pickle("subprocess", "getoutput", ("true",))
    m(
        "nested-in-bytes.pkl",
        proto(4) + EMPTY_DICT + value("blob", 4) + value(inner, 4) + b"s" + STOP,
        "a malicious pickle inside a bytes value",
        "subprocess.getoutput",
    )
    outer = proto(4) + value([b"x", proto(4) + value(inner, 4) + STOP], 4) + STOP
    m("nested-twice.pkl", outer, "a malicious pickle two bytes values deep", "subprocess.getoutput")
    m(
        "bad-memo-reference.pkl",
        proto(4)
        + call(*OS_SYSTEM)
        + POP
        + s("os")
        + MEMOIZE
        + b"h\x03h\x00"
        + STACK_GLOBAL
        + b"K\x42"
        + STOP,
        "payload, then STACK_GLOBAL of a memo key never stored (picklescan keyerror-exploit)",
        "os.system",
    )
    m(
        "memo-type-confusion.pkl",
        proto(4)
        + call(*OS_SYSTEM)
        + POP
        + b"J\x2a\x00\x00\x00"
        + MEMOIZE
        + s("os")
        + MEMOIZE
        + b"h\x00h\x01"
        + STACK_GLOBAL
        + b"K\x42"
        + STOP,
        "payload, then STACK_GLOBAL of an int from the memo (picklescan type-confusion-exploit)",
        "os.system",
    )


def _containers(corpus: _Corpus) -> None:
    m = corpus.malicious
    payload = reduce_pickle(*OS_SYSTEM, protocol=2)
    weights = {"weight": ("0", 4)}
    storages = {"0": floats(4)}
    evil_item = value("evil", 2) + call(*OS_SYSTEM, protocol=2)
    m(
        "torch-zip.pt",
        torch_zip(torch_state_dict(weights, evil_item), storages),
        "torch zip whose data.pkl calls os.system among tensors",
        "os.system",
    )
    m(
        "torch-zip-other-prefix.pt",
        torch_zip(payload, storages, prefix="not-archive"),
        "torch zip with another folder name (torch accepts any)",
        "os.system",
    )
    m(
        "legacy-torch.pt",
        legacy_torch(torch_state_dict(weights, evil_item), storages),
        "legacy torch file whose data pickle (the fourth) calls os.system",
        "os.system",
    )
    eval_magic = (
        proto(2) + call("builtins", "eval", ("int('0x1950a86a20f9469cfc6c', 16)",), 2) + STOP
    )
    m(
        "legacy-torch-magic-eval.pt",
        legacy_torch(torch_state_dict(weights), storages, magic=eval_magic),
        "legacy torch file whose magic number comes from eval (picklescan pytorch_magic_bypass)",
        "builtins.eval",
    )
    evil_array = proto(2) + numpy_object_array([1], 2, call(*OS_SYSTEM, protocol=2)) + STOP
    m(
        "object-array.npy",
        npy("|O", (2,), evil_array),
        ".npy object array whose items call os.system",
        "os.system",
    )
    m(
        "object-array-v3.npy",
        npy("|O", (2,), evil_array, version=3),
        ".npy version 3.0 (4-byte header length) object array",
        "os.system",
    )
    ssl_array = (
        proto(2)
        + numpy_object_array([], 2, call("ssl", "get_server_certificate", (("127.0.0.1", 9),), 2))
        + STOP
    )
    m(
        "dns-exfiltration.npy",
        npy("|O", (1,), ssl_array),
        "object array calling ssl.get_server_certificate (picklescan dns_exfiltration.npy)",
        "ssl.get_server_certificate",
    )
    npz = [("clean.npy", npy("<f4", (3,), floats(3))), ("evil.npy", npy("|O", (2,), evil_array))]
    m(
        "arrays.npz",
        zip_archive(npz),
        "npz (stored) with a malicious object array member",
        "os.system",
    )
    m(
        "arrays-compressed.npz",
        zip_archive(npz, compression=zipfile.ZIP_DEFLATED),
        "np.savez_compressed layout (deflated members) with a malicious object array",
        "os.system",
    )
    m("plain.joblib", payload, "joblib file that is a plain malicious pickle", "os.system")
    m(
        "array-then-payload.joblib",
        joblib_with_array(floats(8), 8, value("evil", 4) + call(*OS_SYSTEM)),
        "joblib NumpyArrayWrapper and raw array data, then os.system in the rest of the pickle",
        "os.system",
    )
    m(
        "object-array.joblib",
        joblib_with_object_array([1], call(*OS_SYSTEM, protocol=2)),
        "joblib object array whose nested protocol-2 pickle calls os.system",
        "os.system",
    )
    m(
        "zlib.joblib",
        zlib.compress(joblib_with_array(floats(8), 8, value("evil", 4) + call(*OS_SYSTEM)), 3),
        "zlib-compressed joblib (compress=True) with os.system after the array data",
        "os.system",
    )
    m(
        "data-descriptor.pt",
        streamed_zip([("archive/data.pkl", payload), ("archive/version", b"3\n")]),
        "torch-style zip written to a stream: sizes only in data descriptors (flag bit 3)",
        "os.system",
    )
    m(
        "zip64.pt",
        streamed_zip([("archive/data.pkl", payload), ("archive/version", b"3\n")], zip64=True),
        "torch-style zip with zip64 extra fields and data descriptors",
        "os.system",
    )
    m(
        "plain.zip",
        zip_archive([("readme.txt", b"hello"), ("notes.txt", payload)]),
        "plain zip with a pickle member named notes.txt",
        "os.system",
    )
    m(
        "deflated.zip",
        zip_archive([("model.pkl", payload)], compression=zipfile.ZIP_DEFLATED),
        "zip with a deflated pickle member",
        "os.system",
    )


def _advisory(
    corpus: _Corpus,
    advisory: str,
    module: str,
    name: str,
    args: tuple,
    why: str,
    suffix: str = ".pkl",
) -> None:
    corpus.malicious(
        f"{advisory}{suffix}",
        reduce_pickle(module, name, args),
        f"{advisory}: {why}",
        f"{module}.{name}",
    )


CODE = "None"

#: (advisory, module, qualname, harmless arguments, what it is).
ADVISORY_GLOBALS = (
    ("CVE-2025-1716", "pip", "main", (["--version"],), "pip.main installs and runs packages"),
    (
        "GHSA-655q-fx9r-782v-inductor",
        "torch._inductor.codecache",
        "compile_file",
        ("", "", ["true"]),
        "torch._inductor compile_file runs a compiler command",
    ),
    (
        "GHSA-655q-fx9r-782v-pipepager",
        "pydoc",
        "pipepager",
        ("", "true"),
        "pydoc.pipepager runs a shell command",
    ),
    (
        "GHSA-655q-fx9r-782v-venv",
        "venv",
        "create",
        ("/nonexistent/venv", False, False, True, False, "true"),
        "venv.create runs pip",
    ),
    ("GHSA-v7x6-rv5q-mhwc", "timeit", "timeit", ("", CODE), "timeit.timeit executes code"),
    (
        "picklescan-numpy-runstring",
        "numpy.testing._private.utils",
        "runstring",
        (CODE, {}),
        "numpy.testing runstring is exec",
    ),
    (
        "CVE-2025-10157-GHSA-q77w-mwjj-7mqx",
        "asyncio.unix_events",
        "_UnixSubprocessTransport._start",
        ({}, "true", True, None, None, None, 0),
        "a submodule of asyncio spawns a process (JFrog's 'subclass' bypass of asyncio)",
    ),
    (
        "GHSA-4r9r-ch6f-vxmx",
        "torch.utils.bottleneck.__main__",
        "run_cprofile",
        (CODE, {}),
        "torch bottleneck run_cprofile executes code",
    ),
    (
        "GHSA-4whj-rm5r-c2v8",
        "torch.utils.bottleneck.__main__",
        "run_autograd_prof",
        (CODE, {}),
        "torch bottleneck run_autograd_prof executes code",
    ),
    (
        "GHSA-86cj-95qr-2p4f",
        "torch._dynamo.guards",
        "GuardBuilder.get",
        ({}, CODE),
        "torch._dynamo GuardBuilder.get evaluates code",
    ),
    (
        "GHSA-f4x7-rfwp-v3xw",
        "torch.fx.experimental.symbolic_shapes",
        "ShapeEnv.evaluate_guards_expression",
        ({}, CODE, []),
        "torch.fx ShapeEnv evaluates code",
    ),
    (
        "GHSA-f745-w6jp-hpxx",
        "torch.utils.collect_env",
        "run",
        ("true",),
        "torch collect_env.run runs a shell command",
    ),
    (
        "GHSA-h3qp-7fh3-f8h4",
        "torch.utils.data.datapipes.utils.decoder",
        "basichandlers",
        ("pickle", b""),
        "torch datapipes decoder loads a nested pickle",
    ),
    (
        "GHSA-vr7h-p6mm-wpmh",
        "torch.jit.unsupported_tensor_ops",
        "execWrapper",
        (CODE, {}, {}),
        "torch.jit execWrapper executes code",
    ),
    (
        "GHSA-vv6j-3g6g-2pvj",
        "torch.utils._config_module",
        "ConfigModule.load_config",
        ({}, b""),
        "torch ConfigModule.load_config loads a nested pickle",
    ),
    ("GHSA-5qwp-399c-mjwf", "trace", "Trace.run", ({}, CODE), "trace.Trace.run executes code"),
    (
        "GHSA-g344-hcph-8vgg",
        "trace",
        "Trace.runctx",
        ({}, CODE, {}, {}),
        "trace.Trace.runctx executes code",
    ),
    (
        "GHSA-x696-vm39-cp64",
        "profile",
        "Profile.run",
        ({}, CODE),
        "profile.Profile.run executes code",
    ),
    (
        "GHSA-6vqj-c2q5-j97w",
        "profile",
        "Profile.runctx",
        ({}, CODE, {}, {}),
        "profile.Profile.runctx executes code",
    ),
    (
        "GHSA-9w88-8rmg-7g2p",
        "cProfile",
        "runctx",
        (CODE, None, None),
        "cProfile.runctx executes code",
    ),
    ("GHSA-49gj-c84q-6qm9", "cProfile", "run", (CODE,), "cProfile.run executes code"),
    (
        "GHSA-f54q-57x4-jg88",
        "lib2to3.pgen2.grammar",
        "Grammar.loads",
        ({}, b""),
        "lib2to3 Grammar.loads loads a nested pickle",
    ),
    (
        "GHSA-p9w7-82w4-7q8m",
        "lib2to3.pgen2.pgen",
        "ParserGenerator.make_label",
        (None, {}, '""+None'),
        "lib2to3 ParserGenerator.make_label evaluates code",
    ),
    (
        "GHSA-3vg9-h568-4w9m",
        "idlelib.debugobj",
        "ObjectTreeItem.SetText",
        ({}, CODE),
        "idlelib ObjectTreeItem.SetText evaluates code",
    ),
    (
        "GHSA-6w4w-5w54-rjvr",
        "idlelib.autocomplete",
        "AutoComplete.get_entity",
        ({}, CODE),
        "idlelib AutoComplete.get_entity evaluates code",
    ),
    (
        "GHSA-7cq8-mj8x-j263",
        "idlelib.autocomplete",
        "AutoComplete.fetch_completions",
        ({}, CODE, 1),
        "idlelib AutoComplete.fetch_completions evaluates code",
    ),
    (
        "GHSA-8r4j-24qv-fmq9",
        "idlelib.calltip",
        "Calltip.fetch_tip",
        ({}, CODE),
        "idlelib Calltip.fetch_tip evaluates code",
    ),
    (
        "GHSA-9xph-j2h6-g47v",
        "idlelib.calltip",
        "get_entity",
        (CODE,),
        "idlelib calltip.get_entity evaluates code",
    ),
    (
        "GHSA-m869-42cg-3xwr",
        "idlelib.run",
        "Executive.runcode",
        ({}, CODE),
        "idlelib Executive.runcode executes code",
    ),
    (
        "GHSA-j343-8v2j-ff7w",
        "idlelib.pyshell",
        "ModifiedInterpreter.runcommand",
        ({}, CODE),
        "idlelib ModifiedInterpreter.runcommand executes code",
    ),
    (
        "GHSA-3gf5-cxq9-w223",
        "idlelib.pyshell",
        "ModifiedInterpreter.runcode",
        ({}, CODE),
        "idlelib ModifiedInterpreter.runcode executes code",
    ),
    (
        "GHSA-cj3c-v495-4xqh",
        "code",
        "InteractiveInterpreter.runcode",
        ({}, CODE),
        "code.InteractiveInterpreter.runcode executes code",
    ),
    (
        "GHSA-fqq6-7vqf-w3fg",
        "doctest",
        "debug_script",
        (CODE, True),
        "doctest.debug_script executes code",
    ),
    (
        "GHSA-xp4f-hrf8-rxw7",
        "ensurepip",
        "_run_pip",
        (["--version"],),
        "ensurepip._run_pip runs pip",
    ),
    (
        "GHSA-m273-6v24-x4m4",
        "distutils.file_util",
        "write_file",
        ("/dev/null", []),
        "distutils write_file writes any file",
    ),
    (
        "GHSA-4675-36f9-wf6r",
        "ctypes",
        "CDLL",
        (None,),
        "ctypes loads libraries and calls native code",
    ),
    (
        "GHSA-hgrh-qx5j-jfwx",
        "pty",
        "spawn",
        (["true"],),
        "pty.spawn runs a command (CVE-2025-71322; picklescan's sample GHSA-vqmv-47xg-9wpr)",
    ),
    (
        "GHSA-rrxm-2pvv-m66x",
        "numpy.f2py.crackfortran",
        "getlincoef",
        (CODE, []),
        "numpy.f2py getlincoef evaluates code (CVE-2025-71372; picklescan's GHSA-r8g5-cgf2-4m4m)",
    ),
    (
        "GHSA-6556-fwc2-fg2p",
        "numpy.f2py.crackfortran",
        "_eval_length",
        (CODE, {}),
        "numpy.f2py _eval_length evaluates code (CVE-2025-71339)",
    ),
    (
        "GHSA-cffc-mxrf-mhh4",
        "numpy.f2py.crackfortran",
        "param_eval",
        (CODE, {}),
        "numpy.f2py param_eval evaluates code (CVE-2025-71347)",
    ),
    (
        "GHSA-3329-ghmp-jmv5",
        "numpy.f2py.crackfortran",
        "myeval",
        (CODE,),
        "numpy.f2py myeval evaluates code (CVE-2025-71365)",
    ),
    ("GHSA-7wx9-6375-f5wh", "profile", "run", (CODE,), "profile.run executes code (2026)"),
    (
        "GHSA-955r-x9j8-7rhh",
        "_operator",
        "methodcaller",
        ("system", "true"),
        "_operator (the C operator module) methodcaller calls any method",
    ),
    (
        "GHSA-vvpj-8cmc-gx39",
        "pkgutil",
        "resolve_name",
        ("os:system",),
        "pkgutil.resolve_name reaches any global (2026)",
    ),
    (
        "GHSA-g38g-8gr9-h9xp-uuid",
        "uuid",
        "_get_command_stdout",
        ("true",),
        "uuid._get_command_stdout runs a command (2026)",
    ),
    (
        "GHSA-g38g-8gr9-h9xp-imaplib",
        "imaplib",
        "IMAP4_stream",
        ("true",),
        "imaplib.IMAP4_stream runs a shell command (2026)",
    ),
    (
        "GHSA-g38g-8gr9-h9xp-pyrepl",
        "_pyrepl.pager",
        "pipe_pager",
        ("", "true"),
        "_pyrepl pipe_pager runs a command (2026)",
    ),
    (
        "GHSA-g38g-8gr9-h9xp-osx-support",
        "_osx_support",
        "_read_output",
        ("true",),
        "_osx_support._read_output runs a command (2026)",
    ),
    (
        "GHSA-g38g-8gr9-h9xp-aix-support",
        "_aix_support",
        "_read_cmd_output",
        ("true",),
        "_aix_support._read_cmd_output runs a command (2026)",
    ),
    (
        "GHSA-g38g-8gr9-h9xp-test",
        "test.support.script_helper",
        "assert_python_ok",
        ("-c", "pass"),
        "test.support script_helper spawns Python (2026)",
    ),
    (
        "CVE-2026-56304",
        "logging",
        "FileHandler",
        ("/dev/null",),
        "logging.FileHandler creates files",
    ),
    ("picklescan-io-FileIO", "_io", "FileIO", ("/dev/null", "r"), "_io.FileIO opens any file"),
    (
        "picklescan-urlopen",
        "urllib.request",
        "urlopen",
        ("http://127.0.0.1:9/",),
        "urllib.request.urlopen opens connections",
    ),
    ("picklescan-aiohttp", "aiohttp.client", "ClientSession", (), "aiohttp opens connections"),
    ("picklescan-types-CodeType", "types", "CodeType", (0,), "types.CodeType builds code objects"),
    (
        "picklescan-cloudpickle",
        "cloudpickle.cloudpickle",
        "subimport",
        ("os",),
        "cloudpickle.subimport imports any module",
    ),
    (
        "picklescan-importlib",
        "importlib",
        "import_module",
        ("os",),
        "importlib.import_module imports any module (2026)",
    ),
    ("picklescan-marshal", "marshal", "loads", (b"N",), "marshal.loads builds code objects (2026)"),
)


def _advisories(corpus: _Corpus) -> None:
    for advisory, module, name, args, why in ADVISORY_GLOBALS:
        _advisory(corpus, advisory, module, name, args, why)
    m = corpus.malicious
    eval_pickle = reduce_pickle("builtins", "eval", (CODE,))
    m(
        "GHSA-655q-fx9r-782v-partial.pkl",
        # partial(torch.load) rebuilt as pickle writes it: REDUCE, BUILD
        # with (func, args, keywords, dict), then called with no arguments.
        proto(4)
        + glob("functools", "partial", 4)
        + MARK
        + glob("torch", "load", 4)
        + TUPLE
        + REDUCE
        + MARK
        + glob("torch", "load", 4)
        + value(("other_model.bin",), 4)
        + value({"weights_only": False}, 4)
        + b"N"
        + TUPLE
        + BUILD
        + EMPTY_TUPLE
        + REDUCE
        + STOP,
        "GHSA-655q-fx9r-782v: functools.partial(torch.load, ...) loads another file",
        "functools.partial",
    )
    collect_env = "torch.utils.collect_env"
    m(
        "GHSA-jhph-76pp-mggw.pkl",
        proto(4)
        + glob(collect_env, "run_and_read_all", 4)
        + MARK
        + glob(collect_env, "run", 4)
        + s("true")
        + TUPLE
        + REDUCE
        + STOP,
        "GHSA-jhph-76pp-mggw: torch collect_env.run_and_read_all(run, command) runs a command",
        f"{collect_env}.run_and_read_all",
    )
    m(
        "GHSA-84r2-jw7c-4r5q.pkl",
        proto(4)
        + call("operator", "methodcaller", ("system", "true"))
        + MARK
        + call("pydoc", "locate", ("os",))
        + TUPLE
        + REDUCE
        + STOP,
        "GHSA-84r2-jw7c-4r5q: operator.methodcaller('system', ...)(pydoc.locate('os'))",
        "pydoc.locate",
    )
    m(
        "GHSA-46h3-79wf-xr6c.pkl",
        proto(4)
        + call("_operator", "attrgetter", ("system",))
        + MARK
        + call("builtins", "__import__", ("os",))
        + TUPLE
        + REDUCE
        + value(("true",), 4)
        + REDUCE
        + STOP,
        "GHSA-46h3-79wf-xr6c: _operator.attrgetter('system')(__import__('os'))",
        "_operator.attrgetter",
    )
    m(
        "GHSA-9gvj-pp9x-gcfr.pkl",
        b"S'os'\nS'system'\n\x93S'true'\n\x85R.",
        "GHSA-9gvj-pp9x-gcfr: STACK_GLOBAL fed by protocol 0 STRING opcodes",
        "os.system",
    )
    m(
        "CVE-2025-10155.bin",
        reduce_pickle(
            "asyncio.unix_events",
            "_UnixSubprocessTransport._start",
            ({}, "true", True, None, None, None, 0),
        ),
        "CVE-2025-10155 (GHSA-jgw4-cr84-mqxg): a raw pickle with a torch extension (.bin)",
        "asyncio.unix_events._UnixSubprocessTransport._start",
    )
    m(
        "CVE-2025-1889.model",
        reduce_pickle(*OS_SYSTEM),
        "CVE-2025-1889: a pickle under an extension no scanner lists",
        "os.system",
    )
    torch_members = [("archive/data.txt", eval_pickle), ("archive/version", b"3\n")]
    m(
        "CVE-2025-1889-member.pt",
        zip_archive(torch_members),
        "CVE-2025-1889 (GHSA-769v-p64c-89pr): torch zip, pickle member with another extension",
        "builtins.eval",
    )
    data_pkl = [("archive/data.pkl", eval_pickle), ("archive/version", b"3\n")]
    m(
        "CVE-2025-1944.pt",
        rename_in_central_directory(zip_archive(data_pkl), "archive/data.pkl", "archive/datap.kl"),
        "CVE-2025-1944 (GHSA-7q5r-7gvp-wc82): data.pkl locally, datap.kl in the central directory",
        "builtins.eval",
    )
    for bits in (0x1, 0x20, 0x40):
        m(
            f"CVE-2025-1945-flag-{bits:#04x}.pt",
            set_flag_bits(zip_archive(data_pkl), bits),
            f"CVE-2025-1945 (GHSA-w8jq-xcqf-f792): zip flag bit {bits:#x} set, which torch ignores",
            "builtins.eval",
        )
    m(
        "CVE-2025-10156.pt",
        break_crcs(zip_archive(data_pkl)),
        "CVE-2025-10156: torch zip with wrong CRCs, which torch does not check",
        "builtins.eval",
    )


def build(directory: str | Path, write: bool = True) -> list[Sample]:
    """Writes the corpus under `directory` (benign/ and malicious/) and
    returns its samples, benign first; with `write=False`, only lists them."""
    corpus = _Corpus(Path(directory), write)
    _benign(corpus)
    _techniques(corpus)
    _containers(corpus)
    _advisories(corpus)
    return corpus.samples
