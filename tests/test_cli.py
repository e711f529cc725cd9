"""The command line: protocols print JSON with the documented fields; user errors are one line and exit 2."""
from __future__ import annotations

import io
import json

import pytest

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
