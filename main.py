"""Endplate entry point: everything lives in game.cli."""
from game.cli import main

if __name__ == "__main__":  # the class server's replay workers import this module again (spawn)
    raise SystemExit(main())
