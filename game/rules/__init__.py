"""The rules of a level being played: the session (LevelRun), scoring, the debrief and the bot players.

Depends on the level format (game.levels) and the model (game.sim); the game, the editor's checks and the
class server's replay verification all play levels through this package, so a result means the same
everywhere.
"""
