"""Level packs: build, install, list, remove; every hostile pack refused with one line and nothing written."""
from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.cli import main
from game.levels import packs
from game.levels.packs import PackError, build_pack, install_pack, list_packs, read_pack_bytes, remove_pack

ROOT = Path(__file__).resolve().parents[1]
PTOSIS = (ROOT / "levels" / "04-ptosis.toml").read_text(encoding="utf-8")
HEALTHY = (ROOT / "levels" / "01-healthy-junction.toml").read_text(encoding="utf-8")
PACK_TOML = ('schema_version = 1\nid = "face-week"\ntitle = "Face week"\nauthor = "7B"\n'
             'description = "Two patients."\nlevels = ["a.toml", "b.toml"]\n')


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


def _good_entries() -> list[tuple[str, bytes]]:
    return [("pack.toml", PACK_TOML.encode()), ("a.toml", PTOSIS.encode()), ("b.toml", HEALTHY.encode())]


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture()
def pack_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    for name, data in _good_entries():
        (folder / name).write_bytes(data)
    return folder


def test_build_install_list_play_remove(tmp_path: Path, pack_folder: Path, monkeypatch, capsys):
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "face.endplate"
    assert main(["pack", "build", str(pack_folder), "-o", str(out)]) == 0
    assert main(["pack", "build", str(pack_folder), "-o", str(out)]) == 2          # never overwritten
    assert "--force" in capsys.readouterr().err
    assert main(["pack", "install", str(out)]) == 0
    assert main(["pack", "install", str(out)]) == 2                                # id clash
    assert "--replace" in capsys.readouterr().err
    assert main(["pack", "install", str(out), "--replace"]) == 0
    capsys.readouterr()
    assert main(["pack", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["face-week"]
    assert [lv["id"] for lv in rows[0]["levels"]] == ["ptosis", "healthy-junction"]   # play order
    installed = Path(rows[0]["where"])
    # the installed level is the same text, so it plays and hashes as the author made it
    assert (installed / "a.toml").read_text(encoding="utf-8") == PTOSIS
    from game.levels import load_level
    from game.rules.replay import replay

    summary = replay(load_level(installed / "b.toml"), 1, [{"t_s": 0.5, "kind": "fire", "value": None}])
    assert summary.finished
    assert main(["pack", "remove", "face-week"]) == 0
    assert main(["pack", "remove", "face-week"]) == 2
    assert list_packs() == []


def test_pack_schema_file_is_current():
    assert (ROOT / "levels" / "pack.schema.json").read_text(encoding="utf-8") == packs.pack_schema_text()


def _symlink_entry() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("a.toml")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _fifo_entry() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("a.toml")
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    return info


def _bad_level() -> bytes:
    return PTOSIS.replace('schema_version = 1', 'schema_version = 1\ncolour = "red"', 1).encode()


HOSTILE = {
    "dot-dot": (lambda: _zip([*_good_entries(), ("../evil.toml", b"x")]), "'..'"),
    "dot-dot-inner": (lambda: _zip([*_good_entries(), ("x/../../evil.toml", b"x")]), "'..'"),
    "absolute": (lambda: _zip([*_good_entries(), ("/etc/evil.toml", b"x")]), "absolute"),
    "drive-letter": (lambda: _zip([*_good_entries(), ("C:evil.toml", b"x")]), "drive letter"),
    "backslash": (lambda: _zip([*_good_entries(), ("..\\evil.toml", b"x")]), "backslash"),
    "symlink": (lambda: _zip([("pack.toml", PACK_TOML.encode()), (_symlink_entry(), b"/etc/passwd"),
                              ("b.toml", HEALTHY.encode())]), "symbolic link"),
    "special-file": (lambda: _zip([("pack.toml", PACK_TOML.encode()), (_fifo_entry(), b""),
                                   ("b.toml", HEALTHY.encode())]), "special file"),
    "too-many-entries": (lambda: _zip([*_good_entries()] + [(f"d{i}/", b"") for i in range(201)]), "more than 200"),
    "file-over-1mb": (lambda: _zip([*_good_entries(), ("big.toml", os.urandom(1_000_001))],
                                   zipfile.ZIP_STORED), "more than 1 MB"),
    "total-over-20mb": (lambda: _zip([(f"f{i}.toml", os.urandom(999_000)) for i in range(21)],
                                     zipfile.ZIP_STORED), "MB"),
    "zip-bomb": (lambda: _zip([*_good_entries(), ("bomb.toml", b"\0" * 900_000)]), "zip bomb"),
    "duplicate-ids": (lambda: _zip([("pack.toml", PACK_TOML.encode()), ("a.toml", PTOSIS.encode()),
                                    ("b.toml", PTOSIS.encode())]), "already used"),
    "invalid-level": (lambda: _zip([("pack.toml", PACK_TOML.encode()), ("a.toml", _bad_level()),
                                    ("b.toml", HEALTHY.encode())]), "a.toml: colour"),
    "unlisted-file": (lambda: _zip([*_good_entries(), ("c.toml", HEALTHY.encode())]), "not listed"),
    "missing-level": (lambda: _zip(_good_entries()[:2]), "not in the pack"),
    "no-pack-toml": (lambda: _zip(_good_entries()[1:]), "no pack.toml"),
    "not-a-zip": (lambda: b"this is not a zip", "not a pack file"),
    "bad-pack-id": (lambda: _zip([("pack.toml", PACK_TOML.replace('"face-week"', '"../x"').encode()),
                                  *_good_entries()[1:]]), "id"),
    "pack-path-level": (lambda: _zip([("pack.toml", PACK_TOML.replace('"a.toml"', '"../a.toml"').encode()),
                                      *_good_entries()[1:]]), "plain .toml file name"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_pack_refused_and_nothing_written(case: str, tmp_path: Path, monkeypatch, capsys):
    make, expected = HOSTILE[case]
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ENDPLATE_DATA_DIR", str(data_dir))
    pack_file = tmp_path / "hostile.endplate"
    pack_file.write_bytes(make())
    before = _tree(tmp_path)
    assert main(["pack", "install", str(pack_file)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("endplate: "), err
    assert expected in err, err
    assert _tree(tmp_path) == before                      # nothing written anywhere, not even the packs folder


def test_special_files_in_a_folder_are_not_packed(tmp_path: Path, pack_folder: Path):
    (pack_folder / "a.toml").unlink()
    (pack_folder / "a.toml").symlink_to(ROOT / "levels" / "04-ptosis.toml")
    with pytest.raises(PackError, match="not a regular file"):
        build_pack(pack_folder, tmp_path / "x.endplate")
    assert not (tmp_path / "x.endplate").exists()


def test_replace_keeps_one_folder(tmp_path: Path, pack_folder: Path):
    root = tmp_path / "packs"
    install_pack(pack_folder, root)
    install_pack(pack_folder, root, replace=True)
    assert [p.name for p in root.iterdir()] == ["face-week"]
    assert remove_pack("face-week", root) == root / "face-week"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzz_pack_install(tmp_path_factory, data):
    """Random bytes and mutated pack files: a PackError or a clean install into the packs folder only."""
    base = tmp_path_factory.mktemp("fuzz")
    good = _zip(_good_entries())
    choice = data.draw(st.sampled_from(["random", "flip", "truncate", "names"]))
    if choice == "random":
        blob = data.draw(st.binary(max_size=4000))
    elif choice == "flip":
        blob = bytearray(good)
        for _ in range(data.draw(st.integers(1, 20))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] = data.draw(st.integers(0, 255))
        blob = bytes(blob)
    elif choice == "truncate":
        blob = good[: data.draw(st.integers(0, len(good)))]
    else:
        name = data.draw(st.text(min_size=1, max_size=30))
        blob = _zip([*_good_entries(), (name, b"x")])
    root = base / "packs"
    try:
        read = read_pack_bytes(blob, "fuzz")
    except PackError:
        assert not root.exists()
        return
    installed = packs.install_loaded(read, root)
    assert installed.path is not None and installed.path.parent == root
    for p in base.rglob("*"):
        assert p == root or root in p.parents, p


def test_pack_scores_are_kept_per_pack_and_survive_a_new_version(tmp_path: Path, pack_folder: Path):
    from game.levels.campaign import level_kind
    from game.levels.packs import pack_of
    from game.store import Store

    root = tmp_path / "packs"
    installed = install_pack(pack_folder, root)
    level_file = installed.path / "b.toml"
    assert pack_of(level_file, root) == "face-week"
    assert pack_of(ROOT / "levels" / "01-healthy-junction.toml", root) == ""
    level = installed.levels[1].level
    assert level_kind(level, "face-week") == "pack"
    with Store.open(tmp_path / "s.sqlite3") as store:
        who = store.create_profile("Ana", "7B")
        store.record_result(who.id, level.id, score=70, stars=2, won=True, duration_s=10.0, details={},
                            level_kind="pack", pack_id="face-week")
        store.record_result(who.id, level.id, score=90, stars=3, won=True, duration_s=10.0, details={},
                            level_kind="pack", pack_id="other-pack")
        install_pack(pack_folder, root, replace=True)            # a new version keeps the scores
        best = store.best_of_kind(who.id, level.id, "pack", "face-week")
        assert best is not None and (best.score, best.stars, best.attempts) == (70, 2, 1)
        assert store.best(who.id, level.id) is None               # apart from the campaign's
        assert store.best_of_kind(who.id, level.id, "custom") is None
