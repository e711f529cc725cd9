"""`uv run python -m game.levels [--write-schema | PATH...]`.

--write-schema: after changing schema.py, regenerate levels/level.schema.json (and levels/pack.schema.json) and the field reference in
docs/levels.md (tests fail until both are up to date). PATH...: the same check as `main.py validate`.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence

from game.levels.reference import DOCS_PATH, update_docs
from game.levels.validate import export_schema, run_validate


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--write-schema"]:
        from game.levels.packs import export_pack_schema

        print(f"wrote {export_schema()}")
        print(f"wrote {export_pack_schema()}")
        print(f"wrote {update_docs(DOCS_PATH)}")
        return 0
    return run_validate(args)


if __name__ == "__main__":
    raise SystemExit(main())
