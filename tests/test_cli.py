"""The command line: protocols print JSON with the documented fields; user errors are one line and exit 2."""
from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game import cli
from game.store import Store


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_experiment_rns_json_has_the_documented_fields(capsys):
    code, out, _ = run(["experiment", "rns", "--condition", "mg-moderate", "--pulses", "5", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data["responses"][0]) == {"pulse", "t_s", "quantal_content", "epp_mV", "fibers_fired_fraction", "cmap", "force",
                                         "repetitive_fraction"}
    assert len(data["responses"]) == 5 and "decrement_percent" in data


@pytest.mark.parametrize("protocol, fields", [
    ("mepp", {"amplitude_mV", "decay_tau_ms", "rate_per_s"}),
    ("epp", {"amplitude_mV", "decay_tau_ms", "quantal_content", "safety_factor_median", "fraction_below_threshold"}),
    ("calcium", {"levels", "log_log_slope"}),
])
def test_experiment_protocols_json(capsys, protocol, fields):
    code, out, _ = run(["experiment", protocol, "--json", "--fibers", "100"], capsys)
    assert code == 0
    assert fields <= set(json.loads(out))


def test_experiment_table_output_is_readable(capsys):
    code, out, _ = run(["experiment", "epp"], capsys)
    assert code == 0 and "safety_factor_median" in out and "{" not in out


def _cell_by_cell(rows: list[dict]) -> list[str]:
    """A table's rows as format_result first wrote them, one f-string a cell: the reference for its faster rows."""
    cols = list(rows[0])
    return ["    " + "  ".join(f"{r[c]:>12.4g}" if isinstance(r[c], float) else f"{str(r[c]):>12}" for c in cols)
            for r in rows]


@pytest.mark.parametrize("argv", [
    ["experiment", "rns", "--condition", "mg-severe", "--pulses", "40", "--frequency", "20", "--fibers", "50"],
    ["experiment", "calcium", "--fibers", "50"],
    ["experiment", "exercise", "--condition", "lems", "--fibers", "50", "--exercise-s", "5"],
    ["experiment", "immune", "--condition", "mg-moderate", "--treatment", "ivig", "--weeks", "3"],
])
def test_table_output_is_the_same_as_formatting_cell_by_cell(argv, monkeypatch):
    seen = []
    real = cli.format_result
    monkeypatch.setattr(cli, "format_result", lambda result: seen.append(result) or real(result))
    out = io.StringIO()
    assert cli.run_experiment(cli.build_parser("experiment").parse_args(argv), out=out) == 0
    tables = [v for v in seen[0].values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    assert tables and max(map(len, tables)) >= 3
    for rows in tables:
        assert "\n".join(_cell_by_cell(rows)) + "\n" in out.getvalue()


@given(st.lists(st.fixed_dictionaries({
    "n": st.integers(-10**12, 10**12),
    "x": st.floats(allow_nan=True, allow_infinity=True, width=64),
    "s": st.one_of(st.none(), st.booleans(), st.text(max_size=14)),
    "m": st.one_of(st.floats(allow_nan=True), st.integers(-10**9, 10**9), st.none())}),
    min_size=1, max_size=30))
@settings(max_examples=200, deadline=None)
def test_table_rows_match_the_cell_by_cell_layout(rows):
    """Columns of one kind take the %-format path, a column mixing floats with other values the cell-by-cell one
    ("m" mixes them in most examples): both must give the reference text, NaN, infinities, -0.0 and huge ints
    included."""
    assert cli._table_rows(rows, list(rows[0])) == _cell_by_cell(rows)
    result = {"protocol": "rns", "condition": "healthy", "seed": 1, "x_mean": 1.5, "nan": float("nan"),
              "responses": rows, "other": [{"only": 2.5}, {"only": 1e300}]}
    text = cli.format_result(result)
    assert "\n".join(_cell_by_cell(rows)) in text and "\n".join(_cell_by_cell(result["other"])) in text


@pytest.mark.parametrize("argv", [
    ["experiment", "rns", "--frequency", "abc"],
    ["experiment", "rns", "--ache-inhibition", "2"],
    ["experiment", "nonsense"],
    ["experiment", "dose", "--drug", "edrophonium", "--dose-mg", "50"],
    ["experiment", "calcium", "--ca-levels", "0.2"],
    ["validate", "/no/such/level.toml"],
])
def test_user_errors_exit_2_with_a_message(capsys, argv):
    try:
        code = cli.main(argv)
    except SystemExit as exit_:        # argparse's own errors
        code = exit_.code
    out, err = capsys.readouterr()
    assert code == 2
    assert (out + err).strip() and "Traceback" not in out + err


def test_report_writes_a_class_csv_and_never_overwrites(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    with Store.open() as store:
        p = store.create_profile("Ada", "7B")
        store.record_result(p.id, "healthy-junction", 90, 3, True, 120.0, {})
        q = store.create_profile("Ben", "8C")
        store.record_result(q.id, "healthy-junction", 50, 1, True, 100.0, {})
    out = tmp_path / "7b.csv"
    code, text, _ = run(["report", str(out), "--class-code", "7B"], capsys)
    assert code == 0 and "1 attempt (class 7B)" in text
    content = out.read_text(encoding="utf-8-sig")
    assert "Ada" in content and "Ben" not in content
    code, _, err = run(["report", str(out)], capsys)
    assert code == 2 and "exists" in err
    assert out.read_text(encoding="utf-8-sig") == content


@pytest.mark.parametrize("argv", [
    ["experiment", "rns", "--frequency", "20", "--pulses", "30", "--json", "--condition", "lems"],
    ["play", "levels/01-healthy-junction.toml", "--headless", "--seconds", "2", "--fire", "train"],
    ["check-level", "levels", "--player", "idle", "--seed", "3"],
    ["validate", "levels"],
    ["bench", "--model-only", "--fibers", "400"],
])
def test_a_parser_made_for_one_command_parses_it_as_the_full_parser_does(argv):
    """build_parser(command) gives the other commands no options: the command named must come out the same."""
    full = vars(cli.build_parser(None).parse_args(argv))
    one = vars(cli.build_parser(argv[0]).parse_args(argv))
    full.pop("_handlers"), one.pop("_handlers")
    assert one == full
    others = cli.build_parser(argv[0])._subparsers._group_actions[0].choices
    assert set(cli.OWN_COMMANDS) <= set(others)
    assert all(len(others[name]._actions) == 1 for name in cli.OWN_COMMANDS if name != argv[0])   # only -h
