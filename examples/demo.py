"""serialkit's demo: the tutorial in ../shared/seeds/000_a34ab7ff7dcb35f5.txt,
run with serialkit in place of the standard library, then a short tour of
what serialkit adds. Run it with `python3 dev.py demo`.

Each tutorial section prints exactly what the tutorial prints."""

from __future__ import annotations

import marshal as std_marshal
import os
import py_compile
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path

import serialkit.json as json
import serialkit.marshal as marshal
import serialkit.pickle as pickle
import serialkit.xml as xmltodict
import serialkit.yaml as yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


class Car:
    """Section 10's class; at module level (in __main__) as in the tutorial,
    so its pickle matches the tutorial's bytes."""

    def __init__(self, model, year):
        self.model = model
        self.year = year


@dataclass
class Person:
    """Section 9's dataclass; at module level so its repr reads as the
    tutorial's does."""

    name: str
    age: int
    city: str


def heading(title: str) -> None:
    print(f"\n=== {title} ===")


def tutorial_json_round_trip() -> None:
    heading("1. Serialization and Deserialization with JSON")
    data = {"name": "Alice", "age": 30, "city": "New York"}
    json_data = json.dumps(data)
    print("Serialized JSON:", json_data)
    python_data = json.loads(json_data)
    print("Deserialized Python object:", python_data)


def tutorial_pickle_round_trip() -> None:
    heading("2. Serialization and Deserialization with Pickle")
    data = {"name": "Bob", "age": 25, "city": "San Francisco"}
    pickle_data = pickle.dumps(data)
    print("Serialized Pickle data:", pickle_data)
    python_data = pickle.loads(pickle_data)
    print("Deserialized Python object:", python_data)


def tutorial_yaml_round_trip() -> None:
    heading("3. Serialization and Deserialization with YAML")
    data = {"name": "Charlie", "age": 35, "city": "Chicago"}
    # PyYAML's calls, unchanged: dump(data) returns what PyYAML returns and
    # any of its Loader names loads safely.
    yaml_data = yaml.dump(data)
    print("Serialized YAML data:\n", yaml_data)
    python_data = yaml.load(yaml_data, Loader=yaml.FullLoader)
    print("Deserialized Python object:", python_data)


def tour_yaml(folder: Path) -> None:
    heading("serialkit.yaml: YAML 1.2, safe, PyYAML-compatible")
    config = {"service": "api", "replicas": 3, "country": "NO", "version": "1.10", "café": True}
    text = yaml.dumps(config)
    print("dumps keeps order and unicode, and quotes only what must be:")
    print(text, end="")
    print("It reads back equal under both schemas:", yaml.loads(text) == config)
    print("YAML 1.1 (PyYAML) vs 1.2 on 'country: NO':", end=" ")
    print(yaml.safe_load("country: NO"), "vs", yaml.loads("country: NO"))
    laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefgh", "bcdefghi"):
        laughs.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    try:
        yaml.loads("\n".join(laughs))
    except yaml.LimitError as err:
        print("Billion laughs:", err)
    try:
        yaml.loads("!!python/object/apply:os.system [echo pwned]")
    except yaml.ConstructorError as err:
        print("Refused:", err)
    yaml.dump_all([{"doc": 1}, {"doc": 2}], folder / "stream.yaml")
    print("Two documents in one file:", yaml.load_all(folder / "stream.yaml"))


def tutorial_json_file(folder: Path) -> None:
    heading("4. Serialize and Deserialize with JSON to a File")
    data = {"name": "David", "age": 40, "city": "Los Angeles"}
    with open(folder / "data.json", "w") as file:
        json.dump(data, file)
    with open(folder / "data.json") as file:
        python_data = json.load(file)
    print("Deserialized from file:", python_data)


def tutorial_pickle_file(folder: Path) -> None:
    heading("5. Serialize and Deserialize with Pickle to a File")
    data = {"name": "Eve", "age": 28, "city": "Miami"}
    with open(folder / "data.pkl", "wb") as file:
        pickle.dump(data, file)
    with open(folder / "data.pkl", "rb") as file:
        python_data = pickle.load(file)
    print("Deserialized from file:", python_data)


def tutorial_custom_object() -> None:
    heading("6. Serialize a Custom Python Object with JSON")

    class Person:
        def __init__(self, name, age, city):
            self.name = name
            self.age = age
            self.city = city

    person = Person("Frank", 33, "Houston")

    def person_to_dict(obj):
        return {"name": obj.name, "age": obj.age, "city": obj.city}

    json_data = json.dumps(person, default=person_to_dict)
    print("Serialized JSON:", json_data)


def tutorial_object_hook() -> None:
    heading("7. Deserialize JSON to a Custom Object")

    class Person:
        def __init__(self, name, age, city):
            self.name = name
            self.age = age
            self.city = city

    json_data = '{"name": "George", "age": 45, "city": "Dallas"}'

    def dict_to_person(d):
        return Person(d["name"], d["age"], d["city"])

    person = json.loads(json_data, object_hook=dict_to_person)
    print("Deserialized Person object:", person.__dict__)


def tutorial_nested() -> None:
    heading("8. Serialization and Deserialization of Nested Data with JSON")
    data = {
        "name": "Hannah",
        "age": 50,
        "address": {"city": "Boston", "state": "Massachusetts"},
    }
    json_data = json.dumps(data)
    print("Serialized JSON:", json_data)
    python_data = json.loads(json_data)
    print("Deserialized Python object:", python_data)


def tutorial_dataclass() -> None:
    heading("9. Serialization and Deserialization with Python dataclass")
    person = Person("Ivy", 26, "Austin")
    json_data = json.dumps(person.__dict__)
    print("Serialized JSON:", json_data)
    data = json.loads(json_data)
    person_obj = Person(**data)
    print("Deserialized dataclass object:", person_obj)


def tutorial_pickle_custom_class() -> None:
    heading("10. Serialize and Deserialize with Custom Objects using Pickle")
    car = Car("Tesla Model S", 2020)
    pickle_data = pickle.dumps(car)
    print("Serialized Pickle data:", pickle_data)
    # The one change from the tutorial: loading a class is allowed by name.
    deserialized_car = pickle.loads(pickle_data, allow=[Car])
    print("Deserialized Car object:", deserialized_car.__dict__)


def tour_pickle_safety(folder: Path) -> None:
    heading("serialkit.pickle is safe by default")
    canary = folder / "pwned"
    # A crafted pickle: loading it with the standard library runs
    # os.system("touch .../pwned"). Written by hand, never loaded unsafely.
    command = f"touch {canary}".encode()
    malicious = b"cos\nsystem\n(V" + command + b"\ntR."
    try:
        pickle.loads(malicious)
    except pickle.ForbiddenGlobal as err:
        print("Refused:", str(err).split(":")[0])
    print("Payload ran:", canary.exists())
    try:
        pickle.loads(pickle.dumps(Car("Model 3", 2017)))
    except pickle.ForbiddenGlobal as err:
        print("A class not named in allow= is refused too:", err.name)


def tour_json_extras(folder: Path) -> None:
    heading("serialkit.json beyond the standard library")

    class Status(Enum):
        ACTIVE = "active"

    @dataclass
    class Order:
        id: uuid.UUID
        placed: datetime
        total: Decimal
        status: Status
        tags: frozenset

    order = Order(
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        datetime(2026, 11, 22, 9, 30, tzinfo=timezone.utc),
        Decimal("19.99"),
        Status.ACTIVE,
        frozenset({"gift"}),
    )
    print("A dataclass, natively:", json.dumps(order))
    try:
        json.dumps(order, extra_types=False)
    except TypeError as err:
        print("With extra_types=False, as the standard library:", err)
    json.dump({"saved": True}, folder / "state.json", indent=2)
    print("dump() to a path, atomically:", (folder / "state.json").read_text().replace("\n", " "))
    try:
        json.loads('{"books": [1, 2,]}')
    except json.JSONDecodeError as err:
        print(f"Errors point where json's do: {err.msg} at line {err.lineno} column {err.colno}")


def tour_marshal(folder: Path) -> None:
    heading("serialkit.marshal: identical bytes, safe to load")
    data = {"name": "Ada", "scores": (90, 85.5), "raw": b"\x00\xff", "big": 2**80}
    blob = marshal.dumps(data)
    print("Same bytes as marshal.dumps:", blob == std_marshal.dumps(data))
    print("Loaded back:", marshal.loads(blob))
    # A tuple holding a frozenset that holds the tuple itself: the standard
    # library's reader hashes the half-built tuple and crashes the process.
    hostile = b"\xa9\x01>\x01\x00\x00\x00r\x00\x00\x00\x00"
    loaded = marshal.loads(hostile)
    print("Input that crashes the standard library loads safely:", type(loaded).__name__)
    for name, bad in [
        ("truncated", blob[:-3]),
        ("2**31-1 list items declared in 5 bytes", b"[\xff\xff\xff\x7f"),
    ]:
        try:
            marshal.loads(bad)
        except (ValueError, EOFError) as err:
            print(f"{name}: {type(err).__name__}: {err}")
    code = compile("print('hello from marshalled code')", "<demo>", "exec")
    try:
        marshal.loads(marshal.dumps(code))
    except ValueError as err:
        print("Code objects need allow_code=True:", err)
    exec(marshal.loads(marshal.dumps(code), allow_code=True))
    source = folder / "greet.py"
    source.write_text("GREETING = 'hello'\n\ndef greet(name):\n    return GREETING + name\n")
    pyc = py_compile.compile(str(source), cfile=str(folder / "greet.pyc"))
    cli = os.environ.get("SERIALKIT_CLI", "serialkit")
    print("$ serialkit inspect $TMP/greet.pyc")
    result = subprocess.run([cli, "inspect", pyc], capture_output=True, text=True, cwd=ROOT)
    print((result.stdout + result.stderr).rstrip().replace(str(folder), "$TMP"))


def tour_xml(folder: Path) -> None:
    heading("serialkit.xml: xmltodict's results, hardened")
    doc = xmltodict.parse('<a prop="x"><b>1</b><b>2</b><c>text</c></a>')
    print("parse:", doc)
    print("unparse:", xmltodict.unparse(doc, pretty=True, indent=2).replace("\n", " "))

    def handle(path, item):
        print("  streamed item at", [name for name, _ in path], "->", item)
        return True

    feed = folder / "feed.xml"
    feed.write_text("<feed><entry>one</entry><entry>two</entry></feed>")
    xmltodict.load(feed, item_depth=2, item_callback=handle)
    laughs = '<!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>'
    try:
        xmltodict.parse(laughs)
    except xmltodict.EntitiesForbidden as err:
        print("Entity declarations are refused by default:", err)
    evil = '<!DOCTYPE r [<!ENTITY s SYSTEM "file:///etc/passwd">]><r>&s;</r>'
    try:
        xmltodict.parse(evil, disable_entities=False)
    except xmltodict.ExternalReferenceForbidden as err:
        print("Nothing is ever fetched:", err)
    try:
        xmltodict.parse("<a><b></a>")
    except xmltodict.ParseError as err:  # also an ExpatError and a ValueError
        print(f"Malformed XML: {err.msg} at line {err.lineno}, column {err.offset}")
    try:
        xmltodict.dumps({"a": {"a&b": 1}})  # xmltodict would write <a&b>
    except ValueError as err:
        print("Names that are not XML names are refused:", err)
    print("dumps of general data:", xmltodict.dumps([1, None, True], full_document=False))


def tour_cli(folder: Path) -> None:
    heading("The serialkit command line")
    cli = os.environ.get("SERIALKIT_CLI", "serialkit")
    records = {"users": [{"name": "Ada", "tags": ("admin",)}, {"name": "Bo", "tags": ()}]}
    pickle.dump(records, folder / "users.pkl")
    commands = [
        ["formats"],
        ["convert", "examples/data/catalog.json", "-", "--to", "json", "--indent", "2"],
        ["convert", "examples/data/broken.json", "-", "--to", "json"],
        ["convert", str(folder / "users.pkl"), str(folder / "users.json")],
        ["convert", str(folder / "users.json"), "-", "--to", "json"],
        ["convert", str(folder / "users.json"), str(folder / "back.pkl")],
        ["convert", str(folder / "users.json"), "-", "--to", "yaml"],
        ["convert", "--all-documents", str(folder / "stream.yaml"), "-", "--to", "json"],
        ["convert", "examples/data/catalog.json", "-", "--to", "xml", "--indent", "2"],
        ["convert", "examples/data/catalog.json", str(folder / "catalog.xml")],
        ["convert", str(folder / "catalog.xml"), str(folder / "catalog.json")],
        # A crafted pickle that would run `echo pwned`: inspecting and
        # scanning it only read it.
        ["inspect", "examples/data/malicious.pkl"],
        ["scan", "examples/data/malicious.pkl", str(folder / "users.pkl")],
    ]
    for arguments in commands:
        shown = [part.replace(str(folder), "$TMP") for part in arguments]
        print("$", " ".join(["serialkit", *shown]))
        result = subprocess.run([cli, *arguments], capture_output=True, text=True, cwd=ROOT)
        output = (result.stdout + result.stderr).rstrip()
        if output:
            print(output)
        if result.returncode:
            print(f"(exit status {result.returncode})")
    back = pickle.loads((folder / "back.pkl").read_bytes())
    print("pickle -> JSON -> pickle gives back equal data:", back == records)
    catalog = json.loads((ROOT / "examples" / "data" / "catalog.json").read_text())
    again = json.loads((folder / "catalog.json").read_text())
    print("JSON -> XML -> JSON gives back equal data:", again == catalog)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tutorial_json_round_trip()
        tutorial_pickle_round_trip()
        tutorial_yaml_round_trip()
        tutorial_json_file(Path(folder))
        tutorial_pickle_file(Path(folder))
        tutorial_custom_object()
        tutorial_object_hook()
        tutorial_nested()
        tutorial_dataclass()
        tutorial_pickle_custom_class()
        tour_json_extras(Path(folder))
        tour_pickle_safety(Path(folder))
        tour_marshal(Path(folder))
        tour_yaml(Path(folder))
        tour_xml(Path(folder))
        tour_cli(Path(folder))


if __name__ == "__main__":
    main()
