"""Endplate's command line: one entry point, subcommands.

    endplate                         the game (menu)
    endplate play LEVEL [...]        one level (also headless, with a screenshot)
    endplate experiment PROTOCOL     a lab protocol on the model, printed as a table or JSON
    endplate validate PATH...        check level files
    endplate check-level PATH...     a bot plays levels headless: winnable? how hard?
    endplate bench                   model and frame timings
    endplate report CSV              teachers: the results saved on this computer (game/report.py)
    endplate where                   the data folder (game/report.py)

Errors a user can cause print one line naming what was wrong and what was expected, and exit 2.
"""
from __future__ import annotations

import argparse
import importlib
import io
import math
import operator
import os
import sys
from typing import Sequence

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141    # what a shell reports for a program stopped by SIGPIPE (128 + 13)

# Command groups that live beside the code they drive. Each module has `register(sub)`, which adds its
# subparsers to `sub` and returns {command name: handler(args) -> exit code}. Add one line per group.
COMMAND_MODULES: tuple[str, ...] = (
    "game.levels.pack_cli",
    "game.report",
    "game.editor.commands",
    "game.classroom.cli",
)


# The commands made in build_parser itself (the COMMAND_MODULES groups add theirs).
OWN_COMMANDS: tuple[str, ...] = ("play", "experiment", "validate", "check-level", "bench")


class CliError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a wrong or missing option prints ONE line (no usage block) and exits 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message.splitlines()[0] if message else 'bad arguments'} "
                              f"(see: {self.prog} --help)\n")


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
_temperature = _number(28.0, 40.0, "a muscle temperature in °C")


def _positive(kind: type, upper: float):
    return _number(0, upper, f"a positive {'whole number' if kind is int else 'number'}", kind, low_open=True)


def _seed(text: str) -> int:
    """The one seed rule of every command (game.sim.limits): a whole number from 1 to 2^31 - 1."""
    from game.sim.limits import SEED_MAX, SEED_MIN

    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not SEED_MIN <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"expected a whole number from {SEED_MIN} to {SEED_MAX}, got {text!r}")
    return value


def _fibers() -> object:
    from game.sim.limits import FIBERS_MAX, FIBERS_MIN

    return _number(FIBERS_MIN, FIBERS_MAX, "a whole number of fibres", int)


def add_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=_seed, default=1, metavar="N",
                        help="random seed, a whole number from 1 to 2147483647 (default 1); the same seed gives the same run")


def _ca_levels(text: str) -> list[float]:
    try:
        levels = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated concentrations in mM, e.g. 0.2,0.3,0.4, got {text!r}") from None
    if not 2 <= len(levels) <= 20 or any(not (0.0 < v <= 20.0) for v in levels):
        raise argparse.ArgumentTypeError(f"expected 2 to 20 concentrations above 0 and up to 20 mM, got {text!r}")
    return levels


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser. `command`: the command line's first word; when it names one of the commands
    made here, the COMMAND_MODULES groups are left out (importing them and adding their subparsers takes a few
    tens of ms from every start) and the other commands made here get no options (only their names and help)."""
    # from game.sim.limits, not game.sim.experiments: --help and other commands should not load the model
    from game.sim.limits import FIBERS_MAX, FIBERS_MIN, LAB_FIBERS, LAB_FIBERS_BY_CONDITION, PROTOCOLS
    from game.sim.spec import CONDITIONS, DRUGS, MUSCLE_GROUPS

    def full(name: str) -> bool:
        """Whether to add this command's options: only the command named (a command line names one, and adding
        every command's options costs a few ms of formatter setup per option), all of them otherwise (--help)."""
        return command not in OWN_COMMANDS or command == name

    p = Parser(prog="endplate", description="Endplate: the neuromuscular junction and myasthenia gravis, as a game and a simulation.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser,
                             help="one of the commands below (none: the game)")

    play = sub.add_parser("play", help="play one level (LEVEL is a level file), or a class's levels (--class)")
    if full("play"):
        play.add_argument("level", metavar="LEVEL", nargs="?", default=None,
                          help="a level file, e.g. levels/04-ptosis.toml (not with --class)")
        add_seed(play)
        play.add_argument("--headless", action="store_true", help="run without a window (dummy video driver)")
        play.add_argument("--seconds", type=_number(0.02, 3600.0, "a number of seconds"), default=None,
                          help="stop after this many seconds of play (up to 3600; headless default 10)")
        play.add_argument("--screenshot", metavar="PNG", help="save a screenshot (PNG) when the run ends (never overwritten without --force)")
        play.add_argument("--record", metavar="JSONL", help="record the player's moves to a replay file (never overwritten without --force)")
        play.add_argument("--replay", metavar="JSONL", help="play back a replay file recorded with --record (headless or in a window)")
        play.add_argument("--force", action="store_true", help="replace existing --record / --screenshot files")
        play.add_argument("--fire", choices=("none", "single", "train"), default="none",
                          help="headless only: fire the nerve (one impulse each second, or a held train) while running")
        play.add_argument("--class", dest="class_url", metavar="URL", help="join a class server and play its levels in order")
        play.add_argument("--code", help="with --class: the session's join code")
        play.add_argument("--nickname", help="with --class: your nickname (1-24 characters)")
        play.add_argument("--quiz", default="skip", metavar="SPEC",
                          help="with --class --headless: answer the quizzes: skip, right, wrong or e.g. pre:wrong,post:right")

    ex = sub.add_parser("experiment", help="run a lab protocol on the model")
    if full("experiment"):
        ex.add_argument("protocol", choices=PROTOCOLS, metavar="PROTOCOL", help="one of: " + ", ".join(PROTOCOLS))
        ex.add_argument("--json", action="store_true", help="print one JSON object (undefined values are null)")
        add_seed(ex)
        ex.add_argument("--condition", choices=CONDITIONS, default="healthy", metavar="NAME", help="one of: " + ", ".join(CONDITIONS))
        ex.add_argument("--muscle", choices=MUSCLE_GROUPS, default="limb", metavar="GROUP", help="one of: " + ", ".join(MUSCLE_GROUPS))
        ex.add_argument("--fibers", type=_fibers(), default=None,
                        help=f"fibres in the muscle ({FIBERS_MIN}–{FIBERS_MAX}; default {LAB_FIBERS}, "
                             f"{LAB_FIBERS_BY_CONDITION['lems']} for lems, whose few firing fibres need more for a smooth CMAP)")
        ex.add_argument("--achr-fraction", type=_number(0.01, 1.5, "a fraction"), default=None,
                        help="functional AChR relative to healthy (0.01–1.5; default: the condition's)")
        ex.add_argument("--ache-inhibition", type=_fraction, default=0.0, help="fraction of AChE activity blocked directly (0–1)")
        ex.add_argument("--ca", type=_concentration, default=2.0, help="bath Ca2+ in mM (default 2)")
        ex.add_argument("--mg", type=_concentration, default=1.0, help="bath Mg2+ in mM (default 1)")
        ex.add_argument("--frequency", type=_number(0.1, 100.0, "a rate in Hz"), default=3.0,
                        help="rns: stimulation rate in Hz (0.1–100, default 3)")
        ex.add_argument("--pulses", type=_number(1, 10000, "a whole number of stimuli", int), default=10,
                        help="rns: number of stimuli (1–10000, default 10)")
        ex.add_argument("--ca-levels", type=_ca_levels, default=None, help="calcium: comma-separated [Ca2+] in mM (default 0.2,0.3,0.4,0.5)")
        ex.add_argument("--exercise-s", type=_number(1.0, 600.0, "a number of seconds"), default=45.0,
                        help="exercise: seconds of maximal activity (1–600, default 45)")
        ex.add_argument("--drug", choices=DRUGS, default="pyridostigmine", metavar="DRUG", help="dose: one of: " + ", ".join(DRUGS))
        ex.add_argument("--dose-mg", type=_number(0.01, 1000.0, "a dose in mg"), default=None,
                        help="dose: amount in mg, up to the drug's largest dose (default: a usual dose of that drug, "
                             + ", ".join(f"{d} {_usual(d):g}" for d in DRUGS) + ")")
        ex.add_argument("--hours", type=_number(0.1, 72.0, "a number of hours"), default=6.0,
                        help="dose: hours to follow (0.1–72, default 6)")
        ex.add_argument("--treatment", choices=("none", "plex", "ivig", "steroids", "thymectomy"), default="none", metavar="T",
                        help="immune: none, plex, ivig, steroids or thymectomy")
        ex.add_argument("--weeks", type=_number(0.1, 104.0, "a number of weeks"), default=12.0,
                        help="immune: weeks to follow (0.1–104, default 12)")
        # issue 7 part B: bath agents and temperature
        ex.add_argument("--curare", type=_fraction, default=0.0, help="fraction of AChRs occupied by curare, a competitive blocker (0–1)")
        ex.add_argument("--botulinum", type=_fraction, default=0.0, help="fraction of release sites disabled by botulinum toxin (0–1)")
        ex.add_argument("--organophosphate", type=_fraction, default=0.0,
                        help="fraction of AChE destroyed by an irreversible inhibitor (0–1; returns only as new enzyme is made)")
        ex.add_argument("--temperature-c", type=_temperature, default=None, help="muscle temperature in °C (28–40; default 35)")
        ex.add_argument("--effort-s", type=_positive(float, 60.0), default=10.0, help="increment: seconds of maximal effort (default 10)")

    val = sub.add_parser("validate", help="check level files (exit 0 when all are valid, 2 otherwise)")
    if full("validate"):
        val.add_argument("paths", nargs="+", metavar="PATH", help="level files or folders")

    chk = sub.add_parser("check-level", help="a bot plays levels headless and reports whether they can be won")
    if full("check-level"):
        chk.add_argument("paths", nargs="+", metavar="PATH", help="level files or folders")
        add_seed(chk)
        chk.add_argument("--json", action="store_true", help="print one JSON array with an object per level")
        chk.add_argument("--player", choices=("bot", "idle", "never-treat", "never-rest", "careless"), default="bot",
                         help="who plays: the bot (default), idle (no input), or a bot that never treats, never "
                              "rests, or doses carelessly")
        chk.add_argument("--record", metavar="JSONL", default=None,
                         help="with one level: write the player's moves to this new replay file")

    bench = sub.add_parser("bench", help="measure model throughput and frame times")
    if full("bench"):
        bench.add_argument("--particles", type=_positive(int, 1_000_000), default=50_000,
                           help="ACh particles in flight in the lens (up to 1000000, default 50000)")
        bench.add_argument("--frames", type=_positive(int, 100_000), default=300, help="frames to time (up to 100000, default 300)")
        bench.add_argument("--fibers", type=_fibers(), default=200, help=f"fibres for the model throughput run ({FIBERS_MIN}–{FIBERS_MAX}, default 200)")
        bench.add_argument("--model-only", action="store_true", help="skip the frame benchmark")
        bench.add_argument("--json", action="store_true", help="print one JSON object")

    handlers: dict[str, object] = {}
    for name in () if command in OWN_COMMANDS else COMMAND_MODULES:
        handlers.update(importlib.import_module(name).register(sub))
    p.set_defaults(_handlers=handlers)
    return p


def _usual(drug: str) -> float:
    from game.sim.params import USUAL_DOSE_mg

    return USUAL_DOSE_mg[drug]


def _setup(args: argparse.Namespace):
    from game.sim.experiments import Setup, lab_fibers
    from game.sim.spec import WorldSpec

    fibers = args.fibers if args.fibers is not None else lab_fibers(args.condition)
    spec = WorldSpec(condition=args.condition, muscle_group=args.muscle, n_fibers=fibers,
                     achr_fraction=args.achr_fraction, ca_mM=args.ca, mg_mM=args.mg, ache_inhibition=args.ache_inhibition,
                     curare_occupancy=args.curare, botulinum_fraction=args.botulinum,
                     organophosphate_fraction=args.organophosphate, temperature_c=args.temperature_c)
    return Setup(spec=spec, seed=args.seed)


def run_experiment(args: argparse.Namespace, out=None) -> int:
    """`experiment PROTOCOL`: the protocol's result as a table or JSON. Importing the model (and numpy), running
    the protocol and printing make many objects and no cyclic garbage, so the cycle collector is paused for all
    three (game.sim.collector: ~100 collections of a 10,000-pulse rns)."""
    from game.sim.collector import paused

    with paused():
        return _run_experiment(args, out or sys.stdout)


def _run_experiment(args: argparse.Namespace, out) -> int:
    from game.sim import experiments as ex

    setup = _setup(args)
    if args.protocol == "dose":
        from game.sim.params import DEFAULT

        if args.dose_mg is None:
            args.dose_mg = _usual(args.drug)
        largest = DEFAULT.pharmacology.drugs[args.drug].max_dose_mg
        if args.dose_mg > largest:
            raise CliError(f"--dose-mg: expected at most {largest:g} mg for {args.drug}, got {args.dose_mg:g}")
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
            case "increment":
                result = ex.increment(setup, effort_s=args.effort_s)
            case "ice-pack":
                result = ex.ice_pack(setup)
    except ValueError as err:
        raise CliError(str(err)) from None
    result["condition"] = args.condition
    result["seed"] = args.seed
    if args.json:
        from game.jsonsafe import dump

        dump(result, out, indent=2)
        out.write("\n")
    else:
        out.write(format_result(result))
    return 0


def format_result(result: dict) -> str:
    """A readable table of a protocol's result."""
    lines = [f"{result['protocol']} ({result['condition']}, seed {result['seed']})"]
    tables = {k: v for k, v in result.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
    for k, v in result.items():
        if k in tables or k in ("protocol", "condition", "seed"):
            continue
        lines.append(f"  {k}: {v:.4g}" if isinstance(v, float) and math.isfinite(v) else
                     f"  {k}: {'undefined' if isinstance(v, float) else v}")
    for name, rows in tables.items():
        cols = list(rows[0])
        lines.append(f"  {name}:")
        lines.append("    " + "  ".join(f"{c:>12}" for c in cols))
        lines.extend(_table_rows(rows, cols))
    return "\n".join(lines) + "\n"


def _cell(v) -> str:
    return f"{v:>12.4g}" if isinstance(v, float) else f"{str(v):>12}"


def _table_rows(rows: list[dict], cols: list) -> list[str]:
    """Each row as "    " and its cells, 12 wide, two spaces apart: a float to 4 significant digits, anything else
    as str(). A column that holds floats only, or no float at all, is formatted by one %-format per row (an rns
    train has 10,000 rows: about half the time of formatting cell by cell); a column that mixes them is
    formatted cell by cell. Both give the same text."""
    take = operator.itemgetter(*cols)
    values = list(map(take, rows)) if len(cols) > 1 else [(v,) for v in map(take, rows)]
    formats = []
    for column in zip(*values):
        kinds = set(map(type, column))
        floats = [issubclass(k, float) for k in kinds]
        if all(floats):
            formats.append("%12.4g")
        elif not any(floats):
            formats.append("%12s")
        else:
            return ["    " + "  ".join(_cell(r[c]) for c in cols) for r in rows]
    row = "    " + "  ".join(formats)
    return [row % v for v in values]


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words[0] if words else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    try:
        match args.command:
            case None:
                from game.app.main import no_display, run_game
                if problem := no_display():
                    raise CliError(problem)
                return run_game()
            case "play" if args.class_url is not None or args.code or args.nickname:
                from game.app.main import run_class_play
                return run_class_play(args)
            case "play":
                from game.app.main import run_play
                if args.level is None:
                    raise CliError("play: expected a LEVEL file, or --class URL --code CODE --nickname NAME")
                return run_play(args)
            case "experiment":
                return run_experiment(args)
            case "validate":
                from game.levels.validate import run_validate
                return run_validate(args.paths, out=sys.stdout)
            case "check-level":
                from game.rules.bot import run_check_level
                return run_check_level(args.paths, seed=args.seed, as_json=args.json, player=args.player,
                                       record=args.record)
            case "bench":
                from game.bench import run_bench
                return run_bench(args)
            case name if name in args._handlers:
                return args._handlers[name](args)
    except CliError as err:
        print(f"endplate: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        if not _stdout_reader_gone():
            raise                       # another pipe or socket broke: a real error, not the reader leaving
        # the reader of the output went away (`... | head`): nothing is wrong and nothing more can be said; what is
        # left in stdout's buffer goes to the null device so that the flush at exit does not fail again
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        return EXIT_BROKEN_PIPE
    return 0


def _stdout_reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has closed it (poll reports an error on its write end)."""
    try:
        import select
        fd = sys.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False
