"""`endplate bench`: how fast the model runs and how long a frame takes.

Model throughput: model seconds simulated per wall-clock second for a muscle driven at 20 Hz (the rate a
level's held train uses), and how it grows with the number of fibres. Frame timings (the lens with N ACh
particles plus the whole HUD at 1280×720) come from game.app.bench.

Lab protocol ("rns_protocol", issue 7): `experiment rns --fibers N --frequency 20 --pulses 10000` at 200 and
2000 fibres, timed in this process (the model's own speed) and as the whole command in a new interpreter (what
a user waits for; also with --json), each the best of 3, with that command's floor: a new interpreter that only
imports numpy.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from game import jsonsafe
from game.sim import intents as it
from game.sim.spec import WorldSpec
from game.sim.world import Sim

MODEL_STEP_S = 0.25   # the step the headless level check (bot) uses
DRIVE_HZ = 20.0


def model_throughput(n_fibers: int = 200, model_seconds: float = 60.0, seed: int = 1, step_s: float = MODEL_STEP_S) -> dict:
    """Model seconds per wall second for `n_fibers` driven at 20 Hz, stepped at `step_s`."""
    with Sim(WorldSpec(condition="mg-moderate", n_fibers=n_fibers), seed, impulse_events=False) as sim:
        sim.submit(it.StartTrain(DRIVE_HZ))
        sim.run(1.0, step_s)   # warm caches
        t0 = time.perf_counter()
        sim.run(model_seconds, step_s)
        wall = time.perf_counter() - t0
        sim.drain_events()
    return {"fibers": n_fibers, "model_s": model_seconds, "wall_s": wall, "step_s": step_s,
            "model_s_per_wall_s": model_seconds / wall, "impulses_per_wall_s": model_seconds * DRIVE_HZ / wall}


def rns_protocol_speed(n_fibers: int, frequency_hz: float = 20.0, pulses: int = 10000, seed: int = 1,
                       runs: int = 1) -> dict:
    """The lab protocol `experiment rns --fibers N --frequency 20 --pulses 10000` run in this process (world
    built, train run, JSON-ready result made; interpreter start, imports, the quantal table and printing the JSON
    excluded; rns_command_speed times the whole command): model seconds per wall second, the best of `runs`.
    Issue 7 targets: ≥ 1000× at 200 fibres, ≥ 250× at 2000."""
    from game.sim import experiments as ex
    from game.sim.kinetics import quantal_table
    from game.sim.params import DEFAULT

    quantal_table(DEFAULT.quantum, DEFAULT.membrane)   # solved once per parameter set (cached)
    wall = cpu = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        ex.rns(ex.Setup(spec=WorldSpec(n_fibers=n_fibers), seed=seed), frequency_hz, pulses)
        w = time.perf_counter() - t0
        if w < wall:
            wall, cpu = w, time.process_time() - cpu0
    model_s = pulses / frequency_hz
    return {"fibers": n_fibers, "frequency_hz": frequency_hz, "pulses": pulses, "model_s": model_s, "wall_s": wall,
            "cpu_s": cpu, "model_s_per_wall_s": model_s / wall, "model_s_per_cpu_s": model_s / cpu, "runs": runs}


MAIN_PY = Path(__file__).resolve().parents[1] / "main.py"
COMMAND_RUNS = 3           # whole-command timings: the best of this many runs
COMMAND_TIMEOUT_S = 300.0


def wall_s(argv: list[str], timeout_s: float = COMMAND_TIMEOUT_S) -> float:
    """Wall-clock time of one run of a command (output thrown away), from starting it to its exit; raises
    CalledProcessError if it fails and TimeoutExpired if it is still running after `timeout_s` (then it is killed).

    The wait blocks until the command exits: waiting with a timeout (subprocess.run(timeout=...)) polls with sleeps
    that grow to 50 ms, and a sub-second command was charged for up to 50 ms of that sleep (measured: bench's
    whole-command times fell on a 50 ms grid). A timer thread enforces the timeout instead."""
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        proc.kill()

    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=MAIN_PY.parent,
                            env=os.environ.copy())
    timer = threading.Timer(timeout_s, kill)
    timer.start()
    try:
        rc = proc.wait()
    finally:
        timer.cancel()
    wall = time.perf_counter() - t0
    if killed.is_set():
        raise subprocess.TimeoutExpired(argv, timeout_s)
    if rc != 0:
        raise subprocess.CalledProcessError(rc, argv)
    return wall


def interpreter_floor_s(runs: int = COMMAND_RUNS) -> float:
    """What any model command pays before it starts: a new interpreter that imports numpy (best of `runs`)."""
    return min(wall_s([sys.executable, "-c", "import numpy"]) for _ in range(runs))


def rns_command_speed(n_fibers: int, frequency_hz: float = 20.0, pulses: int = 10000, seed: int = 1,
                      runs: int = COMMAND_RUNS) -> dict:
    """The whole command `main.py experiment rns --fibers N --frequency 20 --pulses 10000` in a new interpreter
    (start, imports, the quantal table from the disk cache, the run, the table on stdout): issue 7's command as
    written. The same with `--json` (the JSON object instead of the table: more text, the longer of the two) is
    timed alongside, the two runs taking turns so that a slow minute of the machine falls on both. Best wall
    time of `runs` each, as model seconds per wall second, and every run's time."""
    argv = [sys.executable, str(MAIN_PY), "experiment", "rns", "--fibers", str(n_fibers), "--frequency",
            f"{frequency_hz:g}", "--pulses", str(pulses), "--seed", str(seed)]
    walls: list[float] = []
    json_walls: list[float] = []
    for _ in range(runs):
        walls.append(wall_s(argv))
        json_walls.append(wall_s([*argv, "--json"]))
    model_s = pulses / frequency_hz
    # every run's time too: on a machine whose speed wanders, the best alone does not show the spread
    return {"command_wall_s": min(walls), "command_model_s_per_wall_s": model_s / min(walls), "command_runs": runs,
            "command_walls_s": walls,
            "command_json_wall_s": min(json_walls), "command_json_model_s_per_wall_s": model_s / min(json_walls),
            "command_json_walls_s": json_walls}


def compile_bytecode() -> bool:
    """Write the bytecode of the game's modules and numpy's, as Python does on a normal machine at the first run
    (a machine that sets PYTHONDONTWRITEBYTECODE, like a sandbox, would otherwise compile them at every start and
    time that instead of the command). True when every module compiled."""
    import numpy

    dirs = [str(MAIN_PY.parent / "game"), str(Path(numpy.__file__).parent)]
    done = subprocess.run([sys.executable, "-m", "compileall", "-q", *dirs], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=COMMAND_TIMEOUT_S)
    return done.returncode == 0


def rns_protocol_rows(fibres: tuple[int, ...] = (200, 2000), pulses: int = 10000, with_command: bool = True,
                      runs: int = COMMAND_RUNS) -> list[dict]:
    """bench's "rns_protocol" rows: the protocol in this process and, with `with_command`, as a whole command
    (each the best of `runs`, bytecode compiled first), with the floor of the command (a new interpreter importing
    numpy)."""
    rows = [rns_protocol_speed(n, pulses=pulses, runs=runs) for n in fibres]
    if with_command:
        compiled = compile_bytecode()
        floor = interpreter_floor_s(runs)
        for row in rows:
            row.update(rns_command_speed(row["fibers"], row["frequency_hz"], row["pulses"], runs=runs))
            row["command_floor_s"] = floor
            row["command_bytecode_compiled"] = compiled
    return rows


def write_rns_rows(rows: list[dict], out) -> None:
    """The "rns_protocol" rows as bench's text output prints them."""
    for row in rows:
        out.write(f"  rns protocol, {row['fibers']} fibres, {row['pulses']} pulses at {row['frequency_hz']:g} Hz: "
                  f"{row['model_s_per_wall_s']:.0f}× real time in this process ({row['model_s_per_cpu_s']:.0f}× per CPU "
                  f"second; best of {row.get('runs', 1)})\n")
        if "command_wall_s" in row:
            for label, key in (("whole command", "command"), ("with --json", "command_json")):
                if f"{key}_wall_s" not in row:
                    continue
                walls = row.get(f"{key}_walls_s", [row[f"{key}_wall_s"]])
                out.write(f"    {label}: {row[f'{key}_wall_s']:.2f} s, {row[f'{key}_model_s_per_wall_s']:.0f}× real "
                          f"time (best of {len(walls)}: {', '.join(f'{w:.2f}' for w in walls)} s)\n")
            out.write(f"    of which a new interpreter importing numpy: {row['command_floor_s']:.2f} s; bytecode "
                      f"{'compiled first' if row.get('command_bytecode_compiled') else 'NOT all compiled'}\n")


def run_bench(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout
    result: dict = {"model": model_throughput(args.fibers)}
    result["rns_protocol"] = rns_protocol_rows()
    result["model_scaling"] = [model_throughput(n, 20.0) for n in (100, 200, 400, 800, 1600)]
    result["model_step_sizes"] = [model_throughput(args.fibers, 20.0, step_s=s) for s in (1 / 64, 0.05, 0.1, 0.25)]
    if not args.model_only:
        from game.app.bench import frame_bench
        result["frames"] = frame_bench(particles=args.particles, frames=args.frames)
    if args.json:
        jsonsafe.dump(result, out, indent=2)
        out.write("\n")
    else:
        m = result["model"]
        out.write(f"model: {m['model_s_per_wall_s']:.0f}× real time ({m['fibers']} fibres at {DRIVE_HZ:g} Hz, "
                  f"step {m['step_s']:g} s, {m['impulses_per_wall_s']:.0f} impulses per wall second)\n")
        for row in result["model_scaling"]:
            out.write(f"  {row['fibers']:>5} fibres: {row['model_s_per_wall_s']:8.0f}× real time\n")
        write_rns_rows(result["rns_protocol"], out)
        for row in result["model_step_sizes"]:
            out.write(f"  step {row['step_s']:.4f} s: {row['model_s_per_wall_s']:8.0f}× real time\n")
        if "frames" in result:
            f = result["frames"]
            out.write(f"frames: median {f['frame_ms_median']:.2f} ms, p99 {f['frame_ms_p99']:.2f} ms "
                      f"({f['particles']} particles, {f['frames']} frames)\n")
    return 0
