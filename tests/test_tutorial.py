"""The examples of the serialization tutorial in the shared seeds, run with
serialkit in place of the standard library: the JSON sections (1, 4, 6, 7,
8, 9) with serialkit.json, the pickle sections (2, 5, 10) with
serialkit.pickle and the YAML section (3) with serialkit.yaml in place of
PyYAML. Each must print exactly what the tutorial shows."""

from __future__ import annotations

import pickle as std_pickle
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
import serialkit.json
import serialkit.pickle
import serialkit.yaml

TUTORIAL = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds" / "000_a34ab7ff7dcb35f5.txt"
)
JSON_SECTIONS = [1, 4, 6, 7, 8, 9]

# The outputs as the tutorial shows them, written out here as well so that
# a change to the parsing below cannot make the test vacuous.
EXPECTED = {
    1: 'Serialized JSON: {"name": "Alice", "age": 30, "city": "New York"}\n'
    "Deserialized Python object: {'name': 'Alice', 'age': 30, 'city': 'New York'}\n",
    4: "Deserialized from file: {'name': 'David', 'age': 40, 'city': 'Los Angeles'}\n",
    6: 'Serialized JSON: {"name": "Frank", "age": 33, "city": "Houston"}\n',
    7: "Deserialized Person object: {'name': 'George', 'age': 45, 'city': 'Dallas'}\n",
    8: 'Serialized JSON: {"name": "Hannah", "age": 50, "address": {"city": "Boston", '
    '"state": "Massachusetts"}}\n'
    "Deserialized Python object: {'name': 'Hannah', 'age': 50, 'address': "
    "{'city': 'Boston', 'state': 'Massachusetts'}}\n",
    9: 'Serialized JSON: {"name": "Ivy", "age": 26, "city": "Austin"}\n'
    "Deserialized dataclass object: Person(name='Ivy', age=26, city='Austin')\n",
}


@dataclass
class Person:
    name: str
    age: int
    city: str


def tutorial_cell(section: int) -> tuple[str, str]:
    """The code of a numbered section's notebook cell and the output the
    tutorial prints under it."""
    assert TUTORIAL.is_file(), f"tutorial missing: {TUTORIAL.resolve()}"
    text = TUTORIAL.read_text(encoding="utf-8")
    match = re.search(
        rf"^### {section}\. [^\n]*\n\nIn \[\d+\]:\n(.*?)\n\n\n(.*?)\n\n\n", text, re.S | re.M
    )
    assert match, f"section {section} not found in the tutorial"
    return match.group(1), match.group(2) + "\n"


def test_tutorial_is_present():
    assert TUTORIAL.is_file(), f"tutorial missing: {TUTORIAL.resolve()}"


@pytest.mark.parametrize("section", JSON_SECTIONS)
def test_tutorial_output_is_what_the_tutorial_shows(section):
    _, shown = tutorial_cell(section)
    assert shown == EXPECTED[section]


@pytest.mark.parametrize("section", JSON_SECTIONS)
def test_tutorial_section_with_serialkit(section, tmp_path, monkeypatch, capsys):
    code, shown = tutorial_cell(section)
    assert code.count("import json\n") == 1
    code = code.replace("import json\n", "import serialkit.json as json\n")
    # Section 4 writes data.json in the working folder.
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"tutorial_section_{section}"}
    # dont_inherit: run the code as written, without this file's
    # `from __future__ import annotations`.
    exec(compile(code, f"<tutorial section {section}>", "exec", dont_inherit=True), namespace)
    assert namespace["json"] is serialkit.json
    assert capsys.readouterr().out == shown == EXPECTED[section]
    if section == 4:
        written = (tmp_path / "data.json").read_text()
        assert written == '{"name": "David", "age": 40, "city": "Los Angeles"}'


def test_section_1_by_hand(capsys):
    data = {"name": "Alice", "age": 30, "city": "New York"}
    json_data = serialkit.json.dumps(data)
    print("Serialized JSON:", json_data)
    python_data = serialkit.json.loads(json_data)
    print("Deserialized Python object:", python_data)
    assert capsys.readouterr().out == EXPECTED[1]
    assert python_data == data


def test_section_4_with_a_path(tmp_path, capsys):
    # The same round trip through serialkit's path form of dump and load.
    data = {"name": "David", "age": 40, "city": "Los Angeles"}
    serialkit.json.dump(data, tmp_path / "data.json")
    python_data = serialkit.json.load(tmp_path / "data.json")
    print("Deserialized from file:", python_data)
    assert capsys.readouterr().out == EXPECTED[4]


def test_section_9_dataclass_natively(capsys):
    # serialkit writes dataclasses without the tutorial's person.__dict__.
    json_data = serialkit.json.dumps(Person("Ivy", 26, "Austin"))
    print("Serialized JSON:", json_data)
    print("Deserialized dataclass object:", Person(**serialkit.json.loads(json_data)))
    assert capsys.readouterr().out == EXPECTED[9]


PICKLE_SECTIONS = [2, 5, 10]

PICKLE_EXPECTED = {
    2: "Serialized Pickle data: b'\\x80\\x04\\x951\\x00\\x00\\x00\\x00\\x00\\x00\\x00}\\x94(\\x8c"
    "\\x04name\\x94\\x8c\\x03Bob\\x94\\x8c\\x03age\\x94K\\x19\\x8c\\x04city\\x94\\x8c\\rSan "
    "Francisco\\x94u.'\n"
    "Deserialized Python object: {'name': 'Bob', 'age': 25, 'city': 'San Francisco'}\n",
    5: "Deserialized from file: {'name': 'Eve', 'age': 28, 'city': 'Miami'}\n",
    10: "Serialized Pickle data: b'\\x80\\x04\\x95>\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x8c\\x08"
    "__main__\\x94\\x8c\\x03Car\\x94\\x93\\x94)\\x81\\x94}\\x94(\\x8c\\x05model\\x94\\x8c\\rTesla "
    "Model S\\x94\\x8c\\x04year\\x94M\\xe4\\x07ub.'\n"
    "Deserialized Car object: {'model': 'Tesla Model S', 'year': 2020}\n",
}


@pytest.mark.parametrize("section", PICKLE_SECTIONS)
def test_tutorial_pickle_section_with_serialkit(section, tmp_path, monkeypatch, capsys):
    """The pickle sections, with serialkit.pickle in place of pickle. The one
    change: section 10 loads its class by naming it in allow=, since
    serialkit.pickle refuses globals it was not told to trust."""
    code, shown = tutorial_cell(section)
    assert shown == PICKLE_EXPECTED[section]
    assert code.count("import pickle\n") == 1
    code = code.replace("import pickle\n", "import serialkit.pickle as pickle\n")
    if section == 10:
        assert code.count("pickle.loads(pickle_data)") == 1
        code = code.replace("pickle.loads(pickle_data)", "pickle.loads(pickle_data, allow=[Car])")
    monkeypatch.chdir(tmp_path)
    # The tutorial ran as a notebook's __main__, which its pickled class
    # names; give the code a __main__ of its own for pickle to find it in.
    main = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", main)
    exec(compile(code, f"<tutorial section {section}>", "exec", dont_inherit=True), main.__dict__)
    # The tutorial ran where pickle's default protocol was 4; from Python
    # 3.14 it is 5, which the standard library would print here instead.
    here = shown.replace("b'\\x80\\x04", f"b'\\x80\\x{std_pickle.DEFAULT_PROTOCOL:02x}")
    assert capsys.readouterr().out == here


def test_tutorial_section_10_is_refused_without_allow(monkeypatch):
    code, _ = tutorial_cell(10)
    code = code.replace("import pickle\n", "import serialkit.pickle as pickle\n")
    main = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", main)
    with pytest.raises(serialkit.pickle.ForbiddenGlobal, match=r"allow=\['__main__\.Car'\]"):
        exec(compile(code, "<tutorial section 10>", "exec", dont_inherit=True), main.__dict__)


YAML_EXPECTED = (
    "Serialized YAML data:\n age: 35\ncity: Chicago\nname: Charlie\n\n"
    "Deserialized Python object: {'age': 35, 'city': 'Chicago', 'name': 'Charlie'}\n"
)


def test_tutorial_yaml_section_with_serialkit(capsys):
    """Section 3 as written, with serialkit.yaml in place of PyYAML: its
    yaml.dump(data) returns what PyYAML's does (keys sorted), and
    yaml.load(..., Loader=yaml.FullLoader) loads safely."""
    code, shown = tutorial_cell(3)
    assert shown == YAML_EXPECTED
    assert code.count("import yaml\n") == 1
    code = code.replace("import yaml\n", "import serialkit.yaml as yaml\n")
    namespace = {"__name__": "tutorial_section_3"}
    exec(compile(code, "<tutorial section 3>", "exec", dont_inherit=True), namespace)
    assert namespace["yaml"] is serialkit.yaml
    assert capsys.readouterr().out == shown


def test_section_3_with_serialkit_defaults(capsys):
    # serialkit's own dumps keeps insertion order and reads back equal.
    data = {"name": "Charlie", "age": 35, "city": "Chicago"}
    text = serialkit.yaml.dumps(data)
    assert text == "name: Charlie\nage: 35\ncity: Chicago\n"
    assert serialkit.yaml.loads(text) == data
