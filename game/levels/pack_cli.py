"""`pack build | install | list | remove`: level packs from the command line (see game/levels/packs.py)."""
from __future__ import annotations

import argparse
import json
import sys

from game import jsonsafe


def register(sub) -> dict:
    pack = sub.add_parser("pack", help="level packs: build, install, list or remove")
    verbs = pack.add_subparsers(dest="pack_command", metavar="ACTION", required=True,
                                help="what to do with packs (below)")
    b = verbs.add_parser("build", help="check a pack folder and write it as one .endplate file")
    b.add_argument("folder", metavar="DIR", help="the pack folder (pack.toml and its level files)")
    b.add_argument("-o", "--output", required=True, metavar="FILE", help="the pack file to write, e.g. week3.endplate")
    b.add_argument("--force", action="store_true", help="replace FILE if it exists")
    i = verbs.add_parser("install", help="check a pack file completely, then install it in the data folder")
    i.add_argument("file", metavar="FILE", help="a .endplate pack file (or a pack folder)")
    i.add_argument("--replace", action="store_true", help="install over an installed pack with the same id (scores are kept)")
    ls = verbs.add_parser("list", help="the installed packs")
    ls.add_argument("--json", action="store_true", help="print one JSON list")
    r = verbs.add_parser("remove", help="remove an installed pack (its scores are kept)")
    r.add_argument("pack_id", metavar="ID", help="the pack's id, as `pack list` shows it")
    return {"pack": run_pack}


def run_pack(args: argparse.Namespace, out=None) -> int:
    # imported here, not at the top: every command builds the parser, and the packs bring in pydantic
    from game.levels.packs import PackError, build_pack, install_pack, list_packs, remove_pack

    out = out or sys.stdout
    try:
        match args.pack_command:
            case "build":
                path = build_pack(args.folder, args.output, force=args.force)
                out.write(f"wrote {path}\n")
            case "install":
                loaded = install_pack(args.file, replace=args.replace)
                n = len(loaded.levels)
                out.write(f"installed pack {loaded.pack.id!r} ({loaded.pack.title}, {n} level{'s' if n != 1 else ''}) "
                          f"in {loaded.path}\n")
            case "list":
                packs = list_packs()
                if args.json:
                    rows = [{"id": p.pack.id, "title": p.pack.title, "author": p.pack.author,
                             "levels": [{"file": lv.file, "id": lv.level.id, "title": lv.level.title}
                                        for lv in p.levels],
                             "where": str(p.path), "problems": p.problems} for p in packs]
                    jsonsafe.dump(rows, out, indent=2, ensure_ascii=False)
                    out.write("\n")
                elif not packs:
                    out.write("no packs installed\n")
                else:
                    for p in packs:
                        if p.problems:
                            out.write(f"{p.pack.id}: damaged: {p.problems[0]}\n")
                            continue
                        n = len(p.levels)
                        out.write(f"{p.pack.id}: {p.pack.title} by {p.pack.author}, {n} level{'s' if n != 1 else ''} "
                                  f"({', '.join(lv.level.id for lv in p.levels)}) in {p.path}\n")
            case "remove":
                path = remove_pack(args.pack_id)
                out.write(f"removed {path}\n")
    except PackError as err:
        print(f"endplate: {err}", file=sys.stderr)
        return 2
    return 0
