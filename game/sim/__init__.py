"""The model: a headless, deterministic simulation of the neuromuscular junction and myasthenia gravis.

Never imports pygame, the wall clock or `random`. Use `Sim(spec, seed)` (game.sim.world), feed it intents
(game.sim.intents), step it, and read events and readouts (game.sim.events).
"""
