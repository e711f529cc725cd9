"""Endplate: a game and simulation of the neuromuscular junction and myasthenia gravis."""
