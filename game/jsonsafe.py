"""JSON that every reader accepts: NaN and infinities (undefined values) become null.

Python's json module writes NaN and Infinity by default, which are not JSON. Every command that prints
JSON goes through `dumps`/`dump` here.
"""
from __future__ import annotations

import itertools
import json
import math
from typing import Any, TextIO

__all__ = ["clean", "dump", "dumps"]
_isfinite = math.isfinite


def clean(value: Any) -> Any:
    """A copy of `value` with every non-finite float replaced by None (tuples become lists)."""
    t = type(value)   # the common plain types first (long tables)
    if t is float:
        return value if _isfinite(value) else None
    if t is str or t is int or t is bool or value is None:
        return value
    if t is dict:
        return {k if type(k) is str else str(k): clean(v) for k, v in value.items()}
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):      # numpy scalars
        try:
            return clean(value.item())
        except (TypeError, ValueError):
            return str(value)
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    return "".join(_pieces(value, kwargs))


def _pieces(value: Any, kwargs: dict) -> list[str]:
    """The text of json.dumps(clean(value), allow_nan=False, **kwargs), in pieces (dump writes them one by one:
    a long table is not copied into one string, then another, on its way out)."""
    if kwargs.keys() == {"indent"} and type(kwargs["indent"]) is int and kwargs["indent"] >= 0:
        # plain data with every float finite needs no cleaning (a third of the time of a long table): try it as it
        # is first; the encoders refuse NaN and infinities (ValueError) and _indented anything that is not plain
        # (None), and then the value is cleaned as usual, so the text is the same either way
        try:
            out = _indented(value, kwargs["indent"])
        except ValueError:
            out = None
        if out is not None:
            return out
        value = clean(value)
        out = _indented(value, kwargs["indent"])
        if out is not None:
            return out
        return [json.dumps(value, allow_nan=False, **kwargs)]
    return [json.dumps(clean(value), allow_nan=False, **kwargs)]


# json.dumps(indent=N) uses the json module's pure-Python encoder, slow for the long tables of the lab protocols
# (10,000 responses: a tenth of a second). _indented writes the same text: containers whose items are all plain
# values (most of such a table) go through the C encoder with the indentation as item separator; the rest is
# laid out here exactly as the json module lays it out (tests/test_jsonsafe.py compares the two).
_PLAIN = (str, int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)
_STR_TYPE = frozenset((str,))
_DICT_TYPE = frozenset((dict,))
_chain = itertools.chain.from_iterable
_encoders: dict[tuple[int, int], json.JSONEncoder] = {}


def _is_table(rows: list) -> bool:
    """Every item a non-empty dict with str keys and plain values (checked in a few passes that run in C: a
    per-row Python test was a third of the time of encoding 10,000 rows)."""
    return (_DICT_TYPE.issuperset(map(type, rows)) and all(rows)
            and _STR_TYPE.issuperset(map(type, _chain(rows)))
            and _PLAIN_TYPES.issuperset(map(type, _chain(map(dict.values, rows)))))


_NUMBER_TYPES = frozenset((int, float))


TABLE_CHUNK_ROWS = 500   # a long table's rows are written this many at a time


def _numeric_table(rows: list, indent: int, level: int) -> list[str] | None:
    """The text of a list of rows that all have the same str keys in the same order and only finite int and float
    values (a lab protocol's responses), as json.dumps lays it out; None for any other list. Each row is one
    %-format of a template made from the first row's keys: %r writes an int or float exactly as the json module
    does (int.__repr__, float.__repr__; subclasses such as numpy's floats are excluded by the exact type test)."""
    first = rows[0]
    if type(first) is not dict or not first:
        return None
    keys = tuple(first)
    if not (_DICT_TYPE.issuperset(map(type, rows)) and _STR_TYPE.issuperset(map(type, keys))
            and all(map(keys.__eq__, map(tuple, rows)))):
        return None
    values = list(map(tuple, map(dict.values, rows)))
    if not (_NUMBER_TYPES.issuperset(map(type, _chain(values))) and all(map(_isfinite, _chain(values)))):
        return None
    row_pad = "\n" + " " * (indent * (level + 1))
    field_pad = "\n" + " " * (indent * (level + 2))
    template = ("{" + field_pad + ("," + field_pad).join(
        json.encoder.encode_basestring_ascii(k).replace("%", "%%") + ": %r" for k in keys) + row_pad + "}")
    sep = "," + row_pad
    rows_text = [sep.join(map(template.__mod__, values[i:i + TABLE_CHUNK_ROWS]))
                 for i in range(0, len(values), TABLE_CHUNK_ROWS)]
    return ["[" + row_pad, rows_text[0], *(sep + t for t in rows_text[1:]), "\n" + " " * (indent * level) + "]"]


def _flat_encoder(indent: int, level: int) -> json.JSONEncoder:
    key = (indent, level)
    enc = _encoders.get(key)
    if enc is None:
        enc = _encoders[key] = json.JSONEncoder(allow_nan=False, separators=(",\n" + " " * (indent * level), ": "))
    return enc


def _indented(value: Any, indent: int) -> list[str] | None:
    """json.dumps(value, indent=indent, allow_nan=False) for dicts with str keys, lists and plain values; None
    for anything else (the caller then uses json.dumps)."""
    parts: list[str] = []

    def write(v: Any, level: int) -> bool:
        if isinstance(v, dict):
            if not v:
                parts.append("{}")
                return True
            if not all(type(k) is str for k in v):
                return False
            inner = "\n" + " " * (indent * (level + 1))
            if all(type(x) in _PLAIN for x in v.values()):
                parts.append("{" + inner + _flat_encoder(indent, level + 1).encode(v)[1:-1] + "\n"
                             + " " * (indent * level) + "}")
                return True
            parts.append("{")
            first = True
            for k, x in v.items():
                parts.append((inner if first else "," + inner) + json.encoder.encode_basestring_ascii(k) + ": ")
                first = False
                if not write(x, level + 1):
                    return False
            parts.append("\n" + " " * (indent * level) + "}")
            return True
        if isinstance(v, list):
            if not v:
                parts.append("[]")
                return True
            inner = "\n" + " " * (indent * (level + 1))
            if all(type(x) in _PLAIN for x in v):
                parts.append("[" + inner + _flat_encoder(indent, level + 1).encode(v)[1:-1] + "\n"
                             + " " * (indent * level) + "]")
                return True
            text = _numeric_table(v, indent, level)
            if text is not None:
                parts.extend(text)
                return True
            if _is_table(v):
                # a table (rows of plain values): one C call with the rows' indentation, then the row breaks moved
                # to the list's. Encoded strings hold no raw newline and a key follows every separator inside a
                # row, so "}" + separator + "{" occurs only between rows.
                deeper = "\n" + " " * (indent * (level + 2))
                text = _flat_encoder(indent, level + 2).encode(v)
                text = text[2:-2].replace("}," + deeper + "{", inner + "}," + inner + "{" + deeper)
                parts.append("[" + inner + "{" + deeper + text + inner + "}\n" + " " * (indent * level) + "]")
                return True
            parts.append("[")
            first = True
            for x in v:
                parts.append(inner if first else "," + inner)
                first = False
                if not write(x, level + 1):
                    return False
            parts.append("\n" + " " * (indent * level) + "]")
            return True
        if type(v) in _PLAIN:
            parts.append(json.dumps(v, allow_nan=False))
            return True
        return False

    return parts if write(value, 0) else None


def dump(value: Any, out: TextIO, **kwargs: Any) -> None:
    for piece in _pieces(value, kwargs):
        out.write(piece)
