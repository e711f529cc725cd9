"""Endplate entry point: everything lives in game.cli."""
from game.cli import main

raise SystemExit(main())
