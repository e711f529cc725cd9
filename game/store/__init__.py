"""Persistence for Endplate: profiles, results, settings and autosaves in one SQLite file.

Everything the game saves goes through `Store` (see `game.store.db` for why it
is built the way it is).  Typical use::

    with Store.open() as store:            # $ENDPLATE_DATA_DIR or the platform data dir
        for message in store.warnings:     # e.g. a damaged save file was moved aside
            show(message)
        me = store.last_profile() or store.create_profile("Ada", "7B")
        store.use_profile(me.id)
        settings = store.load_settings(me.id)
        store.record_result(me.id, "01-first-twitch", score=900, stars=3, won=True,
                            duration_s=312.5, details={})
"""

from game.store.db import (
    CSV_COLUMNS,
    DB_FILENAME,
    ENV_DATA_DIR,
    Store,
    data_dir,
    default_db_path,
)
from game.store.errors import NewerFormatError, StoreError, StoreUnavailable
from game.store.records import (
    Attempt,
    Best,
    Profile,
    normalize_class_code,
    normalize_nickname,
)
from game.store.schema import SCHEMA_VERSION
from game.store.settings import PALETTES, Settings

__all__ = [
    "CSV_COLUMNS",
    "DB_FILENAME",
    "ENV_DATA_DIR",
    "NewerFormatError",
    "PALETTES",
    "SCHEMA_VERSION",
    "Attempt",
    "Best",
    "Profile",
    "Settings",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "data_dir",
    "default_db_path",
    "normalize_class_code",
    "normalize_nickname",
]
