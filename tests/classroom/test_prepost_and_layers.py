"""The pre/post item bank (enough items per objective, answers that check, nothing given away), the gain
arithmetic, spreadsheet-safe cells, the migration matching the tables, and the class package's imports."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from game.classroom.analysis import safe_cell, to_csv
from game.rules.prepost import (
    OBJECTIVES,
    BankError,
    ChoiceItem,
    MatchItem,
    OrderItem,
    load_bank,
    normalised_gain,
    objective_scores,
    parse_bank,
)
from game.rules.debrief import answer_key

ROOT = Path(__file__).resolve().parents[2]
MEASUREMENT_CODES = {f"M{i}" for i in range(1, 11)} | {f"G{i}" for i in range(1, 6)}


def test_bank_covers_every_objective_with_at_least_three_items():
    bank = load_bank()
    per = Counter(it.objective for it in bank.items)
    assert len(bank.items) >= 12
    assert set(per) == set(OBJECTIVES) and min(per.values()) >= 3
    assert len({it.id for it in bank.items}) == len(bank.items)
    assert {it.kind for it in bank.items} == {"choice", "order", "match"}
    for it in bank.items:
        assert it.targets and set(it.targets) <= MEASUREMENT_CODES, it.id


def test_every_key_is_right_and_every_other_option_wrong():
    bank = load_bank()
    for it in bank.items:
        assert bank.check(it.id, answer_key(it))[0], it.id
        if isinstance(it, ChoiceItem):
            wrong = [i for i in range(len(it.options)) if i != it.answer_index]
            assert all(not bank.check(it.id, i)[0] for i in wrong), it.id
            assert bank.check(it.id, it.options[it.answer_index])[0]
        elif isinstance(it, OrderItem):
            assert not bank.check(it.id, list(reversed(it.items)))[0]
        elif isinstance(it, MatchItem):
            rights = [p.right for p in it.pairs]
            shifted = {p.left: rights[(i + 1) % len(rights)] for i, p in enumerate(it.pairs)}
            assert not bank.check(it.id, shifted)[0]
    # the right option is not always in the same place
    assert len({it.answer_index for it in bank.items if isinstance(it, ChoiceItem)}) >= 3


def test_public_items_give_nothing_away():
    bank = load_bank()
    for it, pub in zip(bank.items, bank.public()):
        text = repr(pub)
        assert "answer_index" not in pub and "explanation" not in pub and "pairs" not in pub
        if isinstance(it, OrderItem):
            assert sorted(pub["items"]) == sorted(it.items) and pub["items"] != list(it.items)
        if isinstance(it, MatchItem):
            assert sorted(pub["right"]) == sorted(p.right for p in it.pairs)
        assert it.explanation is None or it.explanation not in text
    assert bank.public() == bank.public()     # the same shuffle every time


def test_bank_errors_name_the_field():
    with pytest.raises(BankError, match="items"):
        parse_bank('format = 1\n[objectives]\n"nmj-structures" = "x"\n', "b.toml")
    text = (ROOT / "levels/quiz/prepost.toml").read_text()
    with pytest.raises(BankError, match="answer_index"):
        parse_bank(text.replace("answer_index = 1", "answer_index = 9", 1), "b.toml")


def test_gain_arithmetic():
    assert normalised_gain(40.0, 70.0) == pytest.approx(0.5)
    assert normalised_gain(50.0, 25.0) == pytest.approx(-0.5)
    assert normalised_gain(100.0, 100.0) is None and normalised_gain(None, 50.0) is None
    bank = load_bank()
    ids = bank.by_objective()["nmj-structures"]
    scores = objective_scores(bank, {ids[0]: True, ids[1]: False})
    assert scores["nmj-structures"] == 50.0 and scores["symptoms-and-why"] is None


@pytest.mark.parametrize("cell", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\u22121", "＝1"])
def test_csv_cells_never_start_a_formula(cell):
    assert safe_cell(cell).startswith("'")
    row = next(csv.reader(io.StringIO(to_csv(["h"], [[cell]]).splitlines()[1])))
    assert row[0].startswith("'")
    assert safe_cell("Ana") == "Ana" and safe_cell(-1.5) == -1.5


def test_migration_matches_the_tables(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from game.classroom.db import Base, open_database

    engine = open_database(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_class_package_imports():
    """No pygame anywhere in game.classroom; the models the game imports pull in no web framework or ORM."""
    code = ("import sys, game.classroom.models, game.rules.prepost\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'sqlalchemy', 'starlette', 'pygame', 'uvicorn')]\n"
            "print(','.join(bad))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout + r.stderr
    sys.path.insert(0, str(ROOT / "tests"))
    from imports import imported_modules
    for path in (ROOT / "game/classroom").rglob("*.py"):
        assert not [m for m in imported_modules(path) if m.split(".")[0] == "pygame" or m.startswith("game.app")
                    or m.startswith("game.view") or m.startswith("game.ui")], path


def test_lan_banner_has_the_address_and_a_qr_code():
    from game.classroom.cli import lan_banner

    text = lan_banner("http://192.168.1.20:8750")
    assert "http://192.168.1.20:8750" in text
    assert len(text.splitlines()) > 10 and any(ch in text for ch in "█▀▄")


def test_csv_cells_neutralise_a_formula_after_a_separator():
    """A spreadsheet that splits on ; or tab must not find a formula inside a nickname (same guard as report)."""
    for cell in ("x;=cmd|' /C calc'!A0", "x,+1", "x\t@SUM(A1)"):
        text = to_csv(["nickname"], [[cell]])
        assert "'=" in text or "'+" in text or "'@" in text, text
