"""Endplate's command line: one entry point, subcommands.

    endplate                         the game (menu)
    endplate play LEVEL [...]        one level (also headless, with a screenshot)
    endplate experiment PROTOCOL     a lab protocol on the model, printed as a table or JSON
    endplate validate PATH...        check level files
    endplate check-level PATH...     a bot plays levels headless: winnable? how hard?
    endplate bench                   model and frame timings

Errors a user can cause print one line naming what was wrong and what was expected, and exit 2.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Sequence

EXIT_USAGE = 2


class CliError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def _number(low: float, high: float, what: str, kind: type = float, low_open: bool = False):
    """An argparse type: a number of `kind` in [low, high] (or (low, high] when low_open)."""
    span = f"{'above' if low_open else 'from'} {low:g} {'up ' if low_open else ''}to {high:g}"

    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what} {span}, got {text!r}") from None
        ok = (low < v if low_open else low <= v) and v <= high and math.isfinite(v)
        if not ok:
            raise argparse.ArgumentTypeError(f"expected {what} {span}, got {text}")
        return v
    return parse


_fraction = _number(0.0, 1.0, "a fraction")
_concentration = _number(0.0, 20.0, "a concentration in mM")


def _positive(kind: type, upper: float = math.inf):
    return _number(0, upper, f"a positive {'whole number' if kind is int else 'number'}", kind, low_open=True)


def _ca_levels(text: str) -> list[float]:
    try:
        levels = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated concentrations in mM, e.g. 0.2,0.3,0.4, got {text!r}") from None
    if len(levels) < 2 or any(not (0.0 < v <= 20.0) for v in levels):
        raise argparse.ArgumentTypeError(f"expected at least two concentrations above 0 and up to 20 mM, got {text!r}")
    return levels


def build_parser() -> argparse.ArgumentParser:
    from game.sim.experiments import LAB_FIBERS, PROTOCOLS
    from game.sim.spec import CONDITIONS, DRUGS, MUSCLE_GROUPS

    p = argparse.ArgumentParser(prog="endplate", description="Endplate: the neuromuscular junction and myasthenia gravis, as a game and a simulation.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    play = sub.add_parser("play", help="play one level (LEVEL is a level file)")
    play.add_argument("level", metavar="LEVEL", help="a level file, e.g. levels/04-ptosis.toml")
    play.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    play.add_argument("--headless", action="store_true", help="run without a window (dummy video driver)")
    play.add_argument("--seconds", type=_positive(float, 86400.0), default=None, help="stop after this many seconds of play")
    play.add_argument("--screenshot", metavar="PNG", help="save a screenshot when the run ends")
    play.add_argument("--record", metavar="JSONL", help="record the player's intents to a replay file")
    play.add_argument("--fire", choices=("none", "single", "train"), default="none",
                      help="headless only: fire the nerve (one impulse each second, or a held train) while running")

    ex = sub.add_parser("experiment", help="run a lab protocol on the model")
    ex.add_argument("protocol", choices=PROTOCOLS, metavar="PROTOCOL", help="one of: " + ", ".join(PROTOCOLS))
    ex.add_argument("--json", action="store_true", help="print one JSON object")
    ex.add_argument("--seed", type=int, default=1)
    ex.add_argument("--condition", choices=CONDITIONS, default="healthy", metavar="NAME", help="one of: " + ", ".join(CONDITIONS))
    ex.add_argument("--muscle", choices=MUSCLE_GROUPS, default="limb", metavar="GROUP", help="one of: " + ", ".join(MUSCLE_GROUPS))
    ex.add_argument("--fibers", type=_positive(int, 5000), default=LAB_FIBERS, help=f"fibres in the muscle (default {LAB_FIBERS})")
    ex.add_argument("--achr-fraction", type=_positive(float, 1.5), default=None, help="functional AChR relative to healthy (0–1.5)")
    ex.add_argument("--ache-inhibition", type=_fraction, default=0.0, help="fraction of AChE activity blocked directly (0–1)")
    ex.add_argument("--ca", type=_concentration, default=2.0, help="bath Ca2+ in mM (default 2)")
    ex.add_argument("--mg", type=_concentration, default=1.0, help="bath Mg2+ in mM (default 1)")
    ex.add_argument("--frequency", type=_positive(float, 200.0), default=3.0, help="rns: stimulation rate in Hz (default 3)")
    ex.add_argument("--pulses", type=_positive(int, 10000), default=10, help="rns: number of stimuli (default 10)")
    ex.add_argument("--ca-levels", type=_ca_levels, default=None, help="calcium: comma-separated [Ca2+] in mM (default 0.2,0.3,0.4,0.5)")
    ex.add_argument("--exercise-s", type=_positive(float, 600.0), default=45.0, help="exercise: seconds of maximal activity (default 45)")
    ex.add_argument("--drug", choices=DRUGS, default="pyridostigmine", metavar="DRUG", help="dose: one of: " + ", ".join(DRUGS))
    ex.add_argument("--dose-mg", type=_positive(float, 1000.0), default=60.0, help="dose: amount in mg (default 60)")
    ex.add_argument("--hours", type=_positive(float, 72.0), default=6.0, help="dose: hours to follow (default 6)")
    ex.add_argument("--treatment", choices=("none", "plex", "ivig", "steroids", "thymectomy"), default="none", metavar="T",
                    help="immune: none, plex, ivig, steroids or thymectomy")
    ex.add_argument("--weeks", type=_positive(float, 520.0), default=12.0, help="immune: weeks to follow (default 12)")

    val = sub.add_parser("validate", help="check level files (exit 0 when all are valid, 2 otherwise)")
    val.add_argument("paths", nargs="+", metavar="PATH", help="level files or folders")

    chk = sub.add_parser("check-level", help="a bot plays levels headless and reports whether they can be won")
    chk.add_argument("paths", nargs="+", metavar="PATH", help="level files or folders")
    chk.add_argument("--seed", type=int, default=1)
    chk.add_argument("--json", action="store_true")

    rep = sub.add_parser("report", help="teachers: export the results saved on this computer as a CSV file")
    rep.add_argument("out", metavar="CSV", help="the file to write, e.g. class-7B.csv (never overwritten)")
    rep.add_argument("--class-code", default=None, help="only this class (default: everyone on this computer)")

    bench = sub.add_parser("bench", help="measure model throughput and frame times")
    bench.add_argument("--particles", type=_positive(int, 1_000_000), default=50_000, help="ACh particles in flight in the lens")
    bench.add_argument("--frames", type=_positive(int, 100_000), default=300, help="frames to time")
    bench.add_argument("--fibers", type=_positive(int, 100_000), default=200, help="fibres for the model throughput run")
    bench.add_argument("--model-only", action="store_true", help="skip the frame benchmark")
    bench.add_argument("--json", action="store_true")
    return p


def _setup(args: argparse.Namespace):
    from game.sim.experiments import Setup
    from game.sim.spec import WorldSpec

    spec = WorldSpec(condition=args.condition, muscle_group=args.muscle, n_fibers=args.fibers,
                     achr_fraction=args.achr_fraction, ca_mM=args.ca, mg_mM=args.mg, ache_inhibition=args.ache_inhibition)
    return Setup(spec=spec, seed=args.seed)


def run_experiment(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout
    from game.sim import experiments as ex

    setup = _setup(args)
    try:
        match args.protocol:
            case "rns":
                result = ex.rns(setup, args.frequency, args.pulses)
            case "mepp":
                result = ex.mepp(setup)
            case "epp":
                result = ex.epp(setup)
            case "calcium":
                result = ex.calcium(setup, args.ca_levels)
            case "exercise":
                result = ex.exercise(setup, exercise_s=args.exercise_s)
            case "dose":
                result = ex.dose(setup, args.drug, args.dose_mg, args.hours)
            case "immune":
                result = ex.immune(setup, args.treatment, args.weeks)
    except ValueError as err:
        raise CliError(str(err)) from None
    result["condition"] = args.condition
    result["seed"] = args.seed
    if args.json:
        json.dump(result, out, indent=2)
        out.write("\n")
    else:
        out.write(format_result(result))
    return 0


def run_report(args: argparse.Namespace, out=None) -> int:
    """Write every attempt saved on this computer (one class, if given) to a CSV file for a spreadsheet."""
    from game.store import Store, StoreError

    out = out or sys.stdout
    with Store.open() as store:
        for warning in store.warnings:
            print(f"endplate: {warning}", file=sys.stderr)
        try:
            rows = store.export_results_csv(args.out, args.class_code)
        except (StoreError, OSError) as err:
            raise CliError(str(err)) from None
    who = f"class {args.class_code}" if args.class_code else "all players"
    out.write(f"{rows} attempts ({who}) written to {args.out}\n")
    return 0


def format_result(result: dict) -> str:
    """A readable table of a protocol's result."""
    lines = [f"{result['protocol']} ({result['condition']}, seed {result['seed']})"]
    tables = {k: v for k, v in result.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
    for k, v in result.items():
        if k in tables or k in ("protocol", "condition", "seed"):
            continue
        lines.append(f"  {k}: {v:.4g}" if isinstance(v, float) else f"  {k}: {v}")
    for name, rows in tables.items():
        cols = list(rows[0])
        lines.append(f"  {name}:")
        lines.append("    " + "  ".join(f"{c:>12}" for c in cols))
        for r in rows:
            lines.append("    " + "  ".join(f"{r[c]:>12.4g}" if isinstance(r[c], float) else f"{str(r[c]):>12}" for c in cols))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        match args.command:
            case None:
                from game.app.main import run_game
                return run_game()
            case "play":
                from game.app.main import run_play
                return run_play(args)
            case "experiment":
                return run_experiment(args)
            case "validate":
                from game.content.validate import run_validate
                return run_validate(args.paths, out=sys.stdout)
            case "check-level":
                from game.content.bot import run_check_level
                return run_check_level(args.paths, seed=args.seed, as_json=args.json)
            case "bench":
                from game.bench import run_bench
                return run_bench(args)
            case "report":
                return run_report(args)
    except CliError as err:
        print(f"endplate: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return 0
