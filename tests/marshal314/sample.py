"""A module compiled by Python 3.14 for the marshal tests (see
make_golden.py): constant slices, a class, a closure, keyword-only
arguments and an exception handler."""

LIMIT = 10


def head(items, *, count=3):
    return items[:3], items[1:2], items[::2], items[:count]


class Window:
    def __init__(self, items):
        self.items = list(items)

    def middle(self):
        return self.items[1:-1]


def counter():
    total = 0

    def add(step):
        nonlocal total
        total += step
        return total

    return add


def safe_ratio(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        return None
