"""Teachers' commands: `report` (the results saved on this computer as a CSV file) and `where` (the data folder).

The report opens the save file read-only (it never creates, migrates or moves one, so it also reads a file
made by a newer Endplate), checks the output path before reading anything, writes through
`game.store.safewrite` (refuses an existing file unless --force; atomic; 0644) with every text cell quoted
and formula starts neutralised (`game.store.csvsafe`), and skips damaged rows, saying how many.
"""
from __future__ import annotations

import argparse
import sys
from typing import TextIO


def register(sub) -> dict:
    rep = sub.add_parser("report", help="teachers: export the results saved on this computer as a CSV file")
    rep.add_argument("out", metavar="CSV", help="the file to write, e.g. class-7B.csv (never overwritten without --force)")
    rep.add_argument("--class-code", default=None, metavar="CODE",
                     help='only this class; "" for players without a class code (default: everyone on this computer)')
    rep.add_argument("--force", action="store_true", help="replace CSV if it already exists (atomically)")
    where = sub.add_parser("where", help="print the data folder (save file, exports) and how to move it")
    del where
    return {"report": run_report, "where": run_where}


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 attempt', '2 attempts', '0 attempts'."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _titles() -> dict[str, str]:
    """Level id -> title for the shipped levels (best effort: a broken level file only loses its title)."""
    from game.levels import load_levels

    return {lv.id: lv.title for lv in load_levels().levels}


def run_report(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Write every attempt saved on this computer (one class, if given) to a CSV file for a spreadsheet."""
    from game.cli import CliError
    from game.store import Store, StoreError, normalize_class_code
    from game.store.db import write_report_csv
    from game.store.safewrite import AtomicFile, OutputError, check_output

    out = out or sys.stdout
    try:
        code = None if args.class_code is None else normalize_class_code(args.class_code)
        check_output(args.out, "report", force=args.force)
        with Store.open(read_only=True) as store:
            rows, skipped = store.report_rows(code)
        f = AtomicFile(args.out, "report", force=args.force, encoding="utf-8-sig", newline="")
        with f:
            write_report_csv(f.file, rows, _titles())
    except (StoreError, OutputError) as err:
        raise CliError(str(err)) from None
    who = ("all players" if code is None else f"class {code}" if code else "players without a class code")
    out.write(f"{plural(len(rows), 'attempt')} ({who}) written to {args.out}\n")
    if skipped:
        print(f"endplate: {plural(skipped, 'damaged row')} in the save file skipped (not in the report)",
              file=sys.stderr)
    return 0


def run_where(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from game.store import ENV_DATA_DIR, data_dir, default_db_path

    out = out or sys.stdout
    out.write(f"{data_dir()}\n")
    out.write(f"  save file: {default_db_path()}\n  exports:   {data_dir() / 'exports'}\n"
              f"  (set {ENV_DATA_DIR} to use another folder)\n")
    return 0
