"""`endplate play --headless`: screenshot, recording, fire inputs; broken levels exit 2 with their messages."""
import json
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from game.cli import main  # noqa: E402
from game.levels import LEVELS_DIR  # noqa: E402


def test_headless_play_writes_a_screenshot_and_a_recording(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    png, rec = tmp_path / "shot.png", tmp_path / "replay.jsonl"
    code = main(["play", str(LEVELS_DIR / "lab.toml"), "--headless", "--seconds", "1.5", "--fire", "single",
                 "--screenshot", str(png), "--record", str(rec), "--seed", "3"])
    assert code == 0
    pygame.init()
    img = pygame.image.load(str(png))
    assert img.get_size() == (1280, 720)
    head, *lines = [json.loads(x) for x in rec.read_text(encoding="utf-8").splitlines()]
    assert head["endplate_replay"] == 1 and head["level_id"] == "lab" and head["seed"] == 3
    assert [x["kind"] for x in lines] == ["fire", "fire"]          # at 0.25 s and 1.25 s
    assert all(x["t_s"] >= 0 for x in lines)
    assert str(png) in capsys.readouterr().out


def test_headless_train_holds_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    rec = tmp_path / "r.jsonl"
    assert main(["play", str(LEVELS_DIR / "lab.toml"), "--headless", "--seconds", "0.5", "--fire", "train",
                 "--record", str(rec)]) == 0
    kinds = [json.loads(x)["kind"] for x in rec.read_text(encoding="utf-8").splitlines()[1:]]
    assert kinds[0] == "train_start"


def test_broken_level_exits_2_with_one_line_messages(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\nid = "x"\ntitle = 3\n', encoding="utf-8")
    assert main(["play", str(bad), "--headless", "--seconds", "1"]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "Traceback" not in err
    assert all(line.startswith(str(bad)) for line in err.strip().splitlines())
    assert main(["play", str(tmp_path / "missing.toml"), "--headless"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_run_game_opens_the_menu_and_quits(tmp_path, monkeypatch):
    from game.app.main import run_game

    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    assert run_game(headless=True, max_frames=5) == 0
    assert (tmp_path / "data" / "endplate.sqlite3").exists()
