"""game.jsonsafe writes exactly what json.dumps writes (its fast indented layout included), with undefined
values as null."""
from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from game import jsonsafe


def reference(value, **kwargs) -> str:
    return json.dumps(jsonsafe.clean(value), allow_nan=False, **kwargs)


def random_value(rng: random.Random, depth: int = 0):
    kinds = ["int", "float", "str", "bool", "none"] + (["list", "dict", "flatdict", "flatlist"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.choice([0, -1, 7, 2**70, -(2**40)])
    if kind == "float":
        return rng.choice([0.0, -0.0, 1.5, -2.25e-300, 1e300, 0.1 + 0.2, math.nan, math.inf, rng.random()])
    if kind == "str":
        return rng.choice(["", "a", 'quote " and \\ back', "tab\tnew\nline", "µs → Ca²⁺", "\x00\x1f", "日本"])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind in ("flatdict", "flatlist"):
        items = [random_value(rng, 99) for _ in range(rng.randrange(0, 5))]
        return {f"k{i}": v for i, v in enumerate(items)} if kind == "flatdict" else items
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(["a", "b", "ü", "x y", "1"]) + str(i): random_value(rng, depth + 1) for i in range(rng.randrange(0, 4))}


@pytest.mark.parametrize("indent", [0, 1, 2, 4])
def test_indented_output_is_json_dumps_output(indent):
    rng = random.Random(indent)
    for _ in range(400):
        value = random_value(rng)
        assert jsonsafe.dumps(value, indent=indent) == reference(value, indent=indent)


def test_the_unusual_parts_fall_back_to_json_dumps():
    values = [
        {"np": np.float64(0.25), "np_int": np.int64(3), "tuple": (1, 2.5, "x"), 3: "int key", 2.5: "float key"},
        [{"nested": [[], {}, [{}], {"a": []}]}],
        {"responses": [{"pulse": i, "cmap": i * 0.1, "ok": i % 2 == 0, "none": None} for i in range(50)]},
        {"undefined": [math.nan, -math.inf, {"x": math.inf}]},
        "just a string", 4, None, [], {},
    ]
    for value in values:
        for kwargs in ({"indent": 2}, {}, {"indent": 2, "ensure_ascii": False}, {"indent": "\t"}):
            assert jsonsafe.dumps(value, **kwargs) == reference(value, **kwargs)
    assert json.loads(jsonsafe.dumps({"a": math.nan}, indent=2)) == {"a": None}


def test_a_lab_protocol_prints_as_json_dumps_would():
    from game.sim import experiments as ex
    from game.sim.spec import WorldSpec

    result = ex.rns(ex.Setup(spec=WorldSpec(n_fibers=20)), 20.0, 30)
    assert jsonsafe.dumps(result, indent=2) == reference(result, indent=2)


def test_tables_of_rows_are_laid_out_as_json_dumps_does():
    rng = random.Random(7)
    for _ in range(200):
        keys = ["pulse", "t_s", "x}", "{y", "a,\nb", "ü"][: rng.randrange(1, 7)]
        rows = [{k: random_value(rng, 99) for k in keys} for _ in range(rng.randrange(1, 6))]
        rows[0]["s"] = rng.choice(["}", "},\n{", "} , {", "{", ""])   # braces and separators inside strings
        value = rng.choice([rows, {"responses": rows, "n": len(rows)}, [[rows]]])
        for indent in (0, 2, 3):
            assert jsonsafe.dumps(value, indent=indent) == reference(value, indent=indent)


def test_numeric_tables_are_laid_out_as_json_dumps_does():
    """Rows with the same keys and only numbers (the lab protocols' responses) take a template path: the same text,
    and any row that differs (other keys or order, a bool, a numpy float, NaN, a string) leaves that path."""
    rng = random.Random(11)
    numbers = [0, -1, 2**70, 0.0, -0.0, 1.5, 1e300, -2.25e-300, 0.1 + 0.2, 1e16, 123456789.125]
    for _ in range(300):
        keys = ["pulse", "t_s", "%r", "100%", "ü", "a\"b", "x}"][: rng.randrange(1, 8)]
        rows = [{k: rng.choice(numbers + [rng.random()]) for k in keys} for _ in range(rng.randrange(1, 7))]
        odd = rng.randrange(6)
        r = rng.randrange(len(rows))
        if odd == 1:
            rows[r][keys[0]] = rng.choice([True, np.float64(0.5), math.nan, math.inf, "s", None])
        elif odd == 2 and len(keys) > 1:
            rows[r] = dict(reversed(list(rows[r].items())))    # the same keys in another order
        elif odd == 3:
            rows[r]["extra"] = 1
        value = rng.choice([rows, {"responses": rows, "n": len(rows)}, [[rows]]])
        for indent in (0, 2, 3):
            assert jsonsafe.dumps(value, indent=indent) == reference(value, indent=indent)


def test_numeric_tables_with_repeated_values_and_signed_zeros():
    """The numeric-table path with repeated values, zeros of one sign and of both, and ints beside equal floats:
    the text must still be json.dumps's."""
    rng = random.Random(5)
    for _ in range(200):
        n = rng.randrange(1, 80)
        pool = rng.choice([[0.0], [-0.0], [0.0, -0.0], [1.0, 0.5, 0.0], [-0.0, 2.5, 1e300], [1, 1.0, 0, 0.0], [0.1 + 0.2]])
        rows = [{"pulse": i, "share": rng.choice(pool), "cmap": rng.choice([8.0, 7.96, rng.random()]),
                 "x": rng.random()} for i in range(n)]
        for indent in (0, 2):
            assert jsonsafe.dumps({"responses": rows}, indent=indent) == reference({"responses": rows}, indent=indent)


@pytest.mark.parametrize("rows", [1, 499, 500, 501, 1234])
def test_long_tables_written_in_pieces_are_json_dumps_text(rows):
    """dump() writes a long table a few hundred rows at a time: what reaches the file is json.dumps's text."""
    import io

    value = {"protocol": "rns", "responses": [{"pulse": i + 1, "t_s": round(0.05 * i, 6), "cmap": 8.0 - i * 1e-3,
                                               "force": (i % 7) / 3} for i in range(rows)], "decrement_percent": 0.5}
    out = io.StringIO()
    jsonsafe.dump(value, out, indent=2)
    assert out.getvalue() == jsonsafe.dumps(value, indent=2) == reference(value, indent=2)
