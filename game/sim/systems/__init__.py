"""One esper Processor per stage of the cascade; their order is declared in game.sim.schedule."""
