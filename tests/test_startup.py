"""Start-up of the command line: `--help` and `experiment` load only what they need (no pygame, pydantic, the
database or the web server for a lab protocol; not even numpy for --help)."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
HEAVY = ("pygame", "pydantic", "fastapi", "sqlalchemy", "uvicorn", "game.store", "game.levels.loader", "game.app")


def modules_after(argv: list[str]) -> set[str]:
    """The modules loaded by running the CLI with `argv` in a fresh interpreter (its output thrown away)."""
    code = ("import io, json, sys, contextlib\nfrom game.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    rc = main({argv!r})\n"
            "print(json.dumps([rc, sorted(sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True, timeout=120)
    rc, names = json.loads(out.stdout.strip().splitlines()[-1])
    assert rc == 0, out.stderr
    return set(names)


def loaded(names: set[str], prefix: str) -> bool:
    return any(n == prefix or n.startswith(prefix + ".") for n in names)


def test_help_loads_neither_the_model_nor_the_heavy_libraries():
    names = modules_after(["--help"])
    for heavy in HEAVY + ("numpy", "game.sim.world", "game.sim.experiments"):
        assert not loaded(names, heavy), heavy


def test_a_lab_protocol_loads_the_model_only():
    names = modules_after(["experiment", "rns", "--fibers", "20", "--pulses", "3", "--json"])
    assert loaded(names, "numpy") and loaded(names, "game.sim.experiments")
    for heavy in HEAVY:
        assert not loaded(names, heavy), heavy


def test_the_protocol_names_the_command_line_offers_are_the_models():
    from game.sim import experiments, limits

    assert experiments.PROTOCOLS == limits.PROTOCOLS
    assert experiments.LAB_FIBERS == limits.LAB_FIBERS
    for name in limits.PROTOCOLS:
        assert callable(getattr(experiments, name.replace("-", "_"))), name


def test_the_levels_package_still_offers_its_names():
    import game.levels as levels

    for name in levels.__all__:
        assert getattr(levels, name) is not None, name
    from game.levels import Level, load_levels   # noqa: F401 - the usual way the game imports them


def test_a_built_in_command_does_not_load_the_other_command_groups():
    # build_parser("experiment"): `experiment` does not import the class server's, editor's, pack or report
    # command modules (a few tens of ms of every lab protocol's start)
    names = modules_after(["experiment", "rns", "--fibers", "20", "--pulses", "3", "--json"])
    for group in ("game.classroom", "game.editor", "game.levels.pack_cli", "game.report"):
        assert not loaded(names, group), group


def test_one_blas_thread_unless_the_user_sets_one():
    # game/__init__.py: a BLAS thread pool only slows the model's row-sized dot products, and one thread makes
    # sums the same on every machine (replays are verified on the server)
    import os

    code = "import os, game, numpy; print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True, timeout=60)
    assert out.stdout.split() == ["1", "1"]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**env, "OPENBLAS_NUM_THREADS": "4"}, check=True, timeout=60)
    assert out.stdout.split()[0] == "4"


def test_a_reader_that_stops_early_ends_the_command_quietly():
    """`main.py experiment ... --json | head` : when the reader closes the pipe the command stops with the shell's
    SIGPIPE status and no traceback (before, a BrokenPipeError traceback and then an error at exit)."""
    argv = [sys.executable, str(ROOT / "main.py"), "experiment", "rns", "--fibers", "20", "--frequency", "20",
            "--pulses", "2000", "--json"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    first = proc.stdout.read(64)
    proc.stdout.close()                      # the reader goes away long before the 2000 responses are written
    err = proc.stderr.read().decode()
    rc = proc.wait(timeout=120)
    assert first.startswith(b"{")
    assert rc == 141 and err == "", (rc, err)


def test_a_broken_pipe_that_is_not_the_output_is_still_an_error(monkeypatch):
    """Only the reader of standard output leaving is quiet: a BrokenPipeError from elsewhere (a socket, another
    pipe) is not swallowed."""
    import pytest

    from game import cli

    def broken(args):
        raise BrokenPipeError(32, "a socket broke")

    monkeypatch.setattr(cli, "run_experiment", broken)
    with pytest.raises(BrokenPipeError):
        cli.main(["experiment", "rns", "--pulses", "3"])
