"""Endplate: a game and simulation of the neuromuscular junction and myasthenia gravis."""
import os as _os

# The model's linear algebra is dot products of one row of fibres (≤ 50,000 numbers): a BLAS thread pool
# only adds hand-over cost there, and on a busy machine its spinning threads made a 40,000-fibre dot take
# up to 70 ms instead of 0.02 ms. One thread also makes every sum the same on every machine (the class
# server re-plays a student's moves and must get the same numbers the student's computer got).
# Set before numpy is first imported (this package is imported first by main.py and by the tests); a value
# the user set in the environment is kept.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_name, "1")
del _name
