"""Whitespace between tokens: serialkit skips runs of spaces a word at a
time, so every run length around a word's eight bytes, and whatever byte
ends the run (a token, other whitespace, or a byte JSON refuses there),
must give json.loads' value or its error at its position."""

from __future__ import annotations

import pytest
from jsoncheck import same_loads

# What can follow a run: tokens, the other whitespace characters, and bytes
# that must be refused exactly where they stand (a space differs from "!"
# and from "\x00" by one bit, which a sloppy word test would miss).
AFTER_RUN = ['"k"', "1", "]", "}", ",", "\n", "\t", "\r", "!", "\x00", "\x0b", "\x0c", "\xa0", "x"]


@pytest.mark.parametrize("after", AFTER_RUN)
@pytest.mark.parametrize("spaces", range(0, 20))
def test_runs_of_spaces_end_where_json_ends_them(spaces, after):
    run = " " * spaces
    for document in (
        f"[{run}{after}",
        f"[1,{run}{after}]",
        f'{{"a":{run}{after}}}',
        f'{{"a": 1,\n{run}{after}: 2}}',
        f"[1]{run}{after}",
        f"{run}{after}",
    ):
        same_loads(document)
        same_loads(document.encode())
