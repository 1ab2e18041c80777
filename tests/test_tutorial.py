"""The JSON examples of the serialization tutorial in the shared seeds
(sections 1, 4, 6, 7, 8 and 9), run with serialkit.json in place of json:
each must print exactly what the tutorial shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import serialkit.json

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
