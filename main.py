"""Endplate entry point: everything lives in game.cli."""
import gc

from game.cli import main

if __name__ == "__main__":  # the class server's replay workers import this module again (spawn)
    code = main()
    # The process ends here. Its objects are freed as the interpreter shuts down, but first a last garbage
    # collection would walk every one of them (numpy's and the model's: 10-20 ms after a lab protocol) looking for
    # cycles that nothing here leaves behind; frozen, they are skipped. Exit handlers and the flushing of open
    # files still run (files are closed by `with` blocks anyway).
    gc.freeze()
    raise SystemExit(code)
