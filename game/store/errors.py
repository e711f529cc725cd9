"""The one exception type of the store.

`StoreError` subclasses `ValueError` because almost every failure a caller can
act on is bad input: a nickname that is too long, a class code with a space, two
actions bound to one key, an export that would overwrite a file.  Its message
names the field and says what is expected, so the UI can show it as it is.

Failures of the machine itself (disk full, I/O errors) are not wrapped: they
surface as `sqlite3.Error` or `OSError`, which the game handles differently
from a typing mistake.
"""

from __future__ import annotations

__all__ = ["NewerFormatError", "StoreError", "StoreUnavailable"]


class StoreError(ValueError):
    """Invalid input or a refused operation; the message is meant for humans."""


class NewerFormatError(StoreError):
    """The save file was made by a newer Endplate; it is left untouched."""


class StoreUnavailable(StoreError):
    """The save file cannot be used (and the caller asked for no in-memory fallback)."""
