"""The class server: sessions, joining, replay-verified attempts, quiz answers, the teacher's dashboard.

No pygame here. The game's class client may import `game.classroom.models` only (pydantic, no FastAPI).
"""
