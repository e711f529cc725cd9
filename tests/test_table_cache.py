"""The quantal table kept on disk between runs (game.sim.table_cache): the same arrays as a fresh solve, and a
damaged, foreign or unwritable cache is ignored (solved again), never a crash."""
from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from game.sim import kinetics, table_cache
from game.sim.params import DEFAULT

# a coarser ODE step than the model's: a distinct parameter set (its own file) that solves quickly
Q = replace(DEFAULT.quantum, integration_step_ms=0.01)
M = DEFAULT.membrane


def table_arrays(t: kinetics.QuantalTable) -> dict[str, np.ndarray]:
    return {name: getattr(t, name) for name in kinetics.TABLE_FIELDS + ("waveform_t_ms", "waveform_healthy")}


def assert_same(a: kinetics.QuantalTable, b: kinetics.QuantalTable) -> None:
    for name, x in table_arrays(a).items():
        y = getattr(b, name)
        assert x.shape == y.shape and x.dtype == y.dtype, name
        assert np.array_equal(x, y, equal_nan=True), name   # bit for bit (NaN where a tail is not measurable)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(table_cache.ENV_CACHE_DIR, str(tmp_path / "cache"))
    kinetics.quantal_table.cache_clear()
    yield tmp_path / "cache"
    kinetics.quantal_table.cache_clear()


def fresh() -> kinetics.QuantalTable:
    """The table as the model gets it in a new process (the in-process cache emptied)."""
    kinetics.quantal_table.cache_clear()
    return kinetics.quantal_table(Q, M)


def solved() -> kinetics.QuantalTable:
    return kinetics.QuantalTable(achr=kinetics.ACHR_GRID, ache=kinetics.ACHE_GRID, **kinetics.solve_quantal_table(Q, M))


def the_file(cache) -> os.PathLike:
    files = list(cache.glob("quantal-*.bin"))
    assert len(files) == 1, files
    return files[0]


def test_a_stored_table_is_the_solved_table_and_is_used(cache, monkeypatch):
    kinetics._solver_code()          # the solver as loaded (the key does not follow a patched function)
    first = fresh()
    assert_same(first, solved())
    path = the_file(cache)

    def no_solving(*args):
        raise AssertionError("solved again although a good file is stored")

    monkeypatch.setattr(kinetics, "solve_quantal_table", no_solving)
    assert_same(fresh(), first)
    assert the_file(cache) == path
    assert not fresh().tau_ms.flags.writeable      # the same read-only fields as a solved table


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty", "other-key", "folder"])
def test_a_damaged_or_foreign_file_is_solved_again(cache, damage):
    good = fresh()
    path = the_file(cache)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a table at all")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":             # one bit of one number changed: the checksum catches it
        mid = len(data) // 2
        path.write_bytes(data[:mid] + bytes([data[mid] ^ 0x01]) + data[mid + 1:])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other-key":           # a file for another parameter set under this name
        path.write_bytes(data.replace(path.name[8:40].encode(), b"0" * 32, 1))
    elif damage == "folder":
        path.unlink()
        path.mkdir()
    again = fresh()
    assert_same(again, good)
    if damage != "folder":                # the recomputed table is stored again, and good
        assert path.read_bytes() == data


def test_changed_parameters_get_their_own_file(cache):
    fresh()
    other = replace(Q, k_hydrolysis_per_ms=Q.k_hydrolysis_per_ms * 0.5)
    kinetics.quantal_table(other, M)
    assert len(list(cache.glob("quantal-*.bin"))) == 2


def test_an_unwritable_cache_folder_costs_only_the_solve(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv(table_cache.ENV_CACHE_DIR, str(blocker / "cache"))   # cannot be made: a file is in the way
    assert_same(fresh(), solved())
    monkeypatch.setenv(table_cache.ENV_CACHE_DIR, "")                        # empty: no disk cache at all
    assert table_cache.cache_dir() is None
    assert_same(fresh(), solved())
    kinetics.quantal_table.cache_clear()


def test_the_test_session_never_uses_the_users_cache():
    assert os.environ[table_cache.ENV_CACHE_DIR]
    assert table_cache.cache_dir() == __import__("pathlib").Path(os.environ[table_cache.ENV_CACHE_DIR])


def test_an_edited_solver_finds_no_file():
    def one(x):
        return x + 1

    def other(x):
        return x + 2

    def one_again(x):
        return x + 1

    assert table_cache.code_digest(one) == table_cache.code_digest(one_again)
    assert table_cache.code_digest(one) != table_cache.code_digest(other)
    assert table_cache.table_key(Q, M, table_cache.code_digest(one)) != table_cache.table_key(Q, M, table_cache.code_digest(other))
